"""Standard Webhooks signatures (https://www.standardwebhooks.com): sign and verify.

A thin wrapper over the ``standardwebhooks`` package that adds what a rotation needs: a sender
signs with every current secret (the signatures go space-separated in one header) and a receiver
accepts a message signed by any of its secrets. The replay window is checked here, with a
configurable tolerance, before the library's own check.
"""

import base64
import secrets as random_secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE_SECONDS = 300


def generate_secret() -> str:
    """A new random signing secret in the Standard Webhooks form ``whsec_<base64>``."""
    return SECRET_PREFIX + base64.b64encode(random_secrets.token_bytes(32)).decode()


def is_valid_secret(secret: str) -> bool:
    """True when ``secret`` decodes to a usable key of at least 16 bytes."""
    raw = secret.removeprefix(SECRET_PREFIX)
    try:
        return len(base64.b64decode(raw + "==", validate=False)) >= 16
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class SignedHeaders:
    """The three headers of a signed message."""

    id: str
    timestamp: int
    signature: str

    def as_dict(self) -> dict[str, str]:
        """The headers to send."""
        return {"webhook-id": self.id, "webhook-timestamp": str(self.timestamp),
                "webhook-signature": self.signature}


class Signer:
    """Signs message bodies with one or more secrets (more than one while rotating)."""

    def __init__(self, secrets: Sequence[str]) -> None:
        if not secrets:
            raise ValueError("at least one signing secret is needed")
        self._hooks = [Webhook(s) for s in secrets]

    def sign(self, *, msg_id: str, body: bytes, timestamp: int | None = None) -> SignedHeaders:
        """Headers for ``body`` sent as message ``msg_id`` now (or at ``timestamp``)."""
        ts = int(time.time()) if timestamp is None else timestamp
        at = datetime.fromtimestamp(ts, UTC)
        data = body.decode()
        signature = " ".join(hook.sign(msg_id, at, data) for hook in self._hooks)
        return SignedHeaders(id=msg_id, timestamp=ts, signature=signature)


class VerificationFailed(Exception):
    """The message is not authentic; ``reason`` says which check failed."""

    def __init__(self, reason: str, *, stale: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.stale = stale


class Verifier:
    """Verifies signed messages against any of several secrets, within a replay window."""

    def __init__(self, secrets: Sequence[str], *,
                 tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS) -> None:
        if not secrets:
            raise ValueError("at least one verification secret is needed")
        self._hooks = [Webhook(s) for s in secrets]
        self.tolerance = tolerance_seconds

    def verify(self, body: bytes, headers: Mapping[str, str]) -> str:
        """Check the headers and signature of ``body``; return the message id."""
        lowered = {k.lower(): v for k, v in headers.items()}
        msg_id = lowered.get("webhook-id")
        raw_ts = lowered.get("webhook-timestamp")
        signature = lowered.get("webhook-signature")
        if not (msg_id and raw_ts and signature):
            raise VerificationFailed("missing webhook-id, webhook-timestamp or webhook-signature")
        try:
            ts = int(raw_ts)
        except ValueError:
            raise VerificationFailed("webhook-timestamp is not a Unix time in seconds") from None
        if abs(time.time() - ts) > self.tolerance:
            raise VerificationFailed("webhook-timestamp is outside the replay window",
                                     stale=True)
        wanted = {"webhook-id": msg_id, "webhook-timestamp": raw_ts,
                  "webhook-signature": signature}
        for hook in self._hooks:
            try:
                hook.verify(body, wanted, json_parse=False)
            except (WebhookVerificationError, ValueError):
                continue
            return msg_id
        raise VerificationFailed("no signature matches")

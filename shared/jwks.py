"""Public keys of token issuers: read from a JWKS document, refreshed on a timer and on demand.

A key is kept when it is for signatures and of a type an allowed algorithm signs with: RSA
(RS256, PS256), EC on P-256 (ES256), OKP on Ed25519 or Ed448 (EdDSA). A key that names its
``alg`` verifies that algorithm only (and is dropped when it does not fit the key's type); a key
without ``alg`` verifies every allowed algorithm its type and curve can, so that an issuer that
publishes bare keys (many do) is usable. ``none`` and the HMAC algorithms are never allowed: a
public key must not become an HMAC secret.

A :class:`StaticKeySource` reads its set again every ``refresh_seconds`` (checked when a key is
asked for, so a withdrawn key stops verifying within that interval of its withdrawal) and when a
token names a kid it does not know (a rotation), at most once every ``min_refresh_interval``
seconds so that made-up kids cannot make it hammer the issuer. While the set cannot be read the
last one read stays in use (and a warning is logged once per outage); a token whose key was
never read then gets no verdict: :class:`KeysUnavailable` (503, try again), not a 401.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.errors import ProblemError
from shared.i18n import _

log = logging.getLogger("pathways.auth.keys")

ALLOWED_ALGORITHMS: tuple[str, ...] = ("RS256", "PS256", "ES256", "EdDSA")
# What each key type (and curve) can verify, of the allowed algorithms.
_FITTING: dict[tuple[str, str | None], frozenset[str]] = {
    ("RSA", None): frozenset({"RS256", "PS256"}),
    ("EC", "P-256"): frozenset({"ES256"}),
    ("OKP", "Ed25519"): frozenset({"EdDSA"}),
    ("OKP", "Ed448"): frozenset({"EdDSA"}),
}
MIN_RSA_BITS = 2048
DEFAULT_REFRESH_SECONDS = 300.0


class KeysUnavailable(ProblemError):
    """The issuer's keys, needed to check this token, cannot be fetched now (the gateway or its
    database is down): no verdict on the token, try again."""

    status, slug, title = 503, "token-keys-unavailable", "Token keys unavailable"

    def __init__(self) -> None:
        super().__init__(_("The keys that check tokens cannot be fetched from their issuer "
                           "right now; try again shortly."))
        self.headers = {"Retry-After": "5"}


@dataclass(frozen=True, slots=True)
class PublicKey:
    """One published key: its kid, the key itself and the algorithms it may verify."""

    kid: str
    key: Any  # a cryptography public key object
    algorithms: frozenset[str]


def fitting_algorithms(entry: dict[str, Any]) -> frozenset[str]:
    """The allowed algorithms the JWK ``entry`` can verify: those of its key type and curve,
    narrowed to its ``alg`` when it names one (empty: the key is of no use)."""
    kty = entry.get("kty")
    curve = entry.get("crv") if kty != "RSA" else None
    fits = _FITTING.get((str(kty), curve if isinstance(curve, str) else None), frozenset())
    alg = entry.get("alg")
    if alg is not None:
        fits = fits & {alg} if isinstance(alg, str) else frozenset()
    return fits


def public_key(entry: Any) -> PublicKey | None:
    """The verifying key of a JWKS entry, or None when it is not one this verifier uses: no kid,
    not for signatures, of no allowed algorithm, malformed, or an RSA key under 2048 bits."""
    if not isinstance(entry, dict):
        return None
    kid = entry.get("kid")
    if not isinstance(kid, str) or not kid or entry.get("use", "sig") != "sig":
        return None
    if (ops := entry.get("key_ops")) is not None and "verify" not in ops:
        return None
    algorithms = fitting_algorithms(entry)
    if not algorithms:
        return None
    try:
        key = jwt.PyJWK(entry, algorithm=min(algorithms)).key
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError):
        return None
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        return None
    if not hasattr(key, "verify") or hasattr(key, "sign"):  # a public key, never a private one
        return None
    return PublicKey(kid=kid, key=key, algorithms=algorithms)


def keys_of(document: Any) -> dict[str, PublicKey]:
    """The usable keys of a JWKS document, by kid."""
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        return {}
    return {key.kid: key for entry in entries if (key := public_key(entry)) is not None}


class KeySource(Protocol):
    """Where a verifier finds an issuer's public keys by kid."""

    async def key(self, kid: str) -> PublicKey | None:
        """The key called ``kid``, reading the set again first when it is due or the kid is
        unknown; None if there is none."""

    async def refresh(self) -> None:
        """Read the key set again now."""


class StaticKeySource:
    """Keys read by ``load`` (a JWKS document), read again every ``refresh_seconds`` and when a
    kid is unknown (at most every ``min_refresh_interval`` seconds); ``clock`` is monotonic
    seconds (tests advance it)."""

    def __init__(self, load: Callable[[], Awaitable[dict[str, Any]]], *,
                 min_refresh_interval: float = 5.0,
                 refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._load = load
        self._keys: dict[str, PublicKey] = {}
        self._clock = clock
        self._loaded_at = -1e12  # last successful read
        self._tried_at = -1e12  # last attempt, successful or not
        self._failing = False
        self._unreachable = False  # failing for want of an answer, not a wrong one
        self._lock = asyncio.Lock()
        self.min_refresh_interval = min_refresh_interval
        self.refresh_seconds = refresh_seconds

    def _due(self) -> bool:
        return self._clock() - self._loaded_at >= self.refresh_seconds

    async def key(self, kid: str) -> PublicKey | None:
        """See :class:`KeySource`."""
        found = self._keys.get(kid)
        if found is not None and not self._due():
            return found
        async with self._lock:
            now = self._clock()
            wanted = self._due() or kid not in self._keys
            if wanted and now - self._tried_at >= self.min_refresh_interval:
                try:
                    await self.refresh()
                except Exception as exc:  # the issuer is back soon: keep the last known keys
                    self._tried_at = now
                    if not self._failing:
                        log.warning("could not read the issuer's keys; keeping the last known",
                                    extra={"error_type": type(exc).__name__})
                    self._failing = True
                    self._unreachable = not isinstance(exc, DiscoveryMismatch)
            if self._failing and self._unreachable and kid not in self._keys:
                raise KeysUnavailable  # unknown only because the set cannot be read now
        return self._keys.get(kid)

    async def refresh(self) -> None:
        """Read the key set again (raises when it cannot be read)."""
        self._tried_at = self._clock()
        document = await self._load()
        self._keys = keys_of(document)
        self._loaded_at = self._clock()
        if self._failing:
            log.info("the issuer's keys are readable again")
        self._failing = False


async def _get_json(client: httpx.AsyncClient, url: str) -> Any:
    response = await client.get(url, timeout=5.0, headers={"accept": "application/json"})
    response.raise_for_status()
    return response.json()


def jwks_key_source(url: str, client: httpx.AsyncClient, *,
                    refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
                    clock: Callable[[], float] = time.monotonic) -> StaticKeySource:
    """Keys fetched from a JWKS URL."""

    async def load() -> dict[str, Any]:
        document = await _get_json(client, url)
        if not isinstance(document, dict):
            raise ValueError("a JWKS document is a JSON object")
        return document

    return StaticKeySource(load, refresh_seconds=refresh_seconds, clock=clock)


class DiscoveryMismatch(ValueError):
    """An issuer's discovery document names another issuer or no ``jwks_uri``."""


def discovery_key_source(discovery_url: str, *, issuer: str, client: httpx.AsyncClient,
                         refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
                         clock: Callable[[], float] = time.monotonic) -> StaticKeySource:
    """Keys found through an OpenID Connect discovery document: its ``jwks_uri``, read again
    (with the document) at every refresh. The document must name ``issuer`` exactly (OpenID
    Connect Discovery 1.0, section 4.3): otherwise no key is taken from it."""

    async def load() -> dict[str, Any]:
        metadata = await _get_json(client, discovery_url)
        if not isinstance(metadata, dict) or metadata.get("issuer") != issuer:
            raise DiscoveryMismatch(f"{discovery_url} does not describe {issuer}")
        jwks_uri = metadata.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri:
            raise DiscoveryMismatch(f"{discovery_url} names no jwks_uri")
        document = await _get_json(client, jwks_uri)
        if not isinstance(document, dict):
            raise ValueError("a JWKS document is a JSON object")
        return document

    return StaticKeySource(load, refresh_seconds=refresh_seconds, clock=clock)

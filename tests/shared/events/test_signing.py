"""Standard Webhooks signing: our wrapper against the reference package."""

import time

import pytest
from standardwebhooks.webhooks import Webhook

from shared.events.signing import Signer, VerificationFailed, Verifier, generate_secret

BODY = b'[{"id": "e1", "type": "application.selected"}]'


class TestSignAndVerify:
    def test_reference_package_accepts_our_signature(self) -> None:
        secret = generate_secret()
        headers = Signer([secret]).sign(msg_id="msg_1", body=BODY).as_dict()
        Webhook(secret).verify(BODY, headers)  # raises if wrong

    def test_we_accept_the_reference_signature(self) -> None:
        secret = generate_secret()
        from datetime import UTC, datetime
        now = datetime.now(UTC)
        signature = Webhook(secret).sign("msg_2", now, BODY.decode())
        headers = {"webhook-id": "msg_2", "webhook-timestamp": str(int(now.timestamp())),
                   "webhook-signature": signature}
        assert Verifier([secret]).verify(BODY, headers) == "msg_2"

    def test_rotation_old_and_new_secrets(self) -> None:
        old, new = generate_secret(), generate_secret()
        signed = Signer([new, old]).sign(msg_id="m", body=BODY).as_dict()
        assert Verifier([old]).verify(BODY, signed) == "m"
        assert Verifier([new]).verify(BODY, signed) == "m"
        only_new = Signer([new]).sign(msg_id="m", body=BODY).as_dict()
        assert Verifier([old, new]).verify(BODY, only_new) == "m"

    def test_wrong_secret(self) -> None:
        signed = Signer([generate_secret()]).sign(msg_id="m", body=BODY).as_dict()
        with pytest.raises(VerificationFailed) as failure:
            Verifier([generate_secret()]).verify(BODY, signed)
        assert not failure.value.stale

    def test_stale_and_future_timestamps(self) -> None:
        secret = generate_secret()
        for shift in (-301, 301):
            signed = Signer([secret]).sign(msg_id="m", body=BODY,
                                           timestamp=int(time.time()) + shift).as_dict()
            with pytest.raises(VerificationFailed) as failure:
                Verifier([secret], tolerance_seconds=300).verify(BODY, signed)
            assert failure.value.stale

    @pytest.mark.parametrize("header", ["webhook-id", "webhook-timestamp", "webhook-signature"])
    def test_missing_header(self, header: str) -> None:
        secret = generate_secret()
        signed = Signer([secret]).sign(msg_id="m", body=BODY).as_dict()
        del signed[header]
        with pytest.raises(VerificationFailed):
            Verifier([secret]).verify(BODY, signed)

    def test_garbled_signature(self) -> None:
        secret = generate_secret()
        signed = Signer([secret]).sign(msg_id="m", body=BODY).as_dict()
        signed["webhook-signature"] = "v1"
        with pytest.raises(VerificationFailed):
            Verifier([secret]).verify(BODY, signed)

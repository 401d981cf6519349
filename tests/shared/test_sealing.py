"""Envelope encryption and keyed digests (shared.sealing)."""

import base64
import json
import os
import subprocess
import sys

import pytest

from launcher.runner import PROJECT_ROOT
from shared import sealing


def _key() -> bytes:
    return os.urandom(32)


def _ring(current: str = "k1", **keys: bytes) -> sealing.Keyring:
    return sealing.Keyring(keys=keys, current=current)


class TestSeal:
    def test_round_trip_and_self_describing(self) -> None:
        ring = _ring(k1=_key())
        sealed = ring.seal("whsec_the secret")
        assert "the secret" not in sealed and sealed.startswith("sealed.v1.k1.")
        assert sealing.key_id_of(sealed) == "k1"
        assert ring.unseal(sealed) == "whsec_the secret"

    def test_each_value_has_its_own_data_key(self) -> None:
        ring = _ring(k1=_key())
        first, second = ring.seal("same"), ring.seal("same")
        assert first != second
        # wrapped data key, nonce and ciphertext all differ
        assert all(a != b for a, b in zip(first.split(".")[3:], second.split(".")[3:],
                                          strict=True))

    def test_plain_values_from_before_sealing_are_read_as_they_are(self) -> None:
        assert _ring(k1=_key()).unseal("-----BEGIN PRIVATE KEY-----") == \
            "-----BEGIN PRIVATE KEY-----"

    def test_a_missing_key_fails_loudly_naming_it_and_not_the_secret(self) -> None:
        sealed = _ring(old=_key(), current="old").seal("whsec_topsecret")
        with pytest.raises(sealing.UnknownSealingKey) as error:
            _ring(new=_key(), current="new").unseal(sealed)
        assert "'old'" in str(error.value) and "topsecret" not in str(error.value)

    def test_another_key_of_the_same_id_does_not_open_it(self) -> None:
        sealed = _ring(k1=_key()).seal("whsec_x")
        with pytest.raises(sealing.SealingError, match="'k1'"):
            _ring(k1=_key()).unseal(sealed)

    def test_an_altered_ciphertext_does_not_open(self) -> None:
        ring = _ring(k1=_key())
        head, ciphertext = ring.seal("whsec_x").rsplit(".", 1)
        flipped = bytearray(base64.urlsafe_b64decode(ciphertext + "=="))
        flipped[0] ^= 1
        altered = f"{head}.{base64.urlsafe_b64encode(flipped).rstrip(b'=').decode()}"
        with pytest.raises(sealing.SealingError, match="altered"):
            ring.unseal(altered)


class TestRotation:
    def test_rewrap_with_the_current_key_then_the_old_one_can_go(self) -> None:
        old, new = _key(), _key()
        sealed = _ring(k1=old).seal("whsec_rotated")
        both = _ring("k2", k1=old, k2=new)
        assert both.unseal(sealed) == "whsec_rotated"  # during the rotation: both open
        resealed = both.resealed(sealed)
        assert resealed is not None and sealing.key_id_of(resealed) == "k2"
        # Only the wrapping changed: the nonce and ciphertext are the same.
        assert resealed.split(".")[4:] == sealed.split(".")[4:]
        assert both.resealed(resealed) is None  # already current
        assert _ring("k2", k2=new).unseal(resealed) == "whsec_rotated"

    def test_reseal_seals_a_plain_value(self) -> None:
        ring = _ring(k1=_key())
        resealed = ring.resealed("whsec_plain")
        assert resealed is not None and sealing.is_sealed(resealed)
        assert ring.unseal(resealed) == "whsec_plain"


class TestDigests:
    def test_keyed_normalised_and_independent_of_the_sealing_keys(self) -> None:
        key = sealing.DigestKey(_key())
        assert key.email(" Amina@Example.ORG ") == key.email("amina@example.org")
        assert "amina" not in key.email("amina@example.org")
        assert sealing.DigestKey(_key()).email("amina@example.org") != \
            key.email("amina@example.org")


class TestSettings:
    def test_parse_the_environment(self) -> None:
        env = sealing.generated_environment("first")
        keys = sealing.load(env)
        assert keys.keyring.current == "first"
        assert keys.keyring.unseal(keys.keyring.seal("x")) == "x"

    @pytest.mark.parametrize(("env", "message"), [
        ({}, "SEALING_KEYS"),
        ({"SEALING_KEYS": '{"a": "bm90IDMyIGJ5dGVz"}'}, "32 bytes"),
        ({"SEALING_KEYS": json.dumps({"a": sealing.generate_key(),
                                      "b": sealing.generate_key()})}, "SEALING_KEY_ID"),
        ({"SEALING_KEYS": json.dumps({"a": sealing.generate_key()}), "SEALING_KEY_ID": "b"},
         "'b' is not in"),
        ({"SEALING_KEYS": json.dumps({"a": sealing.generate_key()})}, "DIGEST_KEY"),
    ])
    def test_no_default_key(self, env: dict[str, str], message: str) -> None:
        with pytest.raises(sealing.MissingKey, match=message):
            sealing.load(env)

    def test_a_service_without_keys_refuses_to_start(self) -> None:
        env = {k: v for k, v in os.environ.items()
               if k not in (sealing.SEALING_KEYS, sealing.SEALING_KEY_ID, sealing.DIGEST_KEY)}
        result = subprocess.run(
            [sys.executable, "-c", "from services.candidates.settings import Settings; "
             "Settings(database_url='postgresql://x@127.0.0.1/x')"],
            env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
        assert result.returncode != 0
        assert "MissingSetting" in result.stderr and "SEALING_KEYS" in result.stderr

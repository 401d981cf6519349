"""The proof-of-skills credential and its status list as documents: what they say, and that a
tampered, foreign or revoked credential does not verify (no database, no HTTP)."""

import base64
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import orjson
import pytest

from services.placements.credentials import document
from shared import signing_keys
from shared.jwks import PublicKey, public_key

ISSUER = {"id": "https://pathways.example", "name": "Pathways"}


def _keys(algorithm: str) -> tuple[document.SigningKey, PublicKey]:
    kid, pem, jwk = signing_keys.generate_key(algorithm)
    verifying = public_key(jwk)
    assert verifying is not None
    return document.SigningKey(kid=kid, algorithm=algorithm,
                               private_key=signing_keys.private_key(pem)), verifying


def _stay() -> document.Stay:
    return document.Stay(
        candidate_id=str(uuid.uuid4()),
        programme_id=str(uuid.uuid4()), stay_type="traineeship", outcome="completed",
        start_date="2025-01-06", end_date="2025-07-04",
        host={"name": "Atelier Numérique SARL", "country": "FR", "city": "Lyon"},
        occupation={"code": "2512", "title": "Junior developer", "sector": "ICT"},
        skills=[{"uri": "http://data.europa.eu/esco/skill/abc", "label": "Python"}],
        languages=[{"language": "fr", "min_level": "B2"}],
        evaluation={"technicalSkills": 4, "communication": 5, "teamwork": 4,
                    "reliability": 5, "wouldHostAgain": True})


def _issued(key: document.SigningKey, *, index: int = 7) -> tuple[str, dict[str, object]]:
    payload = document.proof_of_skills(_stay(), credential_id=str(uuid.uuid4()), issuer=ISSUER,
                                       issued_at=datetime.now(UTC), status_index=index)
    return document.sign(payload, key), payload


def _swap_payload(token: str, payload: dict[str, object]) -> str:
    head, _, signature = token.split(".")
    body = base64.urlsafe_b64encode(orjson.dumps(payload)).rstrip(b"=").decode()
    return f"{head}.{body}.{signature}"


class TestCredential:
    def test_claims_of_vc_2(self) -> None:
        key, _ = _keys("EdDSA")
        _, payload = _issued(key, index=document.LIST_SIZE + 3)
        assert payload["@context"] == [document.CONTEXT_V2]
        assert payload["type"] == ["VerifiableCredential", "ProofOfSkillsCredential"]
        assert payload["issuer"] == ISSUER
        subject = payload["credentialSubject"]
        assert isinstance(subject, dict)
        assert subject["skillsPractised"] == [{"id": "http://data.europa.eu/esco/skill/abc",
                                               "name": "Python"}]
        assert subject["languageLevels"] == [{"language": "fr", "cefrLevel": "B2"}]
        assert subject["stay"]["startDate"] == "2025-01-06"
        assert payload["credentialStatus"] == {
            "id": "https://pathways.example/v1/credentials/status/1#3",
            "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": "3",
            "statusListCredential": "https://pathways.example/v1/credentials/status/1"}

    @pytest.mark.parametrize("algorithm", ["EdDSA", "RS256"])
    def test_verifies_with_the_issuers_key(self, algorithm: str) -> None:
        key, verifying = _keys(algorithm)
        token, payload = _issued(key)
        assert jwt.get_unverified_header(token)["typ"] == "vc+jwt"
        verdict = document.verify_jws(token, issuer=ISSUER["id"], key_of={key.kid: verifying}.get)
        assert verdict.valid and verdict.credential == payload


class TestVerifyFails:
    def test_tampered(self) -> None:
        key, verifying = _keys("EdDSA")
        token, payload = _issued(key)
        subject = dict(payload["credentialSubject"])  # type: ignore[call-overload]
        subject["employerEvaluation"] = {**subject["employerEvaluation"], "technicalSkills": 5}
        forged = _swap_payload(token, {**payload, "credentialSubject": subject})
        verdict = document.verify_jws(forged, issuer=ISSUER["id"],
                                      key_of={key.kid: verifying}.get)
        assert [f.code for f in verdict.findings] == ["bad-signature"]
        assert verdict.credential is None

    def test_another_issuers_key(self) -> None:
        key, _ = _keys("EdDSA")
        _, other = _keys("EdDSA")
        token, _ = _issued(key)
        verdict = document.verify_jws(token, issuer=ISSUER["id"], key_of={"x": other}.get)
        assert [f.code for f in verdict.findings] == ["unknown-issuer"]

    def test_another_issuer_named(self) -> None:
        key, verifying = _keys("EdDSA")
        payload = document.proof_of_skills(_stay(), credential_id=str(uuid.uuid4()),
                                           issuer={"id": "https://else.example"},
                                           issued_at=datetime.now(UTC), status_index=1)
        verdict = document.verify_jws(document.sign(payload, key), issuer=ISSUER["id"],
                                      key_of={key.kid: verifying}.get)
        assert [f.code for f in verdict.findings] == ["unknown-issuer"]

    @pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c"])
    def test_malformed(self, token: str) -> None:
        verdict = document.verify_jws(token, issuer=ISSUER["id"], key_of=lambda kid: None)
        assert [f.code for f in verdict.findings] == ["malformed"]

    def test_expired_and_not_yet_valid(self) -> None:
        now = datetime.now(UTC)
        period = {"validFrom": document.iso(now - timedelta(days=2)),
                  "validUntil": document.iso(now - timedelta(days=1))}
        assert [f.code for f in document.check_validity(period, now=now)] == ["expired"]
        future = {"validFrom": document.iso(now + timedelta(days=1))}
        assert [f.code for f in document.check_validity(future, now=now)] == ["not-yet-valid"]


class TestStatusList:
    def test_bits_left_to_right_gzip_multibase(self) -> None:
        encoded = document.encode_list({0, 9, document.LIST_SIZE - 1})
        assert encoded.startswith("u") and "=" not in encoded
        bits = document.decode_list(encoded)
        assert len(bits) == document.LIST_SIZE // 8
        assert bits[0] == 0x80 and bits[1] == 0x40 and bits[-1] == 0x01
        assert document.bit_set(bits, 9) and not document.bit_set(bits, 8)

    def test_revoked_bit_is_found_from_the_credential(self) -> None:
        key, _ = _keys("EdDSA")
        _, payload = _issued(key, index=document.LIST_SIZE * 2 + 41)
        assert document.status_position(payload, issuer=ISSUER["id"]) == (2, 41)
        assert document.status_position(payload, issuer="https://else.example") is None
        now = datetime.now(UTC)
        status = document.status_list_credential(issuer=ISSUER, list_number=2, revoked={41},
                                                 now=now, valid_seconds=3600)
        assert status["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
        assert status["id"] == payload["credentialStatus"]["statusListCredential"]  # type: ignore[index]
        bits = document.decode_list(status["credentialSubject"]["encodedList"])
        assert document.bit_set(bits, 41) and not document.bit_set(bits, 40)
        assert document.check_validity(status, now=now) == []

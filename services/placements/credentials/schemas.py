"""Wire formats of proof-of-skills credentials: the download, the revocation, the verification
and the issuer's keys."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints

from services.placements.vocabulary import Reason
from shared.schemas import ResponseModel, StrictModel

_PLACEMENT_ID = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
_CREDENTIAL_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
_JWT = "eyJhbGciOiJFZERTQSIsImtpZCI6IjNmYTAuLi4iLCJ0eXAiOiJ2Yytqd3QiLCJjdHkiOiJ2YyJ9.eyJAY29udGV4dCI6Wy4uLl19.c2lnbmF0dXJl"  # noqa: E501
_ISSUER = {"id": "https://api.pathways.example", "name": "Pathways"}
_PAYLOAD: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": f"urn:uuid:{_CREDENTIAL_ID}",
    "type": ["VerifiableCredential", "ProofOfSkillsCredential"],
    "name": "Proof of skills", "issuer": _ISSUER, "validFrom": "2026-07-06T09:30:00Z",
    "credentialSubject": {
        "id": "urn:uuid:3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a", "type": "Returnee",
        "stay": {"type": "traineeship", "outcome": "completed",
                 "programme": "urn:uuid:5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
                 "startDate": "2026-01-05", "endDate": "2026-07-03"},
        "host": {"name": "Nordlys Networks", "country": "IT", "city": "Milano"},
        "occupation": {"id": "http://data.europa.eu/esco/occupation/00000000-e5c0-4000-8000-00000000003a",
                       "name": "ICT network engineer", "title": "Network engineer trainee",
                       "sector": "ict", "code": "2523"},
        "skillsPractised": [{"id": "http://data.europa.eu/esco/skill/ccd0a1d9",
                             "name": "configure network devices"}],
        "languageLevels": [{"language": "it", "cefrLevel": "B1"}],
        "employerEvaluation": {"technicalSkills": 4, "communication": 4, "teamwork": 5,
                               "reliability": 5, "wouldHostAgain": True}},
    "credentialStatus": {
        "id": "https://api.pathways.example/v1/credentials/status/0#42",
        "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": "https://api.pathways.example/v1/credentials/status/0"}}

# A compact JWS: three base64url parts.
CompactJws = Annotated[str, StringConstraints(
    min_length=5, max_length=65_536, pattern=r"^[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$")]


class CredentialOut(ResponseModel):
    """The returnee's proof-of-skills credential: ``jwt`` is the credential itself (W3C
    Verifiable Credential 2.0 secured as ``application/vc+jwt``), to keep and hand to a future
    employer; ``credential`` is what it says, for reading."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": _CREDENTIAL_ID, "placement_id": _PLACEMENT_ID,
        "issued_at": "2026-07-06T09:30:00Z", "supersedes_id": None,
        "media_type": "application/vc+jwt", "jwt": _JWT, "credential": _PAYLOAD}]})

    id: uuid.UUID
    placement_id: uuid.UUID
    issued_at: datetime
    supersedes_id: uuid.UUID | None = Field(description="The credential this one replaced "
                                            "because what it stated changed since (the "
                                            "employer's evaluation given later, say): that "
                                            "one no longer verifies. Null for the first.")
    media_type: str = "application/vc+jwt"
    jwt: str = Field(description="The signed credential (compact JWS, `typ: vc+jwt`).")
    credential: dict[str, Any] = Field(description="The credential's content (the JWS "
                                       "payload), as signed.")


class RevocationCreate(StrictModel):
    """Why the credential is revoked (kept for the programme; not in the status list)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"reason": "Issued for the wrong placement; the returnee gets the right one."}]})

    reason: Reason


class RevocationOut(ResponseModel):
    """A revoked credential: who revoked it, when and why."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": _CREDENTIAL_ID, "placement_id": _PLACEMENT_ID,
        "issued_at": "2026-07-06T09:30:00Z", "revoked_at": "2026-07-20T14:02:11Z",
        "revoked_by": "7e6d5c4b-3a29-4817-9605-f4e3d2c1b0a9",
        "revocation_reason": "Issued for the wrong placement; the returnee gets the right "
                             "one."}]})

    id: uuid.UUID
    placement_id: uuid.UUID
    issued_at: datetime
    revoked_at: datetime
    revoked_by: str
    revocation_reason: str


class VerificationCreate(StrictModel):
    """A credential to verify, as its holder handed it over (the ``vc+jwt``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"credential": _JWT}]})

    credential: CompactJws


class Finding(ResponseModel):
    """Why a credential does not verify: ``malformed``, ``unknown-issuer``,
    ``bad-signature`` (altered or forged), ``expired``, ``not-yet-valid``, ``no-status``,
    ``revoked``."""

    code: str
    detail: str


class VerificationOut(ResponseModel):
    """The verdict: ``valid`` when nothing was found; ``credential`` is its content once the
    signature is good (null for a malformed, foreign or altered one)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"valid": True, "revoked": False, "errors": [], "credential": _PAYLOAD},
        {"valid": False, "revoked": False, "credential": None, "errors": [
            {"code": "bad-signature", "detail": "The signature does not match the content: "
                                                "the credential was altered or forged."}]}]})

    valid: bool
    revoked: bool
    errors: list[Finding]
    credential: dict[str, Any] | None


class KeySet(ResponseModel):
    """The issuer's public keys (a JWKS, RFC 7517): every key that ever signed a credential
    or a status list, by ``kid``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"keys": [{
        "kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
        "kid": "3fa0c1d2e3f405162738495a6b7c8d9e", "alg": "EdDSA", "use": "sig"}]}]})

    keys: list[dict[str, Any]]

"""The proof-of-skills credential as a W3C Verifiable Credential 2.0 secured with JOSE
(VC-JOSE-COSE: a compact JWS whose payload is the credential itself, media type
``application/vc+jwt``, header ``typ: vc+jwt``), its revocation list as a W3C Bitstring Status
List v1.0 credential secured the same way, and their verification.

No SQL and no HTTP here: the service gives what was recorded and the keys, this module makes
and checks the documents, so the rules are tested on their own and a verifier needs nothing
but the issuer's public keys and its status list (both cacheable: offline verification).
"""

import base64
import gzip
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import orjson

from shared.i18n import _
from shared.jwks import PublicKey

CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2"
MEDIA_TYPE = "application/vc+jwt"
TYP = "vc+jwt"
CREDENTIAL_TYPE = "ProofOfSkillsCredential"
# Bits per status list: the specification's minimum (16 KiB), so that one credential's bit
# hides among at least 131,072 (its "herd privacy").
LIST_SIZE = 131_072


@dataclass(frozen=True, slots=True)
class SigningKey:
    """The issuer's current private key, with the ``kid`` and ``alg`` that name it in the JWS
    header of what it signs."""

    kid: str
    algorithm: str
    private_key: Any


def status_list_url(issuer: str, list_number: int) -> str:
    """Where the status list credential numbered ``list_number`` is served."""
    return f"{issuer}/v1/credentials/status/{list_number}"


def status_entry(issuer: str, index: int) -> dict[str, Any]:
    """The ``credentialStatus`` of the credential whose revocation bit is ``index``."""
    url = status_list_url(issuer, index // LIST_SIZE)
    position = index % LIST_SIZE
    return {"id": f"{url}#{position}", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": str(position),
            "statusListCredential": url}


@dataclass(frozen=True, slots=True)
class Stay:
    """What a proof-of-skills credential says of one stay, as the placements service recorded
    it. ``skills`` are the vacancy's ESCO skills (``{uri, label}``) practised there;
    ``languages`` the CEFR levels the post required (``{language, min_level}``): the levels
    Pathways knows the returnee worked at, not a test result; ``evaluation`` the employer's
    ratings (1 to 5) without its free-text comments, which may name people."""

    candidate_id: str
    programme_id: str
    stay_type: str
    outcome: str  # completed or ended_early
    start_date: str
    end_date: str
    host: dict[str, Any]
    occupation: dict[str, Any]
    skills: list[dict[str, Any]]
    languages: list[dict[str, Any]]
    evaluation: dict[str, Any] | None


def subject(stay: Stay) -> dict[str, Any]:
    """The ``credentialSubject`` stating ``stay``: what a credential says, so that one still
    stating it need not be issued again, and one that no longer does is replaced."""
    found: dict[str, Any] = {
        "id": f"urn:uuid:{stay.candidate_id}", "type": "Returnee",
        "stay": {"type": stay.stay_type, "outcome": stay.outcome,
                 "programme": f"urn:uuid:{stay.programme_id}",
                 "startDate": stay.start_date, "endDate": stay.end_date},
        "host": stay.host, "occupation": stay.occupation,
        "skillsPractised": [{"id": s["uri"], "name": s.get("label") or s["uri"]}
                            if s.get("uri") else {"name": s.get("label")} for s in stay.skills],
        "languageLevels": [{"language": lang["language"], "cefrLevel": lang["min_level"]}
                           for lang in stay.languages],
    }
    if stay.evaluation is not None:
        found["employerEvaluation"] = stay.evaluation
    return found


def proof_of_skills(stay: Stay, *, credential_id: str, issuer: dict[str, str],
                    issued_at: datetime, status_index: int) -> dict[str, Any]:
    """The credential (VC Data Model 2.0) ``credential_id`` describing ``stay``, issued by
    ``issuer`` at ``issued_at`` and revocable through bit ``status_index`` of the issuer's
    status lists. Terms outside the base context are issuer-dependent (its ``@vocab``)."""
    return {
        "@context": [CONTEXT_V2], "id": f"urn:uuid:{credential_id}",
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "name": "Proof of skills", "issuer": issuer, "validFrom": iso(issued_at),
        "credentialSubject": subject(stay),
        "credentialStatus": status_entry(issuer["id"], status_index),
    }


def sign(payload: Mapping[str, Any], key: SigningKey) -> str:
    """``payload`` as a compact JWS of type ``vc+jwt``."""
    return jwt.api_jws.encode(orjson.dumps(payload), key.private_key, algorithm=key.algorithm,
                              headers={"kid": key.kid, "typ": TYP, "cty": "vc"})


def states(token: str, stay: Stay) -> bool:
    """Whether the credential ``token`` (this issuer's, as stored) states ``stay`` as it is."""
    stated: Any = content(token).get("credentialSubject")
    return bool(stated == orjson.loads(orjson.dumps(subject(stay))))


def content(token: str) -> dict[str, Any]:
    """The payload of a ``vc+jwt`` this issuer signed and stored (not verified: for showing)."""
    payload: dict[str, Any] = orjson.loads(jwt.api_jws.decode_complete(
        token, options={"verify_signature": False})["payload"])
    return payload


def encode_list(revoked: set[int]) -> str:
    """A Bitstring Status List's ``encodedList``: the bitstring of ``LIST_SIZE`` bits (bit 0 the
    left-most of the first byte) gzipped, base64url without padding, multibase prefix ``u``."""
    bits = bytearray(LIST_SIZE // 8)
    for position in revoked:
        bits[position // 8] |= 0x80 >> (position % 8)
    encoded = base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).rstrip(b"=")
    return "u" + encoded.decode()


def decode_list(encoded: str) -> bytes:
    """The bitstring of an ``encodedList`` (ValueError when it is not one)."""
    if not encoded.startswith("u"):
        raise ValueError("an encodedList starts with the multibase prefix u")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit_set(bits: bytes, position: int) -> bool:
    """Whether bit ``position`` (left to right) of ``bits`` is set."""
    return position // 8 < len(bits) and bool(bits[position // 8] & (0x80 >> (position % 8)))


def status_list_credential(*, issuer: dict[str, str], list_number: int, revoked: set[int],
                           now: datetime, valid_seconds: int) -> dict[str, Any]:
    """The status list credential numbered ``list_number`` with the ``revoked`` positions set,
    good for ``valid_seconds`` (how long a verifier may rely on a cached copy)."""
    url = status_list_url(issuer["id"], list_number)
    return {
        "@context": [CONTEXT_V2], "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer, "validFrom": iso(now),
        "validUntil": iso(now + timedelta(seconds=valid_seconds)),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation", "encodedList": encode_list(revoked)},
    }


def iso(moment: datetime) -> str:
    """``moment`` in UTC as an XML Schema dateTimeStamp, second precision (``…Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> datetime | None:
    """A dateTimeStamp of a credential, or None when absent or malformed."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


# --- verification ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Finding:
    """Why a credential does not verify: a stable ``code`` and a sentence for people."""

    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """A verification's result: valid when there is no finding; ``credential`` is the payload
    once its signature has been checked (None before)."""

    findings: tuple[Finding, ...]
    credential: dict[str, Any] | None

    @property
    def valid(self) -> bool:
        """Whether the credential verified."""
        return not self.findings


def _invalid(code: str, detail: str, credential: dict[str, Any] | None = None) -> Verdict:
    return Verdict(findings=(Finding(code, detail),), credential=credential)


def issuer_id(payload: Mapping[str, Any]) -> Any:
    """The issuer's id of a credential (``issuer`` is a URL or an object with an ``id``)."""
    named = payload.get("issuer")
    return named.get("id") if isinstance(named, dict) else named


def verify_jws(token: str, *, issuer: str,
               key_of: Callable[[str], PublicKey | None]) -> Verdict:
    """Check that ``token`` is a ``vc+jwt`` of ``issuer`` whose signature is good with the key
    ``key_of`` finds for its ``kid``; the verdict carries the payload when it is."""
    try:
        header = jwt.get_unverified_header(token)
        unverified = orjson.loads(jwt.api_jws.decode_complete(
            token, options={"verify_signature": False})["payload"])
    except (jwt.PyJWTError, orjson.JSONDecodeError, ValueError):
        return _invalid("malformed", _("This is not a compact JWS with a JSON payload."))
    if not isinstance(unverified, dict) or header.get("typ") != TYP:
        return _invalid("malformed", _("This is not a verifiable credential of type {type}.",
                                       type=TYP))
    if issuer_id(unverified) != issuer:
        return _invalid("unknown-issuer",
                        _("The credential names another issuer than this one."))
    kid = header.get("kid")
    key = key_of(kid) if isinstance(kid, str) else None
    algorithm = header.get("alg")
    if key is None or algorithm not in key.algorithms:
        return _invalid("unknown-issuer", _("The credential was not signed by a key of this "
                                            "issuer."))
    try:
        payload = orjson.loads(jwt.api_jws.decode(token, key.key, algorithms=[algorithm]))
    except (jwt.PyJWTError, orjson.JSONDecodeError):
        return _invalid("bad-signature", _("The signature does not match the content: the "
                                           "credential was altered or forged."))
    return Verdict(findings=(), credential=payload)


def check_validity(credential: Mapping[str, Any], *, now: datetime) -> list[Finding]:
    """What is wrong with the credential's validity period at ``now``."""
    findings: list[Finding] = []
    valid_from, valid_until = (parse_time(credential.get(name))
                               for name in ("validFrom", "validUntil"))
    if valid_from is not None and now < valid_from:
        findings.append(Finding("not-yet-valid", _("The credential is not valid yet.")))
    if valid_until is not None and now > valid_until:
        findings.append(Finding("expired", _("The credential's validity has ended.")))
    return findings


def status_position(credential: Mapping[str, Any], *, issuer: str) -> tuple[int, int] | None:
    """The (list number, position) of the credential's revocation bit at ``issuer``, or None
    when it names none there."""
    entries = credential.get("credentialStatus")
    for entry in entries if isinstance(entries, list) else [entries]:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry" \
                or entry.get("statusPurpose") != "revocation":
            continue
        url, index = entry.get("statusListCredential"), entry.get("statusListIndex")
        prefix = status_list_url(issuer, 0)[:-1]
        if isinstance(url, str) and url.startswith(prefix) and url[len(prefix):].isdigit() \
                and isinstance(index, str) and index.isdigit() and int(index) < LIST_SIZE:
            return int(url[len(prefix):]), int(index)
    return None

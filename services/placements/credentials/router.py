"""HTTP routes of proof-of-skills credentials: the returnee's download and an officer's
revocation under a placement, and the public routes a future employer verifies with.

The public routes (``public_router``: verify, the status lists, the issuer's keys) take no
token: whoever holds a credential may check it. The app serves them among its routes that
authenticate their callers otherwise (``shared.app.refuse_unguarded_routes`` would refuse
them), and the gateway forwards them without a token, counted by the caller's address
(``gateway.routes.PUBLIC_PATHS``).
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import Response

from services.placements.credentials import document, service
from services.placements.credentials.exceptions import (
    CredentialNotFound,
    CredentialRevoked,
    StatusListNotFound,
)
from services.placements.credentials.models import Credential
from services.placements.credentials.schemas import (
    CredentialOut,
    Finding,
    KeySet,
    RevocationCreate,
    RevocationOut,
    VerificationCreate,
    VerificationOut,
)
from services.placements.database import AccessRecorderDep
from services.placements.monitoring.exceptions import PlacementStateConflict
from services.placements.placements.exceptions import PlacementNotFound
from services.placements.settings import Settings
from shared.auth import AuthSettings, Forbidden, PrincipalDep
from shared.clock import NowDep
from shared.db import SessionDep
from shared.errors import responses
from shared.responses import json_response

router = APIRouter(prefix="/v1/placements", tags=["credentials"])
public_router = APIRouter(prefix="/v1/credentials", tags=["credentials"])
# No token: documented as such in the merged description (which asks for one by default).
_PUBLIC: dict[str, Any] = {"security": []}
_VC_JWT = {"content": {document.MEDIA_TYPE: {"schema": {"type": "string"}, "example": (
    "eyJhbGciOiJFZERTQSIsImtpZCI6IjNmYTAuLi4iLCJ0eXAiOiJ2Yytqd3QiLCJjdHkiOiJ2YyJ9"
    ".eyJAY29udGV4dCI6Wy4uLl19.c2lnbmF0dXJl")}}}
# How long a reader may keep the issuer's keys: they only ever grow (old keys stay).
_KEYS_MAX_AGE = 3600


def _issuer(request: Request) -> service.Issuer:
    """The issuer of this deployment: the API's public address (``AUTH_ISSUER``, as tokens
    name it) with the service's credential settings; read once per app."""
    found: service.Issuer | None = getattr(request.app.state, "credential_issuer", None)
    if found is None:
        settings: Settings = request.app.state.settings
        found = service.Issuer(id=AuthSettings().auth_issuer.rstrip("/"),
                               name=settings.credential_issuer_name,
                               algorithm=settings.credential_algorithm,
                               status_list_seconds=settings.credential_status_list_seconds)
        request.app.state.credential_issuer = found
    return found


IssuerDep = Annotated[service.Issuer, Depends(_issuer)]


def _credential_out(credential: Credential) -> CredentialOut:
    return CredentialOut(id=credential.id, placement_id=credential.placement_id,
                         issued_at=credential.issued_at, supersedes_id=credential.supersedes_id,
                         jwt=credential.token,
                         credential=document.content(credential.token))


@router.get("/{placement_id}/credential", response_model=CredentialOut,
            responses=responses(PlacementNotFound, Forbidden, PlacementStateConflict,
                                CredentialRevoked))
async def download_credential(placement_id: uuid.UUID, session: SessionDep,
                              principal: PrincipalDep, issuer: IssuerDep, now: NowDep,
                              recorder: AccessRecorderDep) -> Response:
    """The returnee's proof of skills for their own placement once it completed or ended
    early: a W3C Verifiable Credential 2.0 signed by the programme's issuer (``jwt``, media
    type ``application/vc+jwt``) describing the host, the dates, the occupation, the ESCO
    skills practised, the CEFR levels the post required and the employer's ratings (not its
    comments) as given by the download that issues it. Later downloads give the same
    credential while what it states is still so; once it changed (the employer's evaluation
    given or corrected since, say), a new credential stating the current facts
    (``supersedes_id`` naming the old one), and the old one's bit is set in the status list: it
    no longer verifies. Only the returnee themself (other roles: 403); a placement still under
    way is a 409 ``placement-state``, a revoked credential a 409 ``credential-revoked``."""
    credential = await service.download(session, principal=principal,
                                        placement_id=placement_id, issuer=issuer, now=now)
    recorder.read(credential.candidate_id, "credential", credential.id)
    return json_response(_credential_out(credential))


@router.post("/{placement_id}/credential/revoke", response_model=RevocationOut,
             responses=responses(PlacementNotFound, Forbidden, CredentialNotFound,
                                 CredentialRevoked))
async def revoke_credential(placement_id: uuid.UUID, data: RevocationCreate,
                            session: SessionDep, principal: PrincipalDep, now: NowDep,
                            recorder: AccessRecorderDep) -> Response:
    """Revoke the placement's credential (officers of the programme, admins), with the
    reason: from now on its bit is set in the status list, so a verifier reading a fresh list
    finds it ``revoked``, and the returnee cannot download it again. 404
    ``credential-not-found`` while none was issued, 409 ``credential-revoked`` the second
    time."""
    credential = await service.revoke(session, principal=principal, placement_id=placement_id,
                                      reason=data.reason, now=now)
    recorder.change(credential.candidate_id, "credential", credential.id)
    return json_response(RevocationOut.model_validate(credential))


@public_router.post("/verify", response_model=VerificationOut, openapi_extra=_PUBLIC)
async def verify_credential(data: VerificationCreate, session: SessionDep, issuer: IssuerDep,
                            now: NowDep) -> Response:
    """Verify a credential this issuer signed, as its holder handed it over (no token
    needed): ``valid``, or not with the reasons (``malformed``, ``unknown-issuer``,
    ``bad-signature`` for an altered or forged one, ``expired``, ``not-yet-valid``,
    ``revoked``). The same checks a verifier makes offline with the issuer's keys
    (``GET /v1/credentials/keys``) and its status list (``GET /v1/credentials/status/{n}``)."""
    verdict = await service.verify(session, token=data.credential, issuer=issuer, now=now)
    return json_response(VerificationOut(
        valid=verdict.valid, revoked=any(f.code == "revoked" for f in verdict.findings),
        errors=[Finding(code=f.code, detail=f.detail) for f in verdict.findings],
        credential=verdict.credential))


@public_router.get("/status/{list_number}", response_class=Response, openapi_extra=_PUBLIC,
                   responses={**responses(StatusListNotFound), 200: _VC_JWT})
async def get_status_list(list_number: Annotated[int, Path(ge=0, le=1_000_000)],
                          session: SessionDep, issuer: IssuerDep, now: NowDep) -> Response:
    """The revocation status list ``list_number`` (no token needed): a W3C Bitstring Status
    List v1.0 credential signed by the issuer (``application/vc+jwt``), where a credential's
    ``credentialStatus`` points. It is good until its ``validUntil``: a verifier may keep a
    copy that long (``Cache-Control`` says the same) and check credentials offline."""
    token = await service.status_list(session, list_number=list_number, issuer=issuer, now=now)
    return Response(token, media_type=document.MEDIA_TYPE, headers={
        "cache-control": f"public, max-age={issuer.status_list_seconds}"})


@public_router.get("/keys", response_model=KeySet, openapi_extra=_PUBLIC)
async def get_keys(session: SessionDep) -> Response:
    """The issuer's public keys as a JWKS (no token needed): every key that ever signed a
    credential or a status list, named by the ``kid`` of their JWS header."""
    response = json_response(KeySet(**await service.published_keys(session)))
    response.headers["cache-control"] = f"public, max-age={_KEYS_MAX_AGE}"
    return response

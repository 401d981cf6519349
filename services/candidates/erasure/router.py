"""HTTP routes of erasure: the erase action, and the erasure's progress for its requester."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPBearer

from services.candidates.candidates import service as candidate_service
from services.candidates.candidates.exceptions import CandidateNotFound
from services.candidates.erasure import service
from services.candidates.erasure.exceptions import AlreadyErased, ErasureNotFound
from services.candidates.erasure.schemas import (
    ErasureOut,
    ErasureStatusOut,
    ServiceAcknowledgement,
)
from shared.auth import AUTH_RESPONSES, InvalidToken, PrincipalDep, get_principal, require_roles
from shared.db import SessionDep
from shared.errors import responses
from shared.i18n import _

ERASERS = Depends(require_roles("admin", "candidate"))
RECEIPT_HEADER = "Erasure-Receipt"
router = APIRouter(prefix="/v1/candidates", tags=["candidates"], responses=AUTH_RESPONSES)
# Served without a token check of the app's (shared.app.refuse_unguarded_routes): the caller
# proves who they are with the erasure's receipt, or with a token that the route checks itself.
status_router = APIRouter(prefix="/v1/erasures", tags=["candidates"])

_receipt = APIKeyHeader(name=RECEIPT_HEADER, scheme_name="erasure_receipt", auto_error=False,
                        description="The receipt `POST /v1/candidates/{id}/erase` answered.")
# Documents the alternative (an admin's token); get_principal checks it.
_bearer = HTTPBearer(scheme_name="bearer", auto_error=False)


def status_url(candidate_id: uuid.UUID) -> str:
    """Where the erasure of ``candidate_id`` is followed."""
    return f"{status_router.prefix}/{candidate_id}"


@router.post("/{candidate_id}/erase", response_model=ErasureOut,
             dependencies=[ERASERS], responses=responses(CandidateNotFound, AlreadyErased))
async def erase_candidate(candidate_id: uuid.UUID, session: SessionDep,
                          principal: PrincipalDep) -> ErasureOut:
    """Erase the candidate's personal data; other services hear of it (``candidate.erased``).

    An admin erases on request; a candidate may erase their own profile.

    Here, at once: names, email, phone, birth date, city, education, skills, languages and
    wishes are replaced by placeholders or emptied; the applications' motivations and decision
    reasons, the reasons of their status changes, and nomination notes are
    blanked; answers kept for idempotent retries that name the person are dropped. Consents
    stay as the legal record; statuses, dates, scores, gender and nationality stay for the
    programme's indicators. Then each other service forgets what it holds (placements: check-in
    notes and incidents, evaluations, extension offers, visa identity and references, proposal
    snapshots; reintegration: case notes, follow-up notes, support notes; the gateway deletes
    the person's account, and its tokens are refused from the next request on).

    The answer carries a **receipt**, shown this once: `GET status_url` with the header
    `Erasure-Receipt: <receipt>` tells, without an account, when every service has done so
    (`complete`). A second erase is a 409.
    """
    await candidate_service.ensure_visible(session, principal=principal, candidate_id=candidate_id)
    erasure = await service.erase(session, candidate_id=candidate_id)
    receipt = await service.issue_receipt(session, candidate_id=candidate_id)
    return ErasureOut(candidate_id=erasure.candidate_id, erased_at=erasure.erased_at,
                      receipt=receipt, status_url=status_url(candidate_id))


@status_router.get("/{candidate_id}", response_model=ErasureStatusOut,
                   dependencies=[Security(_bearer)],
                   responses=responses(InvalidToken, ErasureNotFound))
async def erasure_status(candidate_id: uuid.UUID, request: Request, session: SessionDep,
                         receipt: Annotated[str | None, Security(_receipt)] = None,
                         ) -> ErasureStatusOut:
    """The progress of a candidate's erasure: per service that must forget the person
    (placements, reintegration, the gateway's account), ``pending``, ``failing`` (retrying),
    ``done`` or ``dead`` (operators replay it), and ``complete`` once all are done.

    A service is ``done`` when it acknowledged ``candidate.erased``, which it does only after
    its erasure committed. Send either the erasure's receipt as the `Erasure-Receipt` header
    (no token needed: the erased person's account is gone) or the token of an admin or the
    data-protection officer. A wrong
    receipt, a candidate that was not erased, or a token of another role is a 404.
    """
    if receipt:
        found = await service.status(session, candidate_id=candidate_id, receipt=receipt)
    else:
        principal = await get_principal(request)
        if principal.role not in ("admin", "data_protection_officer") and not (
                principal.role == "candidate" and principal.candidate_id == candidate_id):
            raise ErasureNotFound(_("No erasure of candidate {candidate_id} for this caller.",
                                    candidate_id=candidate_id))
        found = await service.status(session, candidate_id=candidate_id)
    return ErasureStatusOut(candidate_id=found.candidate_id, erased_at=found.erased_at,
                            complete=found.complete,
                            services=[ServiceAcknowledgement.model_validate(s)
                                      for s in found.services])

"""HTTP route of erasure."""

import uuid

from fastapi import APIRouter, Depends

from services.candidates.candidates import service as candidate_service
from services.candidates.candidates.exceptions import CandidateNotFound
from services.candidates.erasure import service
from services.candidates.erasure.exceptions import AlreadyErased
from services.candidates.erasure.schemas import ErasureOut
from shared.auth import AUTH_RESPONSES, PrincipalDep, require_roles
from shared.db import SessionDep
from shared.errors import responses

ERASERS = Depends(require_roles("admin", "candidate"))
router = APIRouter(prefix="/v1/candidates", tags=["candidates"], responses=AUTH_RESPONSES)


@router.post("/{candidate_id}/erase", response_model=ErasureOut,
             dependencies=[ERASERS], responses=responses(CandidateNotFound, AlreadyErased))
async def erase_candidate(candidate_id: uuid.UUID, session: SessionDep,
                          principal: PrincipalDep) -> ErasureOut:
    """Erase the candidate's personal data; other services hear of it (``candidate.erased``).

    An admin erases on request; a candidate may erase their own profile.

    Names, email, phone, birth date, city, education, skills, languages and wishes are replaced
    by placeholders or emptied; consents stay as the legal record. A second erase is a 409.
    """
    await candidate_service.ensure_visible(session, principal=principal, candidate_id=candidate_id)
    erasure = await service.erase(session, candidate_id=candidate_id)
    return ErasureOut(candidate_id=erasure.candidate_id, erased_at=erasure.erased_at)

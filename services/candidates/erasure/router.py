"""HTTP route of erasure."""

import uuid

from fastapi import APIRouter

from services.candidates.candidates.exceptions import CandidateNotFound
from services.candidates.erasure import service
from services.candidates.erasure.exceptions import AlreadyErased
from services.candidates.erasure.schemas import ErasureOut
from shared.db import SessionDep
from shared.errors import responses

router = APIRouter(prefix="/v1/candidates", tags=["candidates"])


@router.post("/{candidate_id}/erase", response_model=ErasureOut,
             responses=responses(CandidateNotFound, AlreadyErased))
async def erase_candidate(candidate_id: uuid.UUID, session: SessionDep) -> ErasureOut:
    """Erase the candidate's personal data; other services hear of it (``candidate.erased``).

    Names, email, phone, birth date, city, education, skills, languages and wishes are replaced
    by placeholders or emptied; consents stay as the legal record. A second erase is a 409.
    """
    erasure = await service.erase(session, candidate_id=candidate_id)
    return ErasureOut(candidate_id=erasure.candidate_id, erased_at=erasure.erased_at)

"""Erasure of a candidate's personal data (GDPR art. 17), announced to the other services."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates.exceptions import CandidateNotFound
from services.candidates.erasure import repository
from services.candidates.erasure.exceptions import AlreadyErased
from services.candidates.erasure.models import CandidateErasure
from services.candidates.events import CANDIDATE_ERASED, CandidateErased, outbox


async def erase(session: AsyncSession, *, candidate_id: uuid.UUID) -> CandidateErasure:
    """Anonymise the profile, record the erasure and emit ``candidate.erased``, or 404/409."""
    if not await repository.lock_candidate(session, candidate_id):
        raise CandidateNotFound(f"No candidate {candidate_id}.")
    erasure = await repository.record_erasure(session, candidate_id)
    if erasure is None:
        raise AlreadyErased(f"Candidate {candidate_id} was already erased.")
    await repository.anonymise(session, candidate_id)
    await outbox.record(session, type=CANDIDATE_ERASED, subject_id=candidate_id,
                        payload=CandidateErased(candidate_id=candidate_id).model_dump(mode="json"))
    return erasure

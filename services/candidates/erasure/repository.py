"""Queries of erasure."""

import uuid
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates.models import Candidate
from services.candidates.candidates.repository import CandidateChanges
from services.candidates.erasure.models import CandidateErasure

# What replaces the personal data. Gender, nationality and residence country stay: they are not
# identifying on their own and the programme's aggregate indicators (gender balance, origin)
# count them. Consents stay too: they are the legal record of what the person agreed to.
PLACEHOLDER_NAME = "erased"
PLACEHOLDER_BIRTH_DATE = date(1900, 1, 1)


def anonymised(candidate_id: uuid.UUID) -> CandidateChanges:
    """The column values of an erased profile."""
    return {
        "given_name": PLACEHOLDER_NAME, "family_name": PLACEHOLDER_NAME,
        # Unique and not null: a reserved domain (RFC 2606) that can never receive mail.
        "email": f"erased-{candidate_id}@erased.invalid", "phone": None,
        "date_of_birth": PLACEHOLDER_BIRTH_DATE, "residence_city": None,
        "education": [], "skills": [], "skill_keys": [], "languages": [],
        "preferred_sectors": [], "preferred_countries": [],
        "available_from_date": None, "available_until_date": None,
    }


async def lock_candidate(session: AsyncSession, candidate_id: uuid.UUID) -> bool:
    """Lock the candidate's row; False when there is no such candidate."""
    found = await session.scalar(select(Candidate.id).where(Candidate.id == candidate_id)
                                 .with_for_update())
    return found is not None


async def record_erasure(session: AsyncSession, candidate_id: uuid.UUID) -> CandidateErasure | None:
    """Insert the erasure record; None when the candidate was erased before."""
    statement = (insert(CandidateErasure).values(candidate_id=candidate_id)
                 .on_conflict_do_nothing().returning(CandidateErasure))
    return (await session.execute(statement)).scalar_one_or_none()


async def anonymise(session: AsyncSession, candidate_id: uuid.UUID) -> None:
    """Overwrite the profile's personal data and bump its version."""
    await session.execute(update(Candidate).where(Candidate.id == candidate_id)
                          .values(**anonymised(candidate_id), version=Candidate.version + 1)
                          .execution_options(synchronize_session=False))

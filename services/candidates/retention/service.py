"""Retention decisions: who expired, and erasing one such person with the existing erasure.

A person's part in a programme ends at the end of follow-up when they were placed and came back
(their return date plus the programme's ``follow_up_months``), or at the later of the intake's
close and the decision on their application when they never went (ineligible, rejected,
withdrawn; a draft when the intake closed). Their personal data expires ``retention_months``
after that. A person of several programmes expires at the latest of them, and not at all while
one of their applications is still running (submitted up to selected, or placed). The query is
``repository.due``; this module only decides what to do with its answer.
"""

import logging
import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.erasure import service as erasure_service
from services.candidates.retention import repository
from services.candidates.retention.models import RetentionErasure
from shared.pagination import PageParams

log = logging.getLogger("pathways.candidates.retention")


async def due(session: AsyncSession, *, now: datetime, limit: int) -> list[uuid.UUID]:
    """The ids of up to ``limit`` people whose retention expired by ``now``."""
    return [found.candidate_id for found in await repository.due(session, now=now, limit=limit)]


async def erase_expired(session: AsyncSession, *, candidate_id: uuid.UUID,
                        now: datetime) -> RetentionErasure | None:
    """Erase the person if their retention expired by ``now``, record why, in the caller's
    transaction; None, changing nothing, when another transaction holds them (it decides) or
    they are no longer due (erased meanwhile, or a new application keeps them).

    The person's row is claimed with ``SKIP LOCKED`` before anything is read, so two replicas
    never erase the same person, and the decision is taken again under the lock.
    """
    if not await repository.claim(session, candidate_id):
        return None
    found = await repository.expiry(session, candidate_id=candidate_id, now=now)
    if found is None:
        return None
    record = await repository.record_erasure(session, found)
    if record is None:
        return None
    await erasure_service.erase(session, candidate_id=candidate_id)
    # Ids and dates only: the person's data is what was just erased.
    log.info("personal data erased: retention expired", extra={
        "candidate_id": str(candidate_id), "programme_id": str(found.programme_id),
        "expired_at": found.expired_at.isoformat()})
    return record


async def record_return(session: AsyncSession, *, candidate_id: uuid.UUID,
                        programme_id: uuid.UUID, returned_on: date) -> None:
    """Remember the day the person came back from a stay in the programme."""
    await repository.record_return(session, candidate_id=candidate_id,
                                   programme_id=programme_id, returned_on=returned_on)


async def erasures_page(session: AsyncSession, *, page: PageParams,
                        programme_id: uuid.UUID | None) -> Sequence[RetentionErasure]:
    """A page of the retention erasures, oldest first."""
    return await repository.erasures_page(session, page, programme_id=programme_id)

"""Every query of retention: whose personal data expired, claiming one person, the return dates
and the record of retention erasures."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.retention.models import RetentionErasure
from shared.pagination import PageParams, keyset

# When each application's part in its programme ended (NULL: not ended, the person is still
# in it) and when its retention expires; then, per person not yet erased, the application
# that expires last. NULLS FIRST: one application still running keeps the whole person.
#
# - returned: the return date placements reported (before it was recorded, the day the return
#   reached this service) plus the programme's months of follow-up;
# - ineligible, rejected, withdrawn: the later of the intake's close and the decision;
# - draft: the later of the intake's close (no submission after it) and its last change;
# - every other status (submitted up to selected, placed) has not ended.
_EXPIRIES = """
    WITH ended AS (
        SELECT a.candidate_id, a.programme_id, p.follow_up_months, p.retention_months,
               CASE
                 WHEN a.status = 'returned' THEN
                   COALESCE(r.returned_on::timestamp AT TIME ZONE 'UTC', t.last_return)
                   + make_interval(months => p.follow_up_months)
                 WHEN a.status IN ('ineligible', 'rejected', 'withdrawn') THEN
                   GREATEST(p.intake_closes_at, t.last_move)
                 WHEN a.status = 'draft' THEN GREATEST(p.intake_closes_at, a.updated_at)
               END AS ended_at
        FROM candidates.application AS a
        JOIN candidates.programme AS p ON p.id = a.programme_id
        LEFT JOIN candidates.retention_return AS r
               ON r.candidate_id = a.candidate_id AND r.programme_id = a.programme_id
        LEFT JOIN LATERAL (
            SELECT max(at) AS last_move, max(at) FILTER (WHERE action = 'return') AS last_return
            FROM candidates.application_transition WHERE application_id = a.id
        ) AS t ON true
        WHERE {candidate_filter}
          AND NOT EXISTS (SELECT 1 FROM candidates.candidate_erasure AS e
                          WHERE e.candidate_id = a.candidate_id)
    ), latest AS (
        SELECT DISTINCT ON (candidate_id) candidate_id, programme_id, follow_up_months,
               retention_months, ended_at,
               ended_at + make_interval(months => retention_months) AS expired_at
        FROM ended
        ORDER BY candidate_id, ended_at + make_interval(months => retention_months)
                 DESC NULLS FIRST, programme_id
    )
    SELECT candidate_id, programme_id, follow_up_months, retention_months, ended_at, expired_at
    FROM latest
    WHERE expired_at <= :now
"""
_DUE = text(_EXPIRIES.format(candidate_filter="true") + " ORDER BY expired_at, candidate_id "
            "LIMIT :limit")
_DUE_ONE = text(_EXPIRIES.format(candidate_filter="a.candidate_id = :candidate_id"))
_CLAIM = text("SELECT id FROM candidates.candidate WHERE id = :candidate_id "
              "FOR UPDATE SKIP LOCKED")
_RECORD_RETURN = text("""
    INSERT INTO candidates.retention_return (candidate_id, programme_id, returned_on)
    SELECT CAST(:candidate_id AS uuid), CAST(:programme_id AS uuid), CAST(:returned_on AS date)
    WHERE EXISTS (SELECT 1 FROM candidates.candidate WHERE id = CAST(:candidate_id AS uuid))
      AND EXISTS (SELECT 1 FROM candidates.programme WHERE id = CAST(:programme_id AS uuid))
    ON CONFLICT (candidate_id, programme_id)
    DO UPDATE SET returned_on = GREATEST(retention_return.returned_on, EXCLUDED.returned_on)
""")


@dataclass(frozen=True, slots=True)
class Expiry:
    """A person whose retention expired: the programme whose rule expires last, its months,
    when the person's part in it ended and when its retention expired."""

    candidate_id: uuid.UUID
    programme_id: uuid.UUID
    follow_up_months: int
    retention_months: int
    ended_at: datetime
    expired_at: datetime


async def due(session: AsyncSession, *, now: datetime, limit: int) -> list[Expiry]:
    """Up to ``limit`` people, not yet erased, whose every programme's retention expired by
    ``now``; the longest expired first."""
    rows = await session.execute(_DUE, {"now": now, "limit": limit})
    return [Expiry(**row) for row in rows.mappings()]


async def expiry(session: AsyncSession, *, candidate_id: uuid.UUID,
                 now: datetime) -> Expiry | None:
    """The person's expiry if their retention expired by ``now`` and they are not erased."""
    row = (await session.execute(_DUE_ONE, {"now": now, "candidate_id": candidate_id})
           ).mappings().one_or_none()
    return None if row is None else Expiry(**row)


async def claim(session: AsyncSession, candidate_id: uuid.UUID) -> bool:
    """Lock the person's row until the transaction ends, unless another transaction (another
    replica's round, an erasure on request) holds it; whether it was locked."""
    return (await session.scalar(_CLAIM, {"candidate_id": candidate_id})) is not None


async def record_erasure(session: AsyncSession, found: Expiry) -> RetentionErasure | None:
    """Record the retention erasure of ``found``; None when it was recorded before."""
    statement = (insert(RetentionErasure).values(
        candidate_id=found.candidate_id, programme_id=found.programme_id,
        follow_up_months=found.follow_up_months, retention_months=found.retention_months,
        ended_at=found.ended_at, expired_at=found.expired_at,
    ).on_conflict_do_nothing().returning(RetentionErasure))
    return (await session.execute(statement)).scalar_one_or_none()


async def record_return(session: AsyncSession, *, candidate_id: uuid.UUID,
                        programme_id: uuid.UUID, returned_on: date) -> None:
    """Remember the person's latest return from the programme (an older date never replaces a
    later one: a replayed or late event changes nothing); nothing for an unknown person or
    programme."""
    await session.execute(_RECORD_RETURN, {"candidate_id": candidate_id,
                                           "programme_id": programme_id,
                                           "returned_on": returned_on})


async def erasures_page(session: AsyncSession, page: PageParams, *,
                        programme_id: uuid.UUID | None) -> list[RetentionErasure]:
    """One page (``limit + 1`` rows) of retention erasures, oldest first."""
    statement = select(RetentionErasure)
    if programme_id is not None:
        statement = statement.where(RetentionErasure.programme_id == programme_id)
    statement = keyset(statement, (RetentionErasure.erased_at, RetentionErasure.candidate_id),
                       page)
    return list((await session.scalars(statement)).all())

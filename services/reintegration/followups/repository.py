"""Every query of follow-ups."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TypedDict

from sqlalchemy import ColumnElement, case, insert, select, text, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration.cases.models import ReturneeCase, ReturneeStay
from services.reintegration.followups.models import FollowUp
from shared import access
from shared.auth import Principal
from shared.db import column_values
from shared.pagination import PageParams, keyset
from shared.versioning import update_locked


class FollowUpChanges(TypedDict, total=False):
    """The columns an answer sets on a follow-up."""

    status: str
    completed_at: datetime
    answered_on: date
    recorded_by: str
    recorded_via: str
    employment_status: str
    employer_name: str | None
    job_sector: str | None
    job_location: str | None
    income_band: str | None
    skills_use: str | None
    satisfaction: int | None
    sustainability_economic: Decimal | None
    sustainability_social: Decimal | None
    sustainability_psychosocial: Decimal | None
    notes: str | None


async def add_many(session: AsyncSession, follow_ups: Sequence[FollowUp]) -> None:
    """Insert follow-ups (one statement)."""
    if follow_ups:
        await session.execute(insert(FollowUp), [column_values(f) for f in follow_ups])


def readable_conditions(principal: Principal) -> list[ColumnElement[bool]]:
    """Which follow-ups (joined to their case) ``principal`` is related to, as WHERE clauses:
    every list and lookup of a follow-up for a caller uses them."""
    return access.conditions(principal, programme=FollowUp.programme_id,
                             candidate=ReturneeCase.candidate_id)


async def get(session: AsyncSession, follow_up_id: uuid.UUID, *,
              principal: Principal | None = None,
              for_update: bool = False) -> tuple[FollowUp, ReturneeCase] | None:
    """The follow-up with its case, if ``principal`` may read it (None: the service itself);
    ``for_update`` locks both rows (events of a case are recorded under its lock)."""
    statement = (select(FollowUp, ReturneeCase).join(ReturneeCase,
                                                     ReturneeCase.id == FollowUp.case_id)
                 .where(FollowUp.id == follow_up_id,
                        *(readable_conditions(principal) if principal else ()))
                 .execution_options(populate_existing=True))
    if for_update:
        statement = statement.with_for_update()
    row = (await session.execute(statement)).one_or_none()
    return None if row is None else (row[0], row[1])


async def return_date(session: AsyncSession, stay_id: uuid.UUID) -> date:
    """The return date of the stay a follow-up follows."""
    return (await session.execute(select(ReturneeStay.return_date)
                                  .where(ReturneeStay.id == stay_id))).scalar_one()


async def of_case(session: AsyncSession, case_id: uuid.UUID) -> list[FollowUp]:
    """A case's follow-ups, earliest due first."""
    rows = await session.scalars(select(FollowUp).where(FollowUp.case_id == case_id)
                                 .order_by(FollowUp.due_date, FollowUp.point_months))
    return list(rows.all())


async def list_page(session: AsyncSession, page: PageParams, *, principal: Principal,
                    conditions: list[ColumnElement[bool]]) -> list[FollowUp]:
    """One page (``limit + 1`` rows) of the follow-ups ``principal`` may read, the soonest to
    close first; conditions may name the case's columns."""
    statement = keyset(select(FollowUp).join(ReturneeCase, ReturneeCase.id == FollowUp.case_id)
                       .where(*readable_conditions(principal), *conditions),
                       (FollowUp.window_closes_at, FollowUp.id), page)
    return list((await session.scalars(statement)).all())


async def change(session: AsyncSession, follow_up_id: uuid.UUID,
                 changes: FollowUpChanges) -> FollowUp:
    """Write ``changes`` and bump the version."""
    return await update_locked(session, FollowUp, follow_up_id, changes)


async def cancel_scheduled(session: AsyncSession, case_id: uuid.UUID, now: datetime) -> int:
    """Cancel the case's follow-ups still waiting; how many."""
    result = await session.execute(
        update(FollowUp).where(FollowUp.case_id == case_id, FollowUp.status == "scheduled")
        .values(status="cancelled", cancelled_at=now, version=FollowUp.version + 1)
        .returning(FollowUp.id))
    return len(result.all())


async def blank_free_text(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> None:
    """Blank the employer names and notes of these cases' answers, and the subject of the
    person's own (deleted) account where they answered in the app."""
    if case_ids:
        await session.execute(
            update(FollowUp).where(FollowUp.case_id.in_(case_ids),
                                   (FollowUp.employer_name.is_not(None))
                                   | (FollowUp.notes.is_not(None))
                                   | (FollowUp.recorded_via == "app"))
            .values(employer_name=None, notes=None, version=FollowUp.version + 1,
                    recorded_by=case((FollowUp.recorded_via == "app", None),
                                     else_=FollowUp.recorded_by)))


_MARK_OVERDUE = text("""
    WITH due AS (
        SELECT f.id FROM reintegration.follow_up AS f
        WHERE f.status = 'scheduled' AND f.window_closes_at <= :now
        ORDER BY f.window_closes_at, f.id
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE reintegration.follow_up AS f
    SET status = 'overdue', overdue_at = :now, version = f.version + 1, updated_at = now()
    FROM due, reintegration.returnee_case AS c
    WHERE f.id = due.id AND c.id = f.case_id
    RETURNING f.id, f.case_id, f.programme_id, c.candidate_id, f.point_months, f.due_date,
              f.overdue_at
""")


async def mark_overdue(session: AsyncSession, *, now: datetime,
                       limit: int) -> Sequence[RowMapping]:
    """Mark up to ``limit`` follow-ups whose window closed by ``now`` overdue, skipping rows
    another transaction holds (an answer being recorded); the rows marked."""
    result = await session.execute(_MARK_OVERDUE, {"now": now, "limit": limit})
    return result.mappings().all()



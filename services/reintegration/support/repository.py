"""Every query of support measures."""

import uuid
from datetime import date
from decimal import Decimal
from typing import TypedDict

from sqlalchemy import ColumnElement, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration.cases.models import ReturneeCase
from services.reintegration.support.models import SupportMeasure
from shared import access
from shared.auth import Principal
from shared.db import column_values, one_or_none
from shared.pagination import PageParams, keyset
from shared.versioning import update_locked


class MeasureChanges(TypedDict, total=False):
    """The columns an edit or an action on a support measure may change."""

    provider: str | None
    description: str | None
    amount: Decimal | None
    currency: str | None
    disbursed_date: date | None
    start_date: date | None
    end_date: date | None
    status: str
    outcome: str
    outcome_note: str | None


async def add(session: AsyncSession, measure: SupportMeasure) -> SupportMeasure:
    """Insert a measure."""
    statement = (insert(SupportMeasure).values(**column_values(measure))
                 .returning(SupportMeasure))
    return (await session.execute(statement)).scalar_one()


def readable_conditions(principal: Principal) -> list[ColumnElement[bool]]:
    """Which measures ``principal`` is related to (through their programme or candidate), as
    WHERE clauses: every list and lookup of a measure for a caller uses them."""
    return access.conditions(principal, programme=SupportMeasure.programme_id,
                             candidate=SupportMeasure.candidate_id)


async def get(session: AsyncSession, measure_id: uuid.UUID, *,
              principal: Principal | None = None,
              for_update: bool = False) -> SupportMeasure | None:
    """The measure with this id, if ``principal`` may read it (None: the service itself);
    ``for_update`` locks its row."""
    statement = select(SupportMeasure).where(
        SupportMeasure.id == measure_id, *(readable_conditions(principal) if principal else ()))
    return await one_or_none(session, statement, for_update=for_update)


async def list_page(session: AsyncSession, page: PageParams, *, principal: Principal,
                    conditions: list[ColumnElement[bool]]) -> list[SupportMeasure]:
    """One page (``limit + 1`` rows) of the measures ``principal`` may read, oldest first."""
    statement = keyset(select(SupportMeasure).where(*readable_conditions(principal),
                                                    *conditions),
                       (SupportMeasure.created_at, SupportMeasure.id), page)
    return list((await session.scalars(statement)).all())


async def change(session: AsyncSession, measure_id: uuid.UUID,
                 changes: MeasureChanges) -> SupportMeasure:
    """Write ``changes`` and bump the version."""
    return await update_locked(session, SupportMeasure, measure_id, changes)


async def attach_to_case(session: AsyncSession, case: ReturneeCase) -> None:
    """Give the case's person's measures in its programme that have no case yet (recorded
    before they returned) the case."""
    await session.execute(
        update(SupportMeasure).where(SupportMeasure.candidate_id == case.candidate_id,
                                     SupportMeasure.programme_id == case.programme_id,
                                     SupportMeasure.case_id.is_(None))
        .values(case_id=case.id, version=SupportMeasure.version + 1))


async def blank_free_text(session: AsyncSession, candidate_id: uuid.UUID) -> None:
    """Blank the descriptions and outcome notes of the candidate's measures."""
    await session.execute(
        update(SupportMeasure).where(SupportMeasure.candidate_id == candidate_id,
                                     (SupportMeasure.description.is_not(None))
                                     | (SupportMeasure.outcome_note.is_not(None)))
        .values(description=None, outcome_note=None, version=SupportMeasure.version + 1))

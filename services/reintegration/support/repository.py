"""Every query of support measures."""

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TypedDict

from sqlalchemy import ColumnElement, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration.cases.models import ReturneeCase
from services.reintegration.support.models import SupportMeasure
from shared import access
from shared.auth import Principal
from shared.db import column_values
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
    """Which measures (joined to their case) ``principal`` is related to, as WHERE clauses:
    every list and lookup of a measure for a caller uses them."""
    return access.conditions(principal, programme=SupportMeasure.programme_id,
                             candidate=ReturneeCase.candidate_id)


async def get(session: AsyncSession, measure_id: uuid.UUID, *,
              principal: Principal | None = None,
              for_update: bool = False) -> tuple[SupportMeasure, ReturneeCase] | None:
    """The measure with its case, if ``principal`` may read it (None: the service itself);
    ``for_update`` locks the measure's row."""
    statement = (select(SupportMeasure, ReturneeCase)
                 .join(ReturneeCase, ReturneeCase.id == SupportMeasure.case_id)
                 .where(SupportMeasure.id == measure_id,
                        *(readable_conditions(principal) if principal else ()))
                 .execution_options(populate_existing=True))
    if for_update:
        statement = statement.with_for_update(of=SupportMeasure)
    row = (await session.execute(statement)).one_or_none()
    return None if row is None else (row[0], row[1])


async def list_page(session: AsyncSession, page: PageParams, *, principal: Principal,
                    conditions: list[ColumnElement[bool]]) -> list[SupportMeasure]:
    """One page (``limit + 1`` rows) of the measures ``principal`` may read, oldest first;
    conditions may name the case's columns."""
    statement = keyset(select(SupportMeasure).join(
        ReturneeCase, ReturneeCase.id == SupportMeasure.case_id).where(
            *readable_conditions(principal), *conditions),
        (SupportMeasure.created_at, SupportMeasure.id), page)
    return list((await session.scalars(statement)).all())


async def change(session: AsyncSession, measure_id: uuid.UUID,
                 changes: MeasureChanges) -> SupportMeasure:
    """Write ``changes`` and bump the version."""
    return await update_locked(session, SupportMeasure, measure_id, changes)


async def blank_free_text(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> None:
    """Blank the descriptions and outcome notes of these cases' measures."""
    if case_ids:
        await session.execute(
            update(SupportMeasure).where(SupportMeasure.case_id.in_(case_ids),
                                         (SupportMeasure.description.is_not(None))
                                         | (SupportMeasure.outcome_note.is_not(None)))
            .values(description=None, outcome_note=None, version=SupportMeasure.version + 1))

"""Every query on vacancies, and the count of the seats their placements hold.

Placement rows are read here directly (same service, same schema) to count taken seats.
"""

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.placements.models import Placement
from services.placements.placements.state import SEAT_HOLDING_STATES
from services.placements.queries import delete_unreferenced, equal_to
from services.placements.vacancies.models import Vacancy
from shared import access
from shared.auth import Principal
from shared.db import insert
from shared.pagination import PageParams, keyset
from shared.versioning import update_versioned as update_versioned_row


def readable_statement(principal: Principal) -> Select[tuple[Vacancy]]:
    """The vacancies ``principal`` is related to: every list, lookup and link check of a
    vacancy for a caller starts here."""
    return select(Vacancy).where(*access.conditions(
        principal, programme=Vacancy.programme_id, employer=Vacancy.employer_id))


async def get(session: AsyncSession, vacancy_id: uuid.UUID, *,
              principal: Principal | None = None, for_update: bool = False) -> Vacancy | None:
    """The vacancy with this id, if ``principal`` may read it (None: the service itself);
    ``for_update`` locks its row until the transaction ends."""
    base = select(Vacancy) if principal is None else readable_statement(principal)
    statement = (base.where(Vacancy.id == vacancy_id)
                 .execution_options(populate_existing=True))
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def lock_many(session: AsyncSession, vacancy_ids: Iterable[uuid.UUID]) -> list[Vacancy]:
    """The vacancies with these ids (those that exist), locked in id order."""
    rows = await session.scalars(
        select(Vacancy).where(Vacancy.id.in_(set(vacancy_ids))).order_by(Vacancy.id)
        .with_for_update().execution_options(populate_existing=True))
    return list(rows.all())


async def add(session: AsyncSession, values: dict[str, Any]) -> Vacancy:
    """Insert a vacancy and return it with its generated columns loaded."""
    return await insert(session, Vacancy(**values))


async def update_versioned(session: AsyncSession, vacancy_id: uuid.UUID,
                           values: dict[str, Any]) -> Vacancy:
    """Apply ``values`` to a locked vacancy and bump its version."""
    updated = await update_versioned_row(session, Vacancy, vacancy_id, None, values)
    assert updated is not None  # callers lock the row first
    return updated


async def delete_unused(session: AsyncSession, vacancy_id: uuid.UUID) -> bool:
    """Delete the vacancy; False (and nothing deleted) while placements still refer to it."""
    return await delete_unreferenced(session, Vacancy, vacancy_id)


async def seats_taken(session: AsyncSession,
                      vacancy_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many seats of each vacancy its placements hold (declined or refused ones do not)."""
    ids = list(vacancy_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(Placement.vacancy_id, func.count())
        .where(Placement.vacancy_id.in_(ids), Placement.status.in_(SEAT_HOLDING_STATES))
        .group_by(Placement.vacancy_id))
    taken = {vacancy_id: 0 for vacancy_id in ids}
    taken.update({vacancy_id: count for vacancy_id, count in rows.all()})
    return taken


async def open_in_programme(session: AsyncSession, programme_id: uuid.UUID) -> list[Vacancy]:
    """Every open vacancy of the programme, oldest first."""
    rows = await session.scalars(
        select(Vacancy).where(Vacancy.programme_id == programme_id, Vacancy.status == "open")
        .order_by(Vacancy.created_at, Vacancy.id))
    return list(rows.all())


async def list_page(session: AsyncSession, page: PageParams, *, principal: Principal,
                    filters: dict[str, Any]) -> list[Vacancy]:
    """One page (``limit + 1`` rows) of the vacancies ``principal`` may read, oldest first;
    ``filters`` maps columns to the values they must equal (None: no filter)."""
    statement = readable_statement(principal).where(*equal_to(Vacancy, filters))
    statement = keyset(statement, Vacancy.created_at, Vacancy.id, page)
    return list((await session.scalars(statement)).all())

"""Every query on vacancies, and the count of the seats their placements hold.

Placement rows are read here directly (same service, same schema) to count taken seats.
"""

import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Select, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.employers.models import EmployerSuspension
from services.placements.placements.models import Placement
from services.placements.placements.state import SEAT_HOLDING_STATES
from services.placements.queries import delete_unreferenced
from services.placements.vacancies.models import Vacancy
from shared import access
from shared.auth import Principal
from shared.db import insert, one_or_none
from shared.filters import equal_to
from shared.pagination import PageParams, keyset
from shared.versioning import update_locked


def readable_statement(principal: Principal) -> Select[Vacancy]:
    """The vacancies ``principal`` is related to: every list, lookup and link check of a
    vacancy for a caller starts here."""
    return select(Vacancy).where(*access.conditions(
        principal, programme=Vacancy.programme_id, employer=Vacancy.employer_id))


async def get(session: AsyncSession, vacancy_id: uuid.UUID, *,
              principal: Principal | None = None, for_update: bool = False) -> Vacancy | None:
    """The vacancy with this id, if ``principal`` may read it (None: the service itself);
    ``for_update`` locks its row until the transaction ends."""
    base = select(Vacancy) if principal is None else readable_statement(principal)
    return await one_or_none(session, base.where(Vacancy.id == vacancy_id), for_update=for_update)


async def lock_many(session: AsyncSession, vacancy_ids: Iterable[uuid.UUID]) -> list[Vacancy]:
    """The vacancies with these ids (those that exist), locked in id order."""
    rows = await session.scalars(
        select(Vacancy).where(Vacancy.id.in_(set(vacancy_ids))).order_by(Vacancy.id)
        .with_for_update().execution_options(populate_existing=True))
    return list(rows.all())


class VacancyChanges(TypedDict, total=False):
    """The columns an update of a vacancy may change."""

    title: str
    description: str | None
    stay_type: str
    occupation_code: str | None
    occupation: dict[str, Any] | None
    training_agreement_reference: str | None
    study_programme: str | None
    qualification_level: str | None
    season: str | None
    sector: str
    required_skills: list[dict[str, Any]]
    nice_to_have_skills: list[dict[str, Any]]
    required_skill_keys: list[str]
    nice_to_have_skill_keys: list[str]
    required_languages: list[dict[str, Any]]
    seats: int
    start_date: date
    duration_months: int
    end_date: date
    country: str
    city: str | None
    region: str | None
    stipend_amount: Decimal | None
    stipend_currency: str | None
    eligible_nationalities: list[str] | None
    status: str


async def add(session: AsyncSession, vacancy: Vacancy) -> Vacancy:
    """Insert a vacancy and return it with its generated columns loaded."""
    return await insert(session, vacancy)


async def update_versioned(session: AsyncSession, vacancy_id: uuid.UUID,
                           changes: VacancyChanges) -> Vacancy:
    """Apply ``changes`` to a locked vacancy and bump its version."""
    return await update_locked(session, Vacancy, vacancy_id, changes)


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
    """Every open vacancy of the programme whose employer is not suspended there, oldest
    first."""
    suspended = exists().where(EmployerSuspension.employer_id == Vacancy.employer_id,
                               EmployerSuspension.programme_id == Vacancy.programme_id,
                               EmployerSuspension.reinstated_on.is_(None))
    rows = await session.scalars(
        select(Vacancy).where(Vacancy.programme_id == programme_id, Vacancy.status == "open",
                              ~suspended)
        .order_by(Vacancy.created_at, Vacancy.id))
    return list(rows.all())


async def close_open(session: AsyncSession, *, employer_id: uuid.UUID,
                     programme_id: uuid.UUID) -> list[uuid.UUID]:
    """Close every open vacancy of the employer in the programme, bumping their versions;
    their ids, in id order."""
    rows = await session.scalars(
        update(Vacancy).where(Vacancy.employer_id == employer_id,
                              Vacancy.programme_id == programme_id, Vacancy.status == "open")
        .values(status="closed", version=Vacancy.version + 1).returning(Vacancy.id)
        .execution_options(synchronize_session=False))
    return sorted(rows.all())


async def list_page(session: AsyncSession, page: PageParams, *, principal: Principal,
                    filters: dict[str, Any]) -> list[Vacancy]:
    """One page (``limit + 1`` rows) of the vacancies ``principal`` may read, oldest first;
    ``filters`` maps columns to the values they must equal (None: no filter)."""
    statement = readable_statement(principal).where(*equal_to(Vacancy, filters))
    statement = keyset(statement, (Vacancy.created_at, Vacancy.id), page)
    return list((await session.scalars(statement)).all())

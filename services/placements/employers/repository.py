"""Every query on employers and their suspensions."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, Select, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.employers.models import Employer, EmployerSuspension
from services.placements.queries import delete_unreferenced
from services.placements.vacancies.models import Vacancy
from shared import access
from shared.auth import Principal
from shared.db import insert, one_or_none
from shared.filters import equal_to
from shared.pagination import PageParams, keyset
from shared.versioning import update_locked


def readable_statement(principal: Principal) -> Select[Employer]:
    """The employers ``principal`` is related to: every list, lookup and link check of an
    employer for a caller starts here."""
    return select(Employer).where(*access.conditions(
        principal, programme=Employer.programme_ids.overlap, employer=Employer.id))


async def get(session: AsyncSession, employer_id: uuid.UUID, *,
              principal: Principal | None = None, for_update: bool = False,
              key_share: bool = False) -> Employer | None:
    """The employer with this id, if ``principal`` may read it (None: the service itself);
    ``for_update`` locks its row until the transaction ends, ``key_share`` only keeps it from
    being deleted."""
    base = select(Employer) if principal is None else readable_statement(principal)
    statement = (base.where(Employer.id == employer_id)
                 .execution_options(populate_existing=True))
    if for_update or key_share:
        statement = statement.with_for_update(key_share=key_share)
    return (await session.execute(statement)).scalar_one_or_none()


class EmployerChanges(TypedDict, total=False):
    """The columns an update of an employer may change (``agreements`` and ``programme_ids``
    together)."""

    name: str
    kind: str
    country: str
    city: str | None
    sector: str
    size: str
    operates_in_origin_countries: list[str]
    contacts: list[dict[str, Any]]
    agreements: list[dict[str, Any]]
    programme_ids: list[uuid.UUID]


async def add(session: AsyncSession, employer: Employer) -> Employer:
    """Insert an employer and return it with its generated columns loaded."""
    return await insert(session, employer)


async def update_versioned(session: AsyncSession, employer_id: uuid.UUID,
                           changes: EmployerChanges) -> Employer:
    """Apply ``changes`` to a locked employer and bump its version."""
    return await update_locked(session, Employer, employer_id, changes)


async def delete_unused(session: AsyncSession, employer_id: uuid.UUID) -> bool:
    """Delete the employer; False (and nothing deleted) while vacancies or suspensions still
    refer to it."""
    return await delete_unreferenced(session, Employer, employer_id)


async def has_vacancies(session: AsyncSession, employer_id: uuid.UUID) -> bool:
    """Whether any vacancy (open or closed) belongs to the employer."""
    return bool(await session.scalar(select(exists().where(Vacancy.employer_id == employer_id))))


async def list_page(session: AsyncSession, page: PageParams, *, principal: Principal,
                    country: str | None, sector: str | None, size: str | None,
                    kind: str | None, programme_id: uuid.UUID | None) -> list[Employer]:
    """One page (``limit + 1`` rows, to tell if more follow) of the employers ``principal``
    may read, oldest first."""
    statement = readable_statement(principal).where(*equal_to(
        Employer, {"country": country, "sector": sector, "size": size, "kind": kind}))
    if programme_id is not None:
        statement = statement.where(Employer.programme_ids.contains([programme_id]))
    statement = keyset(statement, (Employer.created_at, Employer.id), page)
    return list((await session.scalars(statement)).all())


# --- suspensions ----------------------------------------------------------------------------


def _in_force() -> ColumnElement[bool]:
    return EmployerSuspension.reinstated_on.is_(None)


async def add_suspension(session: AsyncSession,
                         suspension: EmployerSuspension) -> EmployerSuspension | None:
    """Insert a suspension; None when one is already in force for the employer and programme
    (the partial unique index; in a savepoint, so the transaction stays usable for the 409)."""
    try:
        return await insert(session, suspension, savepoint=True)
    except IntegrityError:
        return None


async def suspension_in_force(session: AsyncSession, *, employer_id: uuid.UUID,
                              programme_id: uuid.UUID) -> EmployerSuspension | None:
    """The employer's suspension in force in the programme, if any."""
    return await one_or_none(session, select(EmployerSuspension).where(
        EmployerSuspension.employer_id == employer_id,
        EmployerSuspension.programme_id == programme_id, _in_force()))


async def suspensions_in_force(session: AsyncSession, employer_ids: Iterable[uuid.UUID], *,
                               programme_ids: Sequence[uuid.UUID] | None
                               ) -> list[EmployerSuspension]:
    """The suspensions in force of these employers, in ``programme_ids`` (None: in any),
    oldest first."""
    statement = select(EmployerSuspension).where(
        EmployerSuspension.employer_id.in_(set(employer_ids)), _in_force())
    if programme_ids is not None:
        statement = statement.where(EmployerSuspension.programme_id.in_(list(programme_ids)))
    rows = await session.scalars(statement.order_by(EmployerSuspension.created_at,
                                                    EmployerSuspension.id))
    return list(rows.all())


async def reinstate(session: AsyncSession, suspension_id: uuid.UUID, *, on: date, by: str,
                    by_role: str, reason: str) -> EmployerSuspension:
    """End a suspension in force (the caller holds the employer's row locked)."""
    row = (await session.execute(
        update(EmployerSuspension).where(EmployerSuspension.id == suspension_id)
        .values(reinstated_on=on, reinstated_by=by, reinstated_by_role=by_role,
                reinstatement_reason=reason)
        .returning(EmployerSuspension).execution_options(populate_existing=True))).scalar_one()
    suspension: EmployerSuspension = row
    return suspension


async def lock_hosts(session: AsyncSession, employer_ids: Iterable[uuid.UUID]) -> None:
    """Share-lock the employers' rows (in id order) until the transaction ends: a suspension
    (which locks its employer for update) waits until a vacancy or placement being made with
    them is committed, and one made after it sees the suspension."""
    ids = sorted(set(employer_ids))
    if ids:
        await session.execute(select(Employer.id).where(Employer.id.in_(ids))
                              .order_by(Employer.id).with_for_update(read=True))


async def suspended_among(session: AsyncSession, employer_ids: Iterable[uuid.UUID], *,
                          programme_id: uuid.UUID) -> set[uuid.UUID]:
    """Which of these employers are suspended in the programme now."""
    ids = set(employer_ids)
    if not ids:
        return set()
    rows = await session.scalars(select(EmployerSuspension.employer_id).where(
        EmployerSuspension.employer_id.in_(ids),
        EmployerSuspension.programme_id == programme_id, _in_force()))
    return set(rows.all())


async def hosts_of(session: AsyncSession, vacancy_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The employers of these vacancies."""
    ids = set(vacancy_ids)
    if not ids:
        return set()
    rows = await session.scalars(select(Vacancy.employer_id).where(Vacancy.id.in_(ids))
                                 .distinct())
    return set(rows.all())


async def kept_out_of_matching(session: AsyncSession,
                               programme_id: uuid.UUID) -> list[tuple[uuid.UUID, int]]:
    """The employers suspended in the programme now, each with how many of its vacancies
    there the suspension keeps out of matching (those it closed, and any still open), by
    employer id."""
    kept = (Vacancy.status == "open") | (Vacancy.id == EmployerSuspension.closed_vacancy_ids
                                         .any_())
    rows = await session.execute(
        select(EmployerSuspension.employer_id, func.count(Vacancy.id))
        .outerjoin(Vacancy, (Vacancy.employer_id == EmployerSuspension.employer_id)
                   & (Vacancy.programme_id == EmployerSuspension.programme_id) & kept)
        .where(EmployerSuspension.programme_id == programme_id, _in_force())
        .group_by(EmployerSuspension.employer_id).order_by(EmployerSuspension.employer_id))
    return [(employer_id, count) for employer_id, count in rows.all()]


async def suspensions_page(session: AsyncSession, page: PageParams, *,
                           employer_id: uuid.UUID,
                           programme_ids: Sequence[uuid.UUID] | None) -> list[EmployerSuspension]:
    """One page (``limit + 1`` rows) of the employer's suspensions in ``programme_ids`` (None:
    in any), in force or not, oldest first."""
    statement = select(EmployerSuspension).where(EmployerSuspension.employer_id == employer_id)
    if programme_ids is not None:
        statement = statement.where(EmployerSuspension.programme_id.in_(list(programme_ids)))
    statement = keyset(statement, (EmployerSuspension.created_at, EmployerSuspension.id), page)
    return list((await session.scalars(statement)).all())

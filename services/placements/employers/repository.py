"""Every query on employers."""

import uuid
from typing import Any, TypedDict

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.employers.models import Employer
from services.placements.queries import delete_unreferenced
from services.placements.vacancies.models import Vacancy
from shared import access
from shared.auth import Principal
from shared.db import insert
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
    """Delete the employer; False (and nothing deleted) while vacancies still refer to it."""
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

"""Every query on programmes."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.programmes.models import Programme
from shared.db import insert
from shared.pagination import PageParams, keyset
from shared.versioning import update_versioned as update_versioned_row


async def get(session: AsyncSession, programme_id: uuid.UUID) -> Programme | None:
    """The programme with this id, if any."""
    return await session.get(Programme, programme_id)


async def code_exists(session: AsyncSession, code: str) -> bool:
    """Whether a programme already uses ``code``."""
    found = await session.scalar(select(Programme.id).where(Programme.code == code))
    return found is not None


async def add(session: AsyncSession, values: dict[str, Any]) -> Programme:
    """Insert a programme and return it with its generated columns loaded."""
    return await insert(session, Programme(**values))


async def update_versioned(
    session: AsyncSession, programme_id: uuid.UUID, expected_version: int | None,
    values: dict[str, Any],
) -> Programme | None:
    """Apply ``values`` if the row is still at ``expected_version``; None when it is not."""
    return await update_versioned_row(session, Programme, programme_id, expected_version, values)


def _filtered(*, origin_country: str | None, destination_country: str | None,
              sector: str | None, open_at: datetime | None) -> Select[tuple[Programme]]:
    statement = select(Programme)
    if origin_country:
        statement = statement.where(Programme.origin_countries.contains([origin_country]))
    if destination_country:
        statement = statement.where(Programme.destination_countries.contains([destination_country]))
    if sector:
        statement = statement.where(Programme.sectors.contains([sector]))
    if open_at is not None:
        statement = statement.where(Programme.intake_opens_at <= open_at,
                                    Programme.intake_closes_at > open_at)
    return statement


async def list_page(session: AsyncSession, page: PageParams, *, origin_country: str | None,
                    destination_country: str | None, sector: str | None,
                    open_at: datetime | None) -> list[Programme]:
    """One page (``limit + 1`` rows, to tell if more follow) of programmes, oldest first."""
    statement = _filtered(origin_country=origin_country, destination_country=destination_country,
                          sector=sector, open_at=open_at)
    statement = keyset(statement, Programme.created_at, Programme.id, page)
    return list((await session.scalars(statement)).all())

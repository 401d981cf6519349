"""Every query on programmes."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.programmes.models import Programme
from shared.db import insert, one_or_none
from shared.pagination import PageParams, keyset
from shared.versioning import update_locked as update_locked_row
from shared.versioning import update_versioned as update_versioned_row


async def get(session: AsyncSession, programme_id: uuid.UUID) -> Programme | None:
    """The programme with this id, if any."""
    return await session.get(Programme, programme_id)


async def get_for_update(session: AsyncSession, programme_id: uuid.UUID) -> Programme | None:
    """The programme read afresh, its row locked until the transaction ends."""
    return await one_or_none(session, select(Programme).where(Programme.id == programme_id),
                             for_update=True)


async def code_exists(session: AsyncSession, code: str) -> bool:
    """Whether a programme already uses ``code``."""
    found = await session.scalar(select(Programme.id).where(Programme.code == code))
    return found is not None


class ProgrammeChanges(TypedDict, total=False):
    """The columns an update of a programme may change."""

    name: str
    description: str | None
    origin_countries: list[str]
    destination_countries: list[str]
    sectors: list[str]
    intake_opens_at: datetime
    intake_closes_at: datetime
    capacity: int
    gender_balance_min_share: Decimal | None
    gender_targets: dict[str, int] | None
    eligibility: dict[str, Any]
    required_consents: list[str]
    training_required_before_departure: bool
    stay_types: list[str]
    repeat_stays: bool
    planned: dict[str, int | None]
    max_stay_months: int | None
    max_extension_months: int | None
    destination_regions: list[str]
    seasons: list[dict[str, str]]
    suspended_origins: list[dict[str, str]]
    follow_up_months: int
    retention_months: int


async def add(session: AsyncSession, programme: Programme) -> Programme:
    """Insert a programme and return it with its generated columns loaded."""
    return await insert(session, programme)


async def update_versioned(
    session: AsyncSession, programme_id: uuid.UUID, expected_version: int | None,
    changes: ProgrammeChanges,
) -> Programme | None:
    """Apply ``changes`` if the row is still at ``expected_version``; None when it is not."""
    return await update_versioned_row(session, Programme, programme_id, expected_version,
                                      changes)


async def update_locked(session: AsyncSession, programme_id: uuid.UUID,
                        changes: ProgrammeChanges) -> Programme:
    """Apply ``changes`` to a programme the caller holds locked, bumping its version (ETag)."""
    return await update_locked_row(session, Programme, programme_id, changes)


def _filtered(*, origin_country: str | None, destination_country: str | None,
              sector: str | None, open_at: datetime | None) -> Select[Programme]:
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
    statement = keyset(statement, (Programme.created_at, Programme.id), page)
    return list((await session.scalars(statement)).all())

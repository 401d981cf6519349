"""Programme rules: unique codes, a coherent intake window, coherent gender targets, versioned
updates."""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.programmes import repository, targets
from services.candidates.programmes.exceptions import (
    InvalidIntakeWindow,
    ProgrammeCodeTaken,
    ProgrammeNotFound,
)
from services.candidates.programmes.models import Programme
from services.candidates.programmes.schemas import ProgrammeCreate, ProgrammeUpdate
from shared import access
from shared.auth import Principal
from shared.errors import PreconditionFailed
from shared.pagination import PageParams


async def create(session: AsyncSession, *, data: ProgrammeCreate) -> Programme:
    """Create a programme; its code must be new."""
    if await repository.code_exists(session, data.code):
        raise ProgrammeCodeTaken(f"A programme with code '{data.code}' already exists.")
    targets.check(capacity=data.capacity, share=data.gender_balance_min_share,
                  split=data.gender_targets, admitted=data.eligibility.genders)
    return await repository.add(session, Programme(**data.model_dump()))


async def get(session: AsyncSession, *, programme_id: uuid.UUID) -> Programme:
    """The programme, or ProgrammeNotFound."""
    programme = await repository.get(session, programme_id)
    if programme is None:
        raise ProgrammeNotFound(f"No programme {programme_id}.")
    return programme


async def update(session: AsyncSession, *, programme_id: uuid.UUID, data: ProgrammeUpdate,
                 expected_version: int | None) -> Programme:
    """Change the given fields if the caller saw the current version (else 412)."""
    current = await get(session, programme_id=programme_id)
    changes = data.changes(repository.ProgrammeChanges)
    opens = changes.get("intake_opens_at", current.intake_opens_at)
    closes = changes.get("intake_closes_at", current.intake_closes_at)
    if closes <= opens:
        raise InvalidIntakeWindow("intake_closes_at must be after intake_opens_at.")
    eligibility = changes.get("eligibility", current.eligibility)
    targets.check(capacity=changes.get("capacity", current.capacity),
                  share=changes.get("gender_balance_min_share", current.gender_balance_min_share),
                  split=changes.get("gender_targets", current.gender_targets),
                  admitted=eligibility.get("genders"))
    updated = await repository.update_versioned(session, programme_id, expected_version, changes)
    if updated is None:
        raise PreconditionFailed(
            f"The programme changed since version {expected_version}; read it again.",
            current_version=current.version,
        )
    return updated


async def list_page(session: AsyncSession, *, page: PageParams, origin_country: str | None,
                    destination_country: str | None, sector: str | None,
                    open_at: datetime | None) -> list[Programme]:
    """A page of programmes matching the filters."""
    return await repository.list_page(session, page, origin_country=origin_country,
                                      destination_country=destination_country, sector=sector,
                                      open_at=open_at)


def ensure_in_scope(principal: Principal, programme_id: uuid.UUID) -> None:
    """ProgrammeNotFound when an officer or ministry acts on a programme not theirs."""
    scope = access.programme_scope(principal)
    if scope is not None and programme_id not in scope:
        raise ProgrammeNotFound(f"No programme {programme_id}.")

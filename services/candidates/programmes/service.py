"""Programme rules: unique codes, a coherent intake window, coherent gender targets and shape,
versioned updates, suspended origins."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.programmes import repository, shape, targets
from services.candidates.programmes.exceptions import (
    AlreadySuspended,
    InvalidDates,
    InvalidIntakeWindow,
    NotAnOrigin,
    OriginNotSuspended,
    ProgrammeCodeTaken,
    ProgrammeNotFound,
)
from services.candidates.programmes.models import Programme
from services.candidates.programmes.schemas import (
    OriginSuspensionCreate,
    ProgrammeCreate,
    ProgrammeUpdate,
)
from shared import access, concurrency
from shared.auth import Principal
from shared.i18n import N_, _
from shared.pagination import PageParams
from shared.schemas import as_columns

# Fields stored as JSON whose values are not JSON in Python (the seasons' dates): they are
# written in their JSON form.
JSON_FIELDS = frozenset({"seasons"})


def _values(data: ProgrammeCreate | ProgrammeUpdate) -> dict[str, Any]:
    """The fields the client sent, as the table stores them."""
    return {**data.model_dump(exclude_unset=isinstance(data, ProgrammeUpdate)),
            **data.model_dump(mode="json", include=set(JSON_FIELDS),
                              exclude_unset=isinstance(data, ProgrammeUpdate))}


def suspension_of(programme: Programme, country: str) -> dict[str, str] | None:
    """The programme's suspension of ``country`` as an origin, if it is suspended."""
    return next((s for s in programme.suspended_origins if s["country"] == country), None)


async def create(session: AsyncSession, *, data: ProgrammeCreate) -> Programme:
    """Create a programme; its code must be new."""
    if await repository.code_exists(session, data.code):
        raise ProgrammeCodeTaken(_("A programme with code '{code}' already exists.",
                                   code=data.code))
    targets.check(capacity=data.capacity, share=data.gender_balance_min_share,
                  split=data.gender_targets, admitted=data.eligibility.genders)
    shape.check(destination_countries=data.destination_countries,
                destination_regions=data.destination_regions, stay_types=data.stay_types,
                seasons=data.seasons)
    return await repository.add(session, Programme(**_values(data)))


async def get(session: AsyncSession, *, programme_id: uuid.UUID) -> Programme:
    """The programme, or ProgrammeNotFound."""
    programme = await repository.get(session, programme_id)
    if programme is None:
        raise ProgrammeNotFound(_("No programme {programme_id}.", programme_id=programme_id))
    return programme


async def update(session: AsyncSession, *, programme_id: uuid.UUID, data: ProgrammeUpdate,
                 expected_version: int | None) -> Programme:
    """Change the given fields if the caller saw the current version (else 412)."""
    current = await get(session, programme_id=programme_id)
    changes = as_columns(_values(data), repository.ProgrammeChanges)
    opens = changes.get("intake_opens_at", current.intake_opens_at)
    closes = changes.get("intake_closes_at", current.intake_closes_at)
    if closes <= opens:
        raise InvalidIntakeWindow(_("intake_closes_at must be after intake_opens_at."))
    eligibility = changes.get("eligibility", current.eligibility)
    targets.check(capacity=changes.get("capacity", current.capacity),
                  share=changes.get("gender_balance_min_share", current.gender_balance_min_share),
                  split=changes.get("gender_targets", current.gender_targets),
                  admitted=eligibility.get("genders"))
    shape.check(
        destination_countries=changes.get("destination_countries", current.destination_countries),
        destination_regions=changes.get("destination_regions", current.destination_regions),
        stay_types=changes.get("stay_types", current.stay_types),
        seasons=changes.get("seasons", current.seasons),
        origin_countries=changes.get("origin_countries", current.origin_countries),
        suspended=[s["country"] for s in current.suspended_origins])
    updated = await repository.update_versioned(session, programme_id, expected_version, changes)
    if updated is None:
        raise concurrency.stale(N_("The programme changed since version {version}; read it again."),
                                expected=expected_version, current=current.version)
    return updated


async def _locked(session: AsyncSession, programme_id: uuid.UUID) -> Programme:
    programme = await repository.get_for_update(session, programme_id)
    if programme is None:
        raise ProgrammeNotFound(_("No programme {programme_id}.", programme_id=programme_id))
    return programme


async def suspend_origin(session: AsyncSession, *, programme_id: uuid.UUID,
                         data: OriginSuspensionCreate, today: date) -> Programme:
    """Record that people of ``data.country`` may no longer apply. The programme's row stays
    locked until the transaction ends, so that concurrent suspensions and lifts of its origins
    take turns instead of overwriting each other's list."""
    programme = await _locked(session, programme_id)
    if data.country not in programme.origin_countries:
        message = _("{country} is not among the programme's origin countries ({origins})",
                    country=data.country, origins=", ".join(programme.origin_countries))
        raise NotAnOrigin(_("country: {message}.", message=message), errors=[
            {"loc": ["body", "country"], "msg": message, "type": "not_an_origin"}])
    suspended_on = data.suspended_on or today
    if suspended_on > today:
        raise InvalidDates.of("suspended_on", _("must not be in the future"))
    if (found := suspension_of(programme, data.country)) is not None:
        raise AlreadySuspended(
            _("{country} is suspended since {suspended_on}; lift it first.",
              country=data.country, suspended_on=found["suspended_on"]),
            suspended_on=found["suspended_on"])
    entry = {"country": data.country, "reason": data.reason,
             "suspended_on": suspended_on.isoformat()}
    return await repository.update_locked(
        session, programme_id, {"suspended_origins": [*programme.suspended_origins, entry]})


async def lift_origin(session: AsyncSession, *, programme_id: uuid.UUID,
                      country: str) -> Programme:
    """People of ``country`` may apply again (applications withdrawn meanwhile stay so)."""
    programme = await _locked(session, programme_id)
    if suspension_of(programme, country) is None:
        raise OriginNotSuspended(_("{country} is not suspended in programme {programme_id}.",
                                   country=country, programme_id=programme_id))
    remaining = [s for s in programme.suspended_origins if s["country"] != country]
    return await repository.update_locked(session, programme_id,
                                          {"suspended_origins": remaining})


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
        raise ProgrammeNotFound(_("No programme {programme_id}.", programme_id=programme_id))

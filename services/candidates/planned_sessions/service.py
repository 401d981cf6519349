"""Planned sessions: the module's staff plan, reschedule and cancel them; the module's class
reads them and is reminded of each (``training.session_upcoming``).

Who: the staff who run the module (admins, officers of its programme) plan; they and the people
enrolled in it (not dropped) read the plan. Anyone else is answered as if the module had no plan
to show: a 404.

Reminders: one notice per person of the class and version of the session, planned in the
notices domain in this transaction, at the programme's offset before the session's day. A
reschedule cancels the pending ones of the session and plans new ones (so a person already
reminded is told the new day); a cancelled session cancels its pending ones; a person enrolled
later is reminded of the sessions still to come, and one who drops out is reminded of none.
"""

import uuid
from datetime import date
from typing import Any, Final

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates import access
from services.candidates.candidates.repository import readable_conditions
from services.candidates.notices import service as notices
from services.candidates.planned_sessions import repository
from services.candidates.planned_sessions.exceptions import (
    PlannedSessionNotFound,
    SessionAlreadyPlanned,
)
from services.candidates.planned_sessions.models import PlannedSession
from services.candidates.planned_sessions.schemas import (
    PlannedSessionCreate,
    PlannedSessionUpdate,
)
from services.candidates.planned_sessions.state import PLANNED_SESSION
from services.candidates.training import repository as training
from services.candidates.training.exceptions import InvalidDates, TrainingModuleNotFound
from services.candidates.training.models import Enrolment, TrainingModule
from shared import concurrency
from shared.auth import Principal
from shared.i18n import N_, _
from shared.pagination import PageParams

KIND: Final = "training.session_upcoming"
# What the module's plan is to a role that does not run modules: what its own class reads.
CLASS_ROLES: Final = frozenset({"candidate"})

# --- who -------------------------------------------------------------------------------------


def _module_missing(module_id: uuid.UUID) -> TrainingModuleNotFound:
    return TrainingModuleNotFound(_("No training module {module_id}.", module_id=module_id))


async def _module(session: AsyncSession, module_id: uuid.UUID) -> TrainingModule:
    module = await training.get_module(session, module_id)
    if module is None:
        raise _module_missing(module_id)
    return module


async def run_module(session: AsyncSession, principal: Principal,
                     module_id: uuid.UUID) -> TrainingModule:
    """The module, if the caller runs it (an admin; an officer of its programme); else 404."""
    module = await _module(session, module_id)
    scope = access.programme_ids_scope(principal)
    if scope is not None and module.programme_id not in scope:
        raise _module_missing(module_id)
    return module


async def read_module(session: AsyncSession, principal: Principal,
                      module_id: uuid.UUID) -> TrainingModule:
    """The module, if the caller may read its plan: those who run it, and a person of its class
    (enrolled, not dropped); else 404."""
    if principal.role not in CLASS_ROLES:
        return await run_module(session, principal, module_id)
    module = await _module(session, module_id)
    if not await repository.in_class(session, module_id=module_id,
                                     readable=readable_conditions(principal)):
        raise _module_missing(module_id)
    return module


async def _session(session: AsyncSession, principal: Principal, session_id: uuid.UUID, *,
                   runs: bool, lock: bool = False) -> tuple[PlannedSession, TrainingModule]:
    """The planned session and its module, if the caller runs the module (``runs``) or reads
    its plan; else 404."""
    planned = await repository.get(session, session_id, lock=lock)
    missing = PlannedSessionNotFound(_("No planned session {session_id}.",
                                       session_id=session_id))
    if planned is None:
        raise missing
    check = run_module if runs else read_module
    try:
        module = await check(session, principal, planned.module_id)
    except TrainingModuleNotFound as exc:
        raise missing from exc
    return planned, module


def _not_past(day: date, today: date) -> None:
    if day < today:
        raise InvalidDates.of("session_date", _("must not be in the past (today is {today})",
                                                today=today))


def _already(module_id: uuid.UUID, day: date) -> SessionAlreadyPlanned:
    return SessionAlreadyPlanned(_(
        "Training module {module_id} already has a session planned on {day}; reschedule or "
        "cancel that one.", module_id=module_id, day=day))


# --- reminders -------------------------------------------------------------------------------


def _source(planned: PlannedSession, enrolment_id: uuid.UUID) -> uuid.UUID:
    """The thing a person's reminder is about: this version of the session, for them. A new
    version (rescheduled) is a new reminder, even where the old one was already sent."""
    return uuid.uuid5(planned.id, f"{enrolment_id}/{planned.version}")


def _params(planned: PlannedSession) -> dict[str, Any]:
    """What the reminder's text names: the day, and the start and place when planned. No
    name: a shared phone may be read by others."""
    params: dict[str, Any] = {"session_date": planned.session_date.isoformat()}
    if planned.start_time is not None:
        params["start_time"] = planned.start_time.strftime("%H:%M")
    if planned.place:
        params["place"] = planned.place
    return params


async def _remind(session: AsyncSession, module: TrainingModule, planned: PlannedSession,
                  enrolments: list[Enrolment]) -> None:
    for enrolment in enrolments:
        await notices.remind_before(
            session, kind=KIND, candidate_id=enrolment.candidate_id,
            programme_id=module.programme_id, source_id=_source(planned, enrolment.id),
            parent_id=planned.id, day=planned.session_date, params=_params(planned))


async def enrolled(session: AsyncSession, *, enrolment: Enrolment, today: date) -> None:
    """A person joined the module's class: remind them of its sessions still to come."""
    module = await _module(session, enrolment.module_id)
    for planned in await repository.upcoming(session, module_id=module.id, today=today):
        await _remind(session, module, planned, [enrolment])


async def dropped(session: AsyncSession, *, enrolment: Enrolment, today: date) -> None:
    """A person left the module: none of its sessions' reminders is sent to them."""
    for planned in await repository.upcoming(session, module_id=enrolment.module_id,
                                             today=today):
        await notices.cancel(session, kinds=(KIND,), reason="dropped",
                             source_id=_source(planned, enrolment.id))


# --- the plan --------------------------------------------------------------------------------


async def plan(session: AsyncSession, *, principal: Principal, module_id: uuid.UUID,
               data: PlannedSessionCreate, today: date) -> PlannedSession:
    """Plan a session of the module on a day to come (today at the earliest), one a day, and
    plan each person's reminder of it."""
    module = await run_module(session, principal, module_id)
    _not_past(data.session_date, today)
    if await repository.planned_on(session, module_id=module_id, day=data.session_date):
        raise _already(module_id, data.session_date)
    try:
        planned = await repository.add(session, PlannedSession(module_id=module_id,
                                                               **data.model_dump()))
    except IntegrityError as exc:
        # A concurrent plan of the same day committed between the check and the insert.
        raise _already(module_id, data.session_date) from exc
    await _remind(session, module, planned, await repository.class_of(session, module_id))
    return await read(session, planned.id)


async def read(session: AsyncSession, session_id: uuid.UUID) -> PlannedSession:
    """The session as stored now (with whether its register was recorded)."""
    planned = await repository.get(session, session_id)
    assert planned is not None  # read in the transaction that just wrote it
    return planned


async def get(session: AsyncSession, *, principal: Principal,
              session_id: uuid.UUID) -> PlannedSession:
    """One planned session, for those who run its module and its class."""
    planned, _module_row = await _session(session, principal, session_id, runs=False)
    return planned


async def of_module(session: AsyncSession, *, principal: Principal, module_id: uuid.UUID,
                    page: PageParams, status: str | None) -> list[PlannedSession]:
    """A page of the module's plan by date, for those who run it and its class."""
    await read_module(session, principal, module_id)
    return await repository.of_module(session, page, module_id=module_id, status=status)


async def reschedule(session: AsyncSession, *, principal: Principal, session_id: uuid.UUID,
                     data: PlannedSessionUpdate, expected_version: int | None,
                     today: date) -> PlannedSession:
    """Move a planned session (day, start, place) if the caller saw its current version; the
    new day today at the earliest, free in the module. Its class's pending reminders are
    cancelled and new ones planned."""
    planned, module = await _session(session, principal, session_id, runs=True, lock=True)
    PLANNED_SESSION.check("reschedule", planned.status)
    concurrency.ensure_version(expected_version, planned.version,
                               N_("The planned session changed since version {version}"
                                  "; read it again."))
    changes = data.changes(repository.SessionChanges)
    if not {k: v for k, v in changes.items() if getattr(planned, k) != v}:
        return planned  # nothing moves: the same version, the same reminders
    day = changes.get("session_date", planned.session_date)
    _not_past(day, today)
    if await repository.planned_on(session, module_id=module.id, day=day, other_than=planned.id):
        raise _already(module.id, day)
    try:
        updated = await repository.update(session, session_id, planned.version, changes)
    except IntegrityError as exc:
        raise _already(module.id, day) from exc
    assert updated is not None  # locked above, at the version read
    await notices.cancel(session, kinds=(KIND,), reason="rescheduled", parent_id=planned.id)
    await _remind(session, module, updated, await repository.class_of(session, module.id))
    return await read(session, session_id)


async def cancel(session: AsyncSession, *, principal: Principal,
                 session_id: uuid.UUID) -> PlannedSession:
    """Call a planned session off; its pending reminders are cancelled."""
    planned, _module_row = await _session(session, principal, session_id, runs=True, lock=True)
    status = PLANNED_SESSION.target("cancel", planned.status)
    await repository.update(session, session_id, None,
                            {"status": status, "cancelled_at": func.now()})
    await notices.cancel(session, kinds=(KIND,), reason="session_cancelled",
                         parent_id=planned.id)
    return await read(session, session_id)


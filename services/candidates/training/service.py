"""Training rules: module codes unique per programme, one enrolment per candidate and module,
the enrolment lifecycle (enrolled → completed | dropped), one attendance record per session,
completion only with enough attendance, and when a candidate's training counts as complete.

Enrolment, attendance and completion carry the days they happened (entered after the fact, an
operator gives them): never in the future, never before the enrolment.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_UP, Decimal

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates import service as candidate_service
from services.candidates.programmes import service as programme_service
from services.candidates.training import repository
from services.candidates.training.exceptions import (
    AlreadyEnrolled,
    AttendanceAlreadyRecorded,
    AttendanceInsufficient,
    EnrolmentNotFound,
    EnrolmentsDropped,
    InvalidDates,
    ModuleCodeTaken,
    TrainingConflict,
    TrainingModuleNotFound,
)
from services.candidates.training.models import Attendance, Enrolment, TrainingModule
from services.candidates.training.schemas import (
    AttendanceCreate,
    EnrolmentCreate,
    TrainingModuleCreate,
    TrainingModuleUpdate,
    TrainingSessionCreate,
)
from services.candidates.training.state import ATTENDANCE_ALLOWED_FROM, ENROLMENT
from shared import concurrency
from shared.errors import IllegalTransition
from shared.i18n import N_, _
from shared.pagination import PageParams

HOURS_PRECISION = Decimal("0.01")
# A module is completed only by those who attended at least this share of its hours: the
# threshold vocational and pre-departure courses commonly set for their certificate (80 %),
# which leaves room for a missed session or two but not for skipping the course.
MIN_ATTENDANCE_SHARE = Decimal("0.8")


def required_hours(module_hours: Decimal) -> Decimal:
    """The hours of presence that complete a module of ``module_hours`` (rounded up to the
    hundredth, so that the share is reached, never missed by a rounding)."""
    return (module_hours * MIN_ATTENDANCE_SHARE).quantize(HOURS_PRECISION, rounding=ROUND_UP)


def _happened(field: str, day: date, *, today: date, enrolled_on: date | None = None) -> None:
    """InvalidDates naming ``field`` when ``day`` is in the future or before the enrolment."""
    if day > today:
        raise InvalidDates.of(field, _("must not be in the future (today is {today})",
                                        today=today))
    if enrolled_on is not None and day < enrolled_on:
        raise InvalidDates.of(field, _("must not be before the enrolment ({enrolled_on})",
                                        enrolled_on=enrolled_on))


async def _ensure_candidate(session: AsyncSession, candidate_id: uuid.UUID) -> None:
    await candidate_service.ensure_exists(session, candidate_id=candidate_id)


# --- modules -------------------------------------------------------------------------------

async def create_module(session: AsyncSession, *, programme_id: uuid.UUID,
                        data: TrainingModuleCreate) -> TrainingModule:
    """Add a module to a programme's curriculum; its code must be new in the programme."""
    await programme_service.get(session, programme_id=programme_id)
    taken = ModuleCodeTaken(f"Programme {programme_id} already has a module '{data.code}'.")
    if await repository.module_code_exists(session, programme_id=programme_id, code=data.code):
        raise taken
    try:
        return await repository.add_module(
            session, TrainingModule(programme_id=programme_id, **data.model_dump()))
    except IntegrityError as exc:
        # A concurrent create with the same code committed between the check and the insert.
        raise taken from exc


async def get_module(session: AsyncSession, *, module_id: uuid.UUID) -> TrainingModule:
    """The module, or TrainingModuleNotFound."""
    module = await repository.get_module(session, module_id)
    if module is None:
        raise TrainingModuleNotFound(_("No training module {module_id}.", module_id=module_id))
    return module


async def update_module(session: AsyncSession, *, module_id: uuid.UUID,
                        data: TrainingModuleUpdate,
                        expected_version: int | None) -> TrainingModule:
    """Change the given fields if the caller saw the current version (else 412)."""
    current = await get_module(session, module_id=module_id)
    changes = data.changes(repository.ModuleChanges)
    new_code = changes.get("code")
    taken = ModuleCodeTaken(
        f"Programme {current.programme_id} already has a module '{new_code}'.")
    if new_code is not None and new_code != current.code and await repository.module_code_exists(
            session, programme_id=current.programme_id, code=new_code):
        raise taken
    try:
        updated = await repository.update_module_versioned(session, module_id,
                                                           expected_version, changes)
    except IntegrityError as exc:
        raise taken from exc
    if updated is None:
        raise concurrency.stale(N_("The training module changed since version {version}"
                                   "; read it again."),
                                expected=expected_version, current=current.version)
    return updated


async def list_modules(session: AsyncSession, *, programme_id: uuid.UUID,
                       page: PageParams) -> list[TrainingModule]:
    """A page of the programme's modules in curriculum order."""
    await programme_service.get(session, programme_id=programme_id)
    return await repository.list_modules(session, page, programme_id=programme_id)


# --- enrolments ----------------------------------------------------------------------------

async def enrol(session: AsyncSession, *, module_id: uuid.UUID, data: EnrolmentCreate,
                today: date) -> Enrolment:
    """Enrol an existing candidate in a module, once, on ``data.enrolled_on`` (default
    ``today``)."""
    enrolled_on = data.enrolled_on or today
    _happened("enrolled_on", enrolled_on, today=today)
    await get_module(session, module_id=module_id)
    await _ensure_candidate(session, data.candidate_id)
    already = AlreadyEnrolled(
        f"Candidate {data.candidate_id} is already enrolled in module {module_id}.")
    if await repository.enrolment_exists(session, module_id=module_id,
                                         candidate_id=data.candidate_id):
        raise already
    try:
        return await repository.add_enrolment(
            session, Enrolment(module_id=module_id, candidate_id=data.candidate_id,
                               enrolled_on=enrolled_on))
    except IntegrityError as exc:
        # The checks passed, so a concurrent request got in between: the same enrolment
        # committed first, or the candidate was erased. A 409 either way, never a 500.
        if repository.is_unique_violation(exc):
            raise already from exc
        raise TrainingConflict(_("The candidate or module changed while enrolling; "
                                 "read them again.")) from exc


async def get_enrolment(session: AsyncSession, *, enrolment_id: uuid.UUID,
                        lock: bool = False) -> Enrolment:
    """The enrolment, or EnrolmentNotFound."""
    enrolment = await repository.get_enrolment(session, enrolment_id, lock=lock)
    if enrolment is None:
        raise EnrolmentNotFound(_("No enrolment {enrolment_id}.", enrolment_id=enrolment_id))
    return enrolment


async def list_enrolments(session: AsyncSession, *, module_id: uuid.UUID, page: PageParams,
                          status: str | None) -> list[Enrolment]:
    """A page of the module's enrolments, optionally in one status."""
    await get_module(session, module_id=module_id)
    return await repository.list_enrolments(session, page, module_id=module_id, status=status)


async def _ensure_attended(session: AsyncSession, enrolment: Enrolment,
                           completed_on: date) -> None:
    """AttendanceInsufficient unless the candidate was present, by ``completed_on``, for at
    least the module's required share of its hours."""
    module = await get_module(session, module_id=enrolment.module_id)
    attended = (await repository.attended_hours(session, enrolment_id=enrolment.id,
                                                until=completed_on)).quantize(HOURS_PRECISION)
    required = required_hours(module.hours)
    if attended < required:
        raise AttendanceInsufficient(
            _("Module {code} is completed with at least {required} of its {hours} "
              "hours attended ({share:.0%}); the candidate attended {attended} "
              "by {completed_on}. Record their attendance first.",
              code=module.code, required=required, hours=module.hours,
              share=MIN_ATTENDANCE_SHARE, attended=attended,
              completed_on=completed_on),
            attended_hours=str(attended), required_hours=str(required),
            module_hours=str(module.hours))


async def _transition(session: AsyncSession, *, enrolment_id: uuid.UUID, action: str,
                      current: Enrolment | None = None,
                      values: repository.EnrolmentChanges | None = None) -> Enrolment:
    """Apply ``action`` with ``values``; a 404 for an unknown enrolment, an IllegalTransition
    from a state the lifecycle does not allow it from."""
    current = current or await get_enrolment(session, enrolment_id=enrolment_id)
    changes: repository.EnrolmentChanges = {
        "status": ENROLMENT.target(action, current.status), **(values or {})}
    # The UPDATE tests the status again: of two concurrent actions, only one succeeds.
    updated = await repository.transition_enrolment(session, enrolment_id,
                                                    from_status=current.status, changes=changes)
    if updated is None:
        current = await get_enrolment(session, enrolment_id=enrolment_id)
        raise IllegalTransition(action=action, current_state=current.status,
                                allowed_from=ENROLMENT.allowed_from(action))
    return updated


async def complete(session: AsyncSession, *, enrolment_id: uuid.UUID, today: date,
                   completed_on: date | None = None) -> Enrolment:
    """The candidate completed the module on ``completed_on`` (default ``today``; not in the
    future, not before the enrolment), having attended enough of it by then
    (:data:`MIN_ATTENDANCE_SHARE`); only from ``enrolled``."""
    current = await get_enrolment(session, enrolment_id=enrolment_id)
    ENROLMENT.check("complete", current.status)
    day = completed_on or today
    _happened("completed_on", day, today=today, enrolled_on=current.enrolled_on)
    await _ensure_attended(session, current, day)
    return await _transition(session, enrolment_id=enrolment_id, action="complete",
                             current=current,
                             values={"completed_at": func.now(), "completed_on": day})


async def drop(session: AsyncSession, *, enrolment_id: uuid.UUID) -> Enrolment:
    """The candidate left the module; only from ``enrolled``."""
    return await _transition(session, enrolment_id=enrolment_id, action="drop")


# --- attendance ----------------------------------------------------------------------------

async def record_attendance(session: AsyncSession, *, enrolment_id: uuid.UUID,
                            data: AttendanceCreate, today: date) -> Attendance:
    """Record presence at one session; once per session date, never on a dropped enrolment,
    never in the future or before the enrolment."""
    # Share-locked so a concurrent drop cannot slip in between this check and the insert.
    enrolment = await get_enrolment(session, enrolment_id=enrolment_id, lock=True)
    if enrolment.status not in ATTENDANCE_ALLOWED_FROM:
        raise IllegalTransition(action="record attendance", current_state=enrolment.status,
                                allowed_from=list(ATTENDANCE_ALLOWED_FROM))
    _happened("session_date", data.session_date, today=today,
              enrolled_on=enrolment.enrolled_on)
    already = AttendanceAlreadyRecorded(
        f"Attendance on {data.session_date} is already recorded for enrolment {enrolment_id}.")
    if await repository.attendance_exists(session, enrolment_id=enrolment_id,
                                          session_date=data.session_date):
        raise already
    try:
        return await repository.add_attendance(
            session, Attendance(enrolment_id=enrolment_id, **data.model_dump()))
    except IntegrityError as exc:
        raise already from exc


async def record_session(session: AsyncSession, *, module_id: uuid.UUID,
                         data: TrainingSessionCreate, today: date) -> list[Attendance]:
    """Record a session's register: one attendance record per enrolment it names, all or none.

    The same rules as :func:`record_attendance`, for every person at once: each enrolment must
    be in the module (EnrolmentNotFound naming those that are not), none dropped, the session
    not in the future nor before anyone's enrolment, nobody's attendance already recorded that
    day. The records in the register's order.
    """
    await get_module(session, module_id=module_id)
    _happened("session_date", data.session_date, today=today)
    wanted = data.attendance()
    ids = list(wanted)
    # Share-locked, as one record's enrolment is: a concurrent drop waits for this register.
    enrolments = {e.id: e for e in await repository.lock_module_enrolments(
        session, module_id=module_id, enrolment_ids=ids)}
    if missing := [str(i) for i in ids if i not in enrolments]:
        raise EnrolmentNotFound(
            _("No enrolment {missing} in training module {module_id}.",
              missing=', '.join(missing), module_id=module_id),
            enrolment_ids=missing)
    if dropped := [str(i) for i in ids if enrolments[i].status not in ATTENDANCE_ALLOWED_FROM]:
        raise EnrolmentsDropped(dropped, allowed_from=list(ATTENDANCE_ALLOWED_FROM))
    if later := [str(i) for i in ids if data.session_date < enrolments[i].enrolled_on]:
        raise InvalidDates(
            _("session_date must not be before the enrolment of {later}.", later=', '.join(later)),
            enrolment_ids=later, errors=[{"loc": ["body", "session_date"], "type": "invalid_date",
                                          "msg": _("must not be before the enrolment")}])
    if recorded := await repository.recorded_on(session, enrolment_ids=ids,
                                                session_date=data.session_date):
        named = [str(i) for i in recorded]
        raise AttendanceAlreadyRecorded(
            _("Attendance on {session_date} is already recorded for enrolment {enrolments}.",
              session_date=data.session_date, enrolments=", ".join(named)), enrolment_ids=named)
    try:
        rows = await repository.add_attendances(session, [
            Attendance(enrolment_id=i, session_date=data.session_date, present=present,
                       hours=hours) for i, (present, hours) in wanted.items()])
    except IntegrityError as exc:
        # A concurrent register or record of the same day committed first.
        raise AttendanceAlreadyRecorded(
            _("Attendance on {session_date} was recorded meanwhile for some of these "
              "enrolments; read the module's enrolments again.",
              session_date=data.session_date)) from exc
    by_enrolment = {row.enrolment_id: row for row in rows}
    return [by_enrolment[i] for i in ids]


# --- completion ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TrainingStatus:
    """Where a candidate stands in one programme's pre-departure training."""

    programme_id: uuid.UUID
    required_modules: int
    completed_required_modules: int
    missing_required_modules: list[str]
    hours_attended: Decimal
    training_required_before_departure: bool

    @property
    def complete(self) -> bool:
        """Every required module is completed (vacuously true when none is required)."""
        return not self.missing_required_modules

    @property
    def ready_for_departure(self) -> bool:
        """Whether training stands in the way of departure: only if the programme says so."""
        return not self.training_required_before_departure or self.complete


async def training_status(session: AsyncSession, *, candidate_id: uuid.UUID,
                          programme_id: uuid.UUID) -> TrainingStatus:
    """The candidate's training status in a programme; ``ready_for_departure`` answers
    "may this candidate depart, as far as training goes?".

    Raises ProgrammeNotFound for an unknown programme. A candidate with no enrolment simply
    has nothing completed.
    """
    programme = await programme_service.get(session, programme_id=programme_id)
    rows = await repository.module_progress(session, candidate_id=candidate_id,
                                            programme_id=programme_id)
    required = [row for row in rows if row.required]
    return TrainingStatus(
        programme_id=programme_id,
        required_modules=len(required),
        completed_required_modules=sum(1 for row in required if row.status == "completed"),
        missing_required_modules=[row.code for row in required if row.status != "completed"],
        # Quantised so the API always shows hours as "12.50", even when nothing was attended.
        hours_attended=sum((Decimal(row.hours_attended) for row in rows),
                           Decimal(0)).quantize(HOURS_PRECISION),
        training_required_before_departure=programme.training_required_before_departure,
    )


async def candidate_training(session: AsyncSession, *, candidate_id: uuid.UUID,
                             programme_id: uuid.UUID | None) -> list[TrainingStatus]:
    """The candidate's status in one programme, or in every programme they train in."""
    await _ensure_candidate(session, candidate_id)
    programme_ids = ([programme_id] if programme_id is not None
                     else await repository.enrolled_programme_ids(session, candidate_id))
    return [await training_status(session, candidate_id=candidate_id, programme_id=pid)
            for pid in programme_ids]

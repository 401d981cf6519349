"""HTTP routes of pre-departure training: modules, enrolments, attendance and status."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from services.candidates import access
from services.candidates.candidates import service as candidate_service
from services.candidates.database import AccessRecorderDep
from services.candidates.planned_sessions import service as planned_sessions
from services.candidates.programmes import service as programme_service
from services.candidates.programmes.exceptions import ProgrammeNotFound
from services.candidates.training import service
from services.candidates.training.exceptions import (
    AlreadyEnrolled,
    AttendanceAlreadyRecorded,
    AttendanceInsufficient,
    CandidateNotFound,
    EnrolmentNotFound,
    InvalidDates,
    ModuleCodeTaken,
    TrainingConflict,
    TrainingModuleNotFound,
)
from services.candidates.training.schemas import (
    AttendanceCreate,
    AttendanceOut,
    CandidateTrainingOut,
    CompleteBody,
    EnrolmentCreate,
    EnrolmentOut,
    EnrolmentStatus,
    ProgrammeTrainingStatus,
    TrainingModuleCreate,
    TrainingModuleOut,
    TrainingModuleUpdate,
    TrainingSessionCreate,
    TrainingSessionOut,
)
from shared.auth import AUTH_RESPONSES, SIGNED_IN, Principal, PrincipalDep
from shared.clock import NowDep, utc_date
from shared.concurrency import IfMatchRequired, expected_version
from shared.db import SessionDep
from shared.errors import IllegalTransition, InvalidCursor, PreconditionFailed, responses
from shared.i18n import _
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused, InvalidIdempotencyKey
from shared.pagination import Page, PageDep, PageParams, paging
from shared.responses import json_response, page_response

router = APIRouter(tags=["training"], responses=AUTH_RESPONSES)
# Every creating POST takes an Idempotency-Key, and can fail on it.
CREATE_ERRORS = (IdempotencyKeyReused, InvalidIdempotencyKey)
# Modules are listed in curriculum order, not creation order: their cursor is the
# (position, code) of the last module. Enrolments are listed by enrolled_at (their creation).
CURRICULUM_ORDER = ("position", "code")
ENROLMENT_ORDER = ("enrolled_at", "id")
ModulePageDep = Annotated[PageParams, Depends(paging(str, by=(int,)))]


async def _ensure_module_in_scope(session: AsyncSession, principal: Principal,
                                  module_id: uuid.UUID) -> None:
    """TrainingModuleNotFound when an officer reaches for a module of another programme."""
    if (scope := access.programme_ids_scope(principal)) is not None:
        module = await service.get_module(session, module_id=module_id)
        if module.programme_id not in scope:
            raise TrainingModuleNotFound(_("No training module {module_id}.", module_id=module_id))


async def _ensure_enrolment_in_scope(session: AsyncSession, principal: Principal,
                                     enrolment_id: uuid.UUID) -> None:
    """EnrolmentNotFound when an officer reaches for an enrolment of another programme."""
    if access.programme_ids_scope(principal) is not None:
        enrolment = await service.get_enrolment(session, enrolment_id=enrolment_id)
        try:
            await _ensure_module_in_scope(session, principal, enrolment.module_id)
        except TrainingModuleNotFound as exc:
            raise EnrolmentNotFound(_("No enrolment {enrolment_id}.",
                                      enrolment_id=enrolment_id)) from exc


# --- modules -------------------------------------------------------------------------------

@router.post("/v1/programmes/{programme_id}/training-modules", status_code=201,
             response_model=TrainingModuleOut, dependencies=[access.STAFF],
             responses=responses(ProgrammeNotFound, ModuleCodeTaken, *CREATE_ERRORS))
async def create_training_module(programme_id: uuid.UUID, data: TrainingModuleCreate,
                                 session: SessionDep, principal: PrincipalDep,
                                 idempotency: IdempotencyDep) -> Response:
    """Add a module to a programme's pre-departure curriculum; codes are unique per programme."""
    programme_service.ensure_in_scope(principal, programme_id)

    async def produce() -> Response:
        module = await service.create_module(session, programme_id=programme_id, data=data)
        return json_response(TrainingModuleOut.model_validate(module), status_code=201,
                             version=module.version,
                             location=f"/v1/training-modules/{module.id}")

    return await idempotency.run(data, produce)


@router.get("/v1/programmes/{programme_id}/training-modules",
            response_model=Page[TrainingModuleOut], dependencies=[SIGNED_IN],
            responses=responses(ProgrammeNotFound, InvalidCursor))
async def list_training_modules(programme_id: uuid.UUID, session: SessionDep,
                                 page: ModulePageDep) -> Response:
    """The programme's curriculum in order: by position, then code. Open to every role."""
    modules = await service.list_modules(session, programme_id=programme_id, page=page)
    return page_response(TrainingModuleOut, modules, page, columns=CURRICULUM_ORDER)


@router.get("/v1/training-modules/{module_id}", response_model=TrainingModuleOut,
            dependencies=[SIGNED_IN], responses=responses(TrainingModuleNotFound))
async def get_training_module(module_id: uuid.UUID, session: SessionDep) -> Response:
    """One training module, with its ETag for a later PATCH."""
    module = await service.get_module(session, module_id=module_id)
    return json_response(TrainingModuleOut.model_validate(module), version=module.version)


@router.patch("/v1/training-modules/{module_id}", response_model=TrainingModuleOut,
              dependencies=[access.STAFF],
              responses=responses(TrainingModuleNotFound, ModuleCodeTaken, PreconditionFailed))
async def update_training_module(module_id: uuid.UUID, data: TrainingModuleUpdate,
                                 session: SessionDep, principal: PrincipalDep,
                                 if_match: IfMatchRequired) -> Response:
    """Change some fields of a module; send ``If-Match`` with its ETag to avoid lost updates."""
    await _ensure_module_in_scope(session, principal, module_id)
    module = await service.update_module(session, module_id=module_id, data=data,
                                         expected_version=expected_version(if_match))
    return json_response(TrainingModuleOut.model_validate(module), version=module.version)


# --- enrolments ----------------------------------------------------------------------------

@router.post("/v1/training-modules/{module_id}/enrolments", status_code=201,
             response_model=EnrolmentOut, dependencies=[access.STAFF],
             responses=responses(TrainingModuleNotFound, CandidateNotFound, AlreadyEnrolled,
                                 TrainingConflict, InvalidDates, *CREATE_ERRORS))
async def enrol_candidate(module_id: uuid.UUID, data: EnrolmentCreate, session: SessionDep,
                          principal: PrincipalDep, idempotency: IdempotencyDep,
                          now: NowDep, recorder: AccessRecorderDep) -> Response:
    """Enrol a candidate in a module; a candidate is enrolled in a module at most once.

    ``enrolled_on`` is the day they began (default today, never in the future): attendance and
    completion cannot be dated before it.

    An officer enrols, in a module of their programme, the people of that programme (applied,
    nominated or registered there); anybody else is a 404, as if missing.
    """
    await _ensure_module_in_scope(session, principal, module_id)
    if access.programme_ids_scope(principal) is not None:
        module = await service.get_module(session, module_id=module_id)
        principal = access.within_programme(principal, module.programme_id)
    await candidate_service.ensure_visible(session, principal=principal,
                                           candidate_id=data.candidate_id)

    async def produce() -> Response:
        enrolment = await service.enrol(session, module_id=module_id, data=data,
                                        today=utc_date(now))
        # Reminded of the module's sessions still to come, in this transaction.
        await planned_sessions.enrolled(session, enrolment=enrolment, today=utc_date(now))
        recorder.change(enrolment.candidate_id, "enrolment", enrolment.id)
        return json_response(EnrolmentOut.model_validate(enrolment), status_code=201)

    return await idempotency.run(data, produce)


@router.get("/v1/training-modules/{module_id}/enrolments", response_model=Page[EnrolmentOut],
            dependencies=[access.STAFF], responses=responses(TrainingModuleNotFound, InvalidCursor))
async def list_enrolments(
    module_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    recorder: AccessRecorderDep,
    status: Annotated[EnrolmentStatus | None, Query()] = None,
) -> Response:
    """The module's enrolments, earliest first, optionally in one status."""
    await _ensure_module_in_scope(session, principal, module_id)
    enrolments = await service.list_enrolments(session, module_id=module_id, page=page,
                                               status=status)
    recorder.read([e.candidate_id for e in enrolments[:page.limit]], "enrolment")
    return page_response(EnrolmentOut, enrolments, page, columns=ENROLMENT_ORDER)


@router.post("/v1/enrolments/{enrolment_id}/complete", response_model=EnrolmentOut,
             dependencies=[access.STAFF],
             responses=responses(EnrolmentNotFound, IllegalTransition, InvalidDates,
                                 AttendanceInsufficient))
async def complete_enrolment(enrolment_id: uuid.UUID, session: SessionDep,
                             principal: PrincipalDep, now: NowDep,
                             recorder: AccessRecorderDep,
                             data: CompleteBody | None = None) -> Response:
    """Mark the module completed by the candidate; only from ``enrolled``.

    The body is optional: ``completed_on`` defaults to today (not in the future, not before
    the enrolment). The candidate must have been present, by that day, for at least 80 % of
    the module's hours; otherwise a 422 ``attendance-insufficient`` names ``attended_hours``
    and ``required_hours``.
    """
    await _ensure_enrolment_in_scope(session, principal, enrolment_id)
    enrolment = await service.complete(session, enrolment_id=enrolment_id, today=utc_date(now),
                                       completed_on=data.completed_on if data else None)
    recorder.change(enrolment.candidate_id, "enrolment", enrolment_id)
    return json_response(EnrolmentOut.model_validate(enrolment))


@router.post("/v1/enrolments/{enrolment_id}/drop", response_model=EnrolmentOut,
             dependencies=[access.STAFF], responses=responses(EnrolmentNotFound, IllegalTransition))
async def drop_enrolment(enrolment_id: uuid.UUID, session: SessionDep,
                         principal: PrincipalDep, recorder: AccessRecorderDep,
                         now: NowDep) -> Response:
    """Record that the candidate left the module; only from ``enrolled``. Their reminders of
    the module's planned sessions are cancelled."""
    await _ensure_enrolment_in_scope(session, principal, enrolment_id)
    enrolment = await service.drop(session, enrolment_id=enrolment_id)
    await planned_sessions.dropped(session, enrolment=enrolment, today=utc_date(now))
    recorder.change(enrolment.candidate_id, "enrolment", enrolment_id)
    return json_response(EnrolmentOut.model_validate(enrolment))


# --- attendance ----------------------------------------------------------------------------

@router.post("/v1/enrolments/{enrolment_id}/attendance", status_code=201,
             response_model=AttendanceOut, dependencies=[access.STAFF],
             responses=responses(EnrolmentNotFound, IllegalTransition,
                                 AttendanceAlreadyRecorded, InvalidDates, *CREATE_ERRORS))
async def record_attendance(enrolment_id: uuid.UUID, data: AttendanceCreate,
                            session: SessionDep, principal: PrincipalDep,
                            idempotency: IdempotencyDep, now: NowDep) -> Response:
    """Record presence at one session; one record per session date, none once dropped, none
    in the future or before the enrolment."""
    await _ensure_enrolment_in_scope(session, principal, enrolment_id)

    async def produce() -> Response:
        attendance = await service.record_attendance(session, enrolment_id=enrolment_id,
                                                     data=data, today=utc_date(now))
        return json_response(AttendanceOut.model_validate(attendance), status_code=201)

    return await idempotency.run(data, produce)


@router.post("/v1/training-modules/{module_id}/sessions", status_code=201,
             response_model=TrainingSessionOut, dependencies=[access.STAFF],
             responses=responses(TrainingModuleNotFound, EnrolmentNotFound, IllegalTransition,
                                 AttendanceAlreadyRecorded, InvalidDates, *CREATE_ERRORS))
async def record_session(module_id: uuid.UUID, data: TrainingSessionCreate,
                         session: SessionDep, principal: PrincipalDep,
                         idempotency: IdempotencyDep, now: NowDep) -> Response:
    """Record one session of the module for the whole class at once: the trainer's register.

    ``attendees`` were present for the session's ``hours`` (or, as ``{enrolment_id, hours}``,
    for their own); ``absent`` were not. One attendance record per enrolment, all or none, with
    the rules of a single record for each: every enrolment in this module (another one, or one
    the caller may not read, is a 404 ``enrolment-not-found`` naming it in ``enrolment_ids``),
    none dropped (409 ``illegal-transition``), the session not in the future and not before
    anyone's enrolment (422 ``invalid-dates``), nobody's attendance already recorded that day
    (409 ``attendance-already-recorded``). At most 500 enrolments per register (422 naming
    ``attendees``): a larger class sends it in parts.
    """
    await _ensure_module_in_scope(session, principal, module_id)

    async def produce() -> Response:
        records = await service.record_session(session, module_id=module_id, data=data,
                                               today=utc_date(now))
        present = sum(1 for record in records if record.present)
        return json_response(TrainingSessionOut(
            module_id=module_id, session_date=data.session_date,
            hours=data.hours.quantize(service.HOURS_PRECISION),
            present=present, absent=len(records) - present,
            attendance=[AttendanceOut.model_validate(r) for r in records]), status_code=201)

    return await idempotency.run(data, produce)


# --- status --------------------------------------------------------------------------------

@router.get("/v1/candidates/{candidate_id}/training", response_model=CandidateTrainingOut,
            dependencies=[access.READS_PEOPLE],
            responses=responses(CandidateNotFound, ProgrammeNotFound))
async def candidate_training(
    candidate_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    recorder: AccessRecorderDep,
    programme_id: Annotated[uuid.UUID | None, Query(
        description="Only this programme; without it, every programme the candidate is "
        "enrolled in.")] = None,
) -> Response:
    """The candidate's training status per programme, and whether it allows departure.

    Not paginated: one entry per programme the candidate trains in, a handful at most.
    """
    await candidate_service.ensure_visible(session, principal=principal, candidate_id=candidate_id)
    recorder.read(candidate_id, "training", candidate_id)
    if programme_id is not None:
        programme_service.ensure_in_scope(principal, programme_id)
    statuses = await service.candidate_training(session, candidate_id=candidate_id,
                                                programme_id=programme_id)
    if (scope := access.programme_ids_scope(principal)) is not None:
        # An officer sees the candidate's training in their own programmes only.
        statuses = [s for s in statuses if s.programme_id in scope]
    return json_response(CandidateTrainingOut(
        candidate_id=candidate_id,
        programmes=[ProgrammeTrainingStatus.model_validate(s) for s in statuses]))

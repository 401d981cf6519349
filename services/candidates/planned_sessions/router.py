"""HTTP routes of planned training sessions: plan, read, reschedule, cancel."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from services.candidates.planned_sessions import service
from services.candidates.planned_sessions.exceptions import (
    PlannedSessionNotFound,
    SessionAlreadyPlanned,
)
from services.candidates.planned_sessions.models import PlannedSession
from services.candidates.planned_sessions.schemas import (
    PlannedSessionCreate,
    PlannedSessionOut,
    PlannedSessionUpdate,
    SessionStatus,
)
from services.candidates.training.exceptions import InvalidDates, TrainingModuleNotFound
from shared.auth import AUTH_RESPONSES, PrincipalDep, require_roles
from shared.clock import NowDep, utc_date
from shared.concurrency import IfMatchRequired, expected_version
from shared.db import SessionDep
from shared.errors import IllegalTransition, InvalidCursor, PreconditionFailed, responses
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused, InvalidIdempotencyKey
from shared.pagination import Page, PageParams, paging
from shared.responses import json_response, page_response

router = APIRouter(tags=["training"], responses=AUTH_RESPONSES)
# Those who run a module plan its sessions; its class reads them too.
RUNS = Depends(require_roles("admin", "officer"))
READS = Depends(require_roles("admin", "officer", "candidate"))
# The plan in date order: the cursor is the (session_date, id) of the last session.
PLAN_ORDER = ("session_date", "id")
PlanPageDep = Annotated[PageParams, Depends(paging(uuid.UUID, by=(date,)))]


def _answer(planned: PlannedSession, status_code: int = 200) -> Response:
    location = f"/v1/planned-sessions/{planned.id}" if status_code == 201 else None
    return json_response(PlannedSessionOut.model_validate(planned), status_code=status_code,
                         version=planned.version, location=location)


@router.post("/v1/training-modules/{module_id}/planned-sessions", status_code=201,
             response_model=PlannedSessionOut, dependencies=[RUNS],
             responses=responses(TrainingModuleNotFound, SessionAlreadyPlanned, InvalidDates,
                                 IdempotencyKeyReused, InvalidIdempotencyKey))
async def plan_session(module_id: uuid.UUID, data: PlannedSessionCreate, session: SessionDep,
                       principal: PrincipalDep, idempotency: IdempotencyDep,
                       now: NowDep) -> Response:
    """Plan a session of the module: its day (today or later), and when known its start (local
    time at the place) and place.

    One session a day per module (409 ``session-already-planned``), as there is one register a
    day: the session's register is recorded later with ``POST
    /v1/training-modules/{id}/sessions`` and its ``session_date``. Each person enrolled (not
    dropped) is reminded of it (``training.session_upcoming``, at the programme's offset
    before the day), and so is anyone enrolled later. Admins and officers of the module's
    programme plan; a module of another programme is a 404.
    """

    async def produce() -> Response:
        planned = await service.plan(session, principal=principal, module_id=module_id,
                                     data=data, today=utc_date(now))
        return _answer(planned, 201)

    return await idempotency.run(data, produce)


@router.get("/v1/training-modules/{module_id}/planned-sessions",
            response_model=Page[PlannedSessionOut], dependencies=[READS],
            responses=responses(TrainingModuleNotFound, InvalidCursor))
async def list_planned_sessions(
    module_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    page: PlanPageDep,
    status: Annotated[SessionStatus | None, Query()] = None,
) -> Response:
    """The module's planned sessions by date, cancelled ones included unless ``status`` asks
    for one status; ``recorded`` says whether the register of that day was taken.

    For the staff who run the module and the people enrolled in it (not dropped); to anyone
    else the module is a 404.
    """
    rows = await service.of_module(session, principal=principal, module_id=module_id,
                                   page=page, status=status)
    return page_response(PlannedSessionOut, rows, page, columns=PLAN_ORDER)


@router.get("/v1/planned-sessions/{planned_session_id}", response_model=PlannedSessionOut,
            dependencies=[READS], responses=responses(PlannedSessionNotFound))
async def get_planned_session(planned_session_id: uuid.UUID, session: SessionDep,
                              principal: PrincipalDep) -> Response:
    """One planned session, with its ETag for a later PATCH; for the staff who run its module
    and the people enrolled in it."""
    return _answer(await service.get(session, principal=principal,
                                     session_id=planned_session_id))


@router.patch("/v1/planned-sessions/{planned_session_id}", response_model=PlannedSessionOut,
              dependencies=[RUNS],
              responses=responses(PlannedSessionNotFound, IllegalTransition, InvalidDates,
                                  SessionAlreadyPlanned, PreconditionFailed))
async def reschedule_planned_session(planned_session_id: uuid.UUID,
                                     data: PlannedSessionUpdate, session: SessionDep,
                                     principal: PrincipalDep, if_match: IfMatchRequired,
                                     now: NowDep) -> Response:
    """Reschedule a planned session: a new day (today or later, free in the module), start or
    place (``null`` clears them); send ``If-Match`` with its ETag.

    The pending reminders of the session are cancelled (``rescheduled``) and each person of
    the class is reminded of the new day, start and place, even one already reminded of the
    old. A cancelled session cannot be rescheduled (409 ``illegal-transition``): plan a new one.
    """
    planned = await service.reschedule(session, principal=principal,
                                       session_id=planned_session_id, data=data,
                                       expected_version=expected_version(if_match),
                                       today=utc_date(now))
    return _answer(planned)


@router.post("/v1/planned-sessions/{planned_session_id}/cancel",
             response_model=PlannedSessionOut, dependencies=[RUNS],
             responses=responses(PlannedSessionNotFound, IllegalTransition))
async def cancel_planned_session(planned_session_id: uuid.UUID, session: SessionDep,
                                 principal: PrincipalDep) -> Response:
    """Call a planned session off; only from ``planned``. Its pending reminders are cancelled
    (``session_cancelled``); the day is free to plan again."""
    return _answer(await service.cancel(session, principal=principal,
                                        session_id=planned_session_id))

"""HTTP routes of mentors, check-ins, alerts and evaluations.

Registered before the placements router: ``/v1/placements/alerts`` must not be taken for a
placement id.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from services.placements.database import AccessRecorderDep
from services.placements.monitoring import service
from services.placements.monitoring.exceptions import (
    AlertAcknowledged,
    AlertNotFound,
    EvaluationExists,
    EvaluationNotFound,
    InvalidCheck,
    MentorNotFound,
    PlacementStateConflict,
)
from services.placements.monitoring.schemas import (
    AlertOut,
    CheckInCreate,
    CheckInOut,
    EvaluationCreate,
    EvaluationOut,
    MentorCreate,
    MentorList,
    MentorOut,
    Severity,
)
from services.placements.placements import service as placement_service
from services.placements.placements.exceptions import InvalidDates, PlacementNotFound
from shared.auth import Forbidden, Principal, PrincipalDep
from shared.db import SessionDep
from shared.errors import InvalidCursor, responses
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused, InvalidIdempotencyKey
from shared.pagination import Page, PageDep
from shared.responses import json_response, page_response

router = APIRouter(prefix="/v1/placements", tags=["monitoring"])
READ_ERRORS = (PlacementNotFound, Forbidden)
CREATE_ERRORS = (*READ_ERRORS, PlacementStateConflict, IdempotencyKeyReused,
                 InvalidIdempotencyKey)


async def _person(session: AsyncSession, principal: Principal,
                  placement_id: uuid.UUID) -> uuid.UUID:
    """Whose placement it is, for the access record (the route has already authorised it)."""
    placement = await placement_service.get(session, principal=principal,
                                            placement_id=placement_id)
    return placement.candidate_id


@router.get("/alerts", response_model=Page[AlertOut],
            responses=responses(InvalidCursor, Forbidden))
async def list_alerts(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    programme_id: Annotated[uuid.UUID | None, Query()] = None,
    placement_id: Annotated[uuid.UUID | None, Query()] = None,
    acknowledged: Annotated[bool | None, Query(
        description="false: the alerts still to handle.")] = None,
    severity: Annotated[Severity | None, Query()] = None,
) -> Response:
    """Alerts raised by high and critical incidents and by the deviations wage and housing
    checks found, oldest first (officers: their programmes'), filtered by programme,
    placement, acknowledgement or severity."""
    rows = await service.alerts(session, principal=principal, page=page,
                                programme_id=programme_id, placement_id=placement_id,
                                acknowledged=acknowledged, severity=severity)
    return page_response(AlertOut, rows, page)


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertOut,
             responses=responses(AlertNotFound, AlertAcknowledged, Forbidden))
async def acknowledge_alert(alert_id: uuid.UUID, session: SessionDep,
                            principal: PrincipalDep) -> Response:
    """An officer of the programme takes the alert in hand (once)."""
    alert = await service.acknowledge(session, principal=principal, alert_id=alert_id)
    return json_response(AlertOut.model_validate(alert))


@router.post("/{placement_id}/mentors", status_code=201, response_model=MentorOut,
             responses=responses(*CREATE_ERRORS))
async def name_mentor(placement_id: uuid.UUID, data: MentorCreate, session: SessionDep,
                      principal: PrincipalDep, idempotency: IdempotencyDep) -> Response:
    """Name a mentor for the trainee (the employer, officers, admins), until the placement
    is over."""

    async def produce() -> Response:
        mentor = await service.name_mentor(session, principal=principal,
                                           placement_id=placement_id, data=data)
        return json_response(MentorOut.model_validate(mentor), status_code=201)

    return await idempotency.run(data, produce)


@router.get("/{placement_id}/mentors", response_model=MentorList,
            responses=responses(*READ_ERRORS))
async def list_mentors(placement_id: uuid.UUID, session: SessionDep,
                       principal: PrincipalDep) -> Response:
    """The placement's mentors (the parties and officers; not ministries)."""
    rows = await service.mentors(session, principal=principal, placement_id=placement_id)
    return json_response(MentorList(items=[MentorOut.model_validate(m) for m in rows]))


@router.delete("/{placement_id}/mentors/{mentor_id}", status_code=204,
               responses=responses(*READ_ERRORS, MentorNotFound))
async def remove_mentor(placement_id: uuid.UUID, mentor_id: uuid.UUID, session: SessionDep,
                        principal: PrincipalDep) -> Response:
    """Remove a mentor from the placement (the employer, officers, admins)."""
    await service.remove_mentor(session, principal=principal, placement_id=placement_id,
                                mentor_id=mentor_id)
    return Response(status_code=204)


@router.post("/{placement_id}/check-ins", status_code=201, response_model=CheckInOut,
             responses=responses(*CREATE_ERRORS, InvalidDates, InvalidCheck))
async def record_check_in(placement_id: uuid.UUID, data: CheckInCreate, session: SessionDep,
                          principal: PrincipalDep, idempotency: IdempotencyDep,
                          recorder: AccessRecorderDep) -> Response:
    """Record how the trainee is doing, only while the placement is active (the employer,
    officers, admins, and the trainee on their own placement), maybe with a month's pay
    (``wage_check``: against the agreed pay, by default the vacancy's monthly stipend) and the
    dwelling (``housing_check``). Each high or critical incident, and each deviation the checks
    find (``wage_shortfall``, ``excessive_deductions``, ``fee_deducted``,
    ``overcrowded_housing``), raises an alert to the programme's officers and publishes
    ``placement.incident_reported``. A period outside the stay is 422 ``invalid-dates``, a pay
    that cannot be compared (no agreed amount, another currency) 422 ``invalid-check``."""

    async def produce() -> Response:
        check_in = await service.record_check_in(session, principal=principal,
                                                 placement_id=placement_id, data=data)
        recorder.change(await _person(session, principal, placement_id), "check_in",
                        check_in.id)
        return json_response(CheckInOut.model_validate(check_in), status_code=201)

    return await idempotency.run(data, produce)


@router.get("/{placement_id}/check-ins", response_model=Page[CheckInOut],
            responses=responses(*READ_ERRORS, InvalidCursor))
async def list_check_ins(placement_id: uuid.UUID, session: SessionDep,
                         principal: PrincipalDep, page: PageDep,
                         recorder: AccessRecorderDep) -> Response:
    """The placement's check-ins, oldest first, with their wage and housing checks and what
    they found (officers, admins, services; the employer all but those the trainee reported;
    the trainee only those)."""
    rows = await service.check_ins(session, principal=principal, placement_id=placement_id,
                                   page=page)
    recorder.read(await _person(session, principal, placement_id), "check_in", placement_id)
    return page_response(CheckInOut, rows, page)


@router.post("/{placement_id}/evaluation", status_code=201, response_model=EvaluationOut,
             responses=responses(*CREATE_ERRORS, EvaluationExists))
async def evaluate(placement_id: uuid.UUID, data: EvaluationCreate, session: SessionDep,
                   principal: PrincipalDep, idempotency: IdempotencyDep,
                   recorder: AccessRecorderDep) -> Response:
    """The employer's final evaluation of the trainee: once, after the placement completed or
    ended early."""

    async def produce() -> Response:
        evaluation = await service.evaluate(session, principal=principal,
                                            placement_id=placement_id, data=data)
        recorder.change(await _person(session, principal, placement_id), "evaluation",
                        evaluation.id)
        return json_response(EvaluationOut.model_validate(evaluation), status_code=201,
                             location=f"/v1/placements/{placement_id}/evaluation")

    return await idempotency.run(data, produce)


@router.get("/{placement_id}/evaluation", response_model=EvaluationOut,
            responses=responses(*READ_ERRORS, EvaluationNotFound))
async def get_evaluation(placement_id: uuid.UUID, session: SessionDep,
                         principal: PrincipalDep, recorder: AccessRecorderDep) -> Response:
    """The employer's evaluation of the placement, once given."""
    evaluation = await service.get_evaluation(session, principal=principal,
                                              placement_id=placement_id)
    recorder.read(await _person(session, principal, placement_id), "evaluation", evaluation.id)
    return json_response(EvaluationOut.model_validate(evaluation))

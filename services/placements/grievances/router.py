"""HTTP routes of grievances: file, read, list, history, the actions, and the statistics."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.placements.database import AccessRecorderDep
from services.placements.employers.exceptions import ProgrammeNotFound
from services.placements.erasure.exceptions import CandidateErased
from services.placements.grievances import service
from services.placements.grievances.exceptions import (
    GrievanceLevelConflict,
    GrievanceNotFound,
    HistoricalEntryForbidden,
    SatisfactionGiven,
)
from services.placements.grievances.models import Grievance
from services.placements.grievances.schemas import (
    AssignBody,
    Category,
    GrievanceCreate,
    GrievanceHistory,
    GrievanceOut,
    GrievanceStatistics,
    Level,
    ResolveBody,
    RespondBody,
    SatisfactionBody,
    Severity,
    Status,
)
from services.placements.monitoring.exceptions import PlacementStateConflict
from services.placements.placements.exceptions import InvalidDates, PlacementNotFound
from shared.access_record import AccessRecorder
from shared.auth import AUTH_RESPONSES, Forbidden, Principal, PrincipalDep
from shared.clock import NowDep
from shared.concurrency import IfMatchHeader, expected_version
from shared.db import SessionDep
from shared.errors import IllegalTransition, InvalidCursor, PreconditionFailed, responses
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused, InvalidIdempotencyKey
from shared.pagination import Page, PageDep, page_of
from shared.responses import json_response

router = APIRouter(prefix="/v1/grievances", tags=["grievances"], responses=AUTH_RESPONSES)
ACTION_ERRORS = (GrievanceNotFound, Forbidden, PreconditionFailed, IllegalTransition)


def _out(principal: Principal, grievance: Grievance, *, status_code: int = 200) -> Response:
    """The grievance as the caller may see it, with its ETag (and Location when created)."""
    return json_response(service.visible(principal, grievance), status_code=status_code,
                         version=grievance.version,
                         location=(f"{router.prefix}/{grievance.id}" if status_code == 201
                                   else None))


def _changed(recorder: AccessRecorder, principal: Principal, grievance: Grievance) -> Response:
    """The grievance after an action on it, recorded as a change of its worker's data."""
    recorder.change(grievance.candidate_id, "grievance", grievance.id)
    return _out(principal, grievance)


@router.post("", status_code=201, response_model=GrievanceOut,
             responses=responses(PlacementNotFound, Forbidden, HistoricalEntryForbidden,
                                 PlacementStateConflict, InvalidDates, CandidateErased,
                                 IdempotencyKeyReused, InvalidIdempotencyKey))
async def file_grievance(data: GrievanceCreate, session: SessionDep, principal: PrincipalDep,
                         idempotency: IdempotencyDep, recorder: AccessRecorderDep,
                         now: NowDep) -> Response:
    """File a grievance about a placement: its worker (their own placement; another's is a
    404 and nothing is stored), an officer of its programme or an admin on the worker's
    behalf, or the placement's employer (a mentor on the worker's behalf: the employer then
    knows whose it is). Only once the worker accepted the placement, during and after the
    stay (409 ``placement-state`` otherwise).

    It is handled first by the programme's officers, or by the employer if
    ``handled_first_by`` says so, and must be resolved within the deadline of its severity
    (critical 2 days, high 5, medium 10, low 20); past it, it escalates to the programme, then
    to the ministry's statistics. Unless ``share_identity_with_employer``, the employer never
    sees whose it is. Publishes ``grievance.filed`` (codes only)."""

    async def produce() -> Response:
        grievance = await service.file(session, principal=principal, data=data, now=now)
        recorder.change(grievance.candidate_id, "grievance", grievance.id)
        return _out(principal, grievance, status_code=201)

    return await idempotency.run(data, produce)


@router.get("", response_model=Page[GrievanceOut], responses=responses(InvalidCursor, Forbidden))
async def list_grievances(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    recorder: AccessRecorderDep,
    programme_id: Annotated[uuid.UUID | None, Query()] = None,
    placement_id: Annotated[uuid.UUID | None, Query(description=(
        "For an employer, only the grievances whose worker shared who they are."))] = None,
    status: Annotated[Status | None, Query()] = None,
    level: Annotated[Level | None, Query()] = None,
    category: Annotated[Category | None, Query()] = None,
    severity: Annotated[Severity | None, Query()] = None,
) -> Response:
    """The grievances the caller may see, oldest first: a worker their own, officers their
    programmes', an employer those about itself (without whose they are, unless shared). A
    ministry reads the statistics only (403 here)."""
    rows = await service.list_page(session, principal=principal, page=page, filters={
        "programme_id": programme_id, "placement_id": placement_id, "status": status,
        "level": level, "category": category, "severity": severity})
    items, next_cursor = page_of(rows, page)
    for grievance in items:
        recorder.read(grievance.candidate_id, "grievance", grievance.id)
    return json_response(Page[GrievanceOut](
        items=[service.visible(principal, g) for g in items], next_cursor=next_cursor))


@router.get("/statistics", response_model=GrievanceStatistics,
            responses=responses(ProgrammeNotFound, Forbidden))
async def grievance_statistics(
        session: SessionDep, principal: PrincipalDep, now: NowDep,
        programme_id: Annotated[uuid.UUID, Query(description="The programme.")]) -> Response:
    """A programme's grievances counted: by category, severity, status and outcome, the
    unresolved by level (those at the ministry's: escalated past the programme's deadline),
    the overdue, the mean days from filing to resolution and the workers' mean satisfaction.

    Admins, services, the programme's officers and its ministry (statistics grant); a
    ministry reads them under disclosure control: a count of 1 to 4 grievances is null, and so
    is every figure the others would give away by the documented sums (the total included)
    and a mean over a withheld count (`suppressed_cells`, `small_cell_threshold`)."""
    return json_response(await service.statistics(session, principal=principal,
                                                  programme_id=programme_id, now=now))


@router.get("/{grievance_id}", response_model=GrievanceOut,
            responses=responses(GrievanceNotFound, Forbidden))
async def get_grievance(grievance_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                        recorder: AccessRecorderDep) -> Response:
    """One grievance, with its ETag to send as ``If-Match`` on the next action. An employer
    the worker did not tell sees no placement, person, filer or satisfaction."""
    grievance = await service.get(session, principal=principal, grievance_id=grievance_id)
    recorder.read(grievance.candidate_id, "grievance", grievance_id)
    return _out(principal, grievance)


@router.get("/{grievance_id}/history", response_model=GrievanceHistory,
            responses=responses(GrievanceNotFound, Forbidden))
async def grievance_history(grievance_id: uuid.UUID, session: SessionDep,
                            principal: PrincipalDep, recorder: AccessRecorderDep) -> Response:
    """The grievance's steps, oldest first: filed, assigned, responses (with their words),
    escalations, resolution, satisfaction; who acted and at which level. An employer the
    worker did not tell sees of the others' steps neither who acted nor their words."""
    grievance, steps = await service.history(session, principal=principal,
                                             grievance_id=grievance_id)
    recorder.read(grievance.candidate_id, "grievance_history", grievance_id)
    return json_response(GrievanceHistory(
        items=[service.visible_step(principal, grievance, step) for step in steps]))


@router.post("/{grievance_id}/respond", response_model=GrievanceOut,
             responses=responses(*ACTION_ERRORS, GrievanceLevelConflict, CandidateErased))
async def respond(grievance_id: uuid.UUID, data: RespondBody, session: SessionDep,
                  principal: PrincipalDep, recorder: AccessRecorderDep, now: NowDep,
                  if_match: IfMatchHeader = None) -> Response:
    """Answer the worker: the grievance is then ``in_progress`` (its deadline stands). The
    employer while it is at the employer's level; officers and admins at any level."""
    return _changed(recorder, principal, await service.respond(
        session, principal=principal, grievance_id=grievance_id, message=data.message, now=now,
        expected_version=expected_version(if_match)))


@router.post("/{grievance_id}/assign", response_model=GrievanceOut,
             responses=responses(*ACTION_ERRORS))
async def assign(grievance_id: uuid.UUID, data: AssignBody, session: SessionDep,
                 principal: PrincipalDep, recorder: AccessRecorderDep, now: NowDep,
                 if_match: IfMatchHeader = None) -> Response:
    """An officer takes the unresolved grievance on (``me``), or hands it to another officer
    of the programme (officers, admins)."""
    return _changed(recorder, principal, await service.assign(
        session, principal=principal, grievance_id=grievance_id, data=data, now=now,
        expected_version=expected_version(if_match)))


@router.post("/{grievance_id}/resolve", response_model=GrievanceOut,
             responses=responses(*ACTION_ERRORS, GrievanceLevelConflict, CandidateErased))
async def resolve(grievance_id: uuid.UUID, data: ResolveBody, session: SessionDep,
                  principal: PrincipalDep, recorder: AccessRecorderDep, now: NowDep,
                  if_match: IfMatchHeader = None) -> Response:
    """Resolve the grievance with its outcome (``upheld``, ``partly_upheld``, ``not_upheld``,
    ``withdrawn``) and what was done: the employer while it is at the employer's level,
    officers and admins at any level. Publishes ``grievance.resolved``."""
    return _changed(recorder, principal, await service.resolve(
        session, principal=principal, grievance_id=grievance_id, data=data, now=now,
        expected_version=expected_version(if_match)))


@router.post("/{grievance_id}/satisfaction", response_model=GrievanceOut,
             responses=responses(*ACTION_ERRORS, SatisfactionGiven))
async def give_satisfaction(grievance_id: uuid.UUID, data: SatisfactionBody,
                            session: SessionDep, principal: PrincipalDep,
                            recorder: AccessRecorderDep, now: NowDep,
                            if_match: IfMatchHeader = None) -> Response:
    """The worker says how satisfied they are with the resolution (1 to 5), once it is
    resolved, once (the worker only)."""
    return _changed(recorder, principal, await service.rate(
        session, principal=principal, grievance_id=grievance_id,
        satisfaction=data.satisfaction, now=now, expected_version=expected_version(if_match)))

"""HTTP routes of support measures: create (for a case, or a person at any stage), read, list,
change, and the lifecycle actions."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from services.reintegration.cases.exceptions import CandidateErased, CaseNotFound
from services.reintegration.database import AccessRecorderDep
from services.reintegration.support import service
from services.reintegration.support.exceptions import (
    CandidateNotFound,
    CandidatesUnavailable,
    InvalidMeasure,
    MeasureNotFound,
)
from services.reintegration.support.models import SupportMeasure
from services.reintegration.support.schemas import (
    CancelBody,
    CompleteBody,
    Kind,
    MeasureCreate,
    MeasureOut,
    MeasureStatus,
    MeasureUpdate,
    Stage,
    StartBody,
)
from shared.auth import AUTH_RESPONSES, Forbidden, PrincipalDep
from shared.clock import NowDep, utc_date
from shared.concurrency import IfMatchHeader, IfMatchRequired, expected_version
from shared.db import SessionDep
from shared.errors import IllegalTransition, InvalidCursor, PreconditionFailed, responses
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused, InvalidIdempotencyKey
from shared.pagination import Page, PageDep
from shared.responses import page_response, resource_response

router = APIRouter(prefix="/v1/support-measures", tags=["support measures"],
                   responses=AUTH_RESPONSES)
ACTION_ERRORS = (MeasureNotFound, Forbidden, PreconditionFailed, IllegalTransition,
                 CandidateErased)


def _out(measure: SupportMeasure, *, status_code: int = 200) -> Response:
    return resource_response(MeasureOut, measure, collection=router.prefix, status_code=status_code)


@router.post("", status_code=201, response_model=MeasureOut,
             responses=responses(CaseNotFound, CandidateNotFound, Forbidden, IllegalTransition,
                                 InvalidMeasure, CandidateErased, CandidatesUnavailable,
                                 IdempotencyKeyReused, InvalidIdempotencyKey))
async def create_measure(data: MeasureCreate, request: Request, session: SessionDep,
                         principal: PrincipalDep, idempotency: IdempotencyDep,
                         now: NowDep, recorder: AccessRecorderDep) -> Response:
    """Add a support measure (admins, officers of the programme), at any stage: to a
    returnee's open case (``case_id``), or to a person of the programme before departure,
    during the stay or after return (``candidate_id``, ``programme_id``, ``stage``), whom the
    candidates service must show the caller as selected, placed or returned there (404
    otherwise; 503 when it cannot be asked).

    Kinds: mentoring, social, financial, health, housing, language, entrepreneurship
    training, scholarship, award, micro-grant, micro-loan, job referral, psychosocial support,
    income-generating activity; money (amount, currency, disbursed date, not in the future)
    for financial support, scholarships, awards, micro-grants, micro-loans and
    income-generating activities only."""
    authorization = (request.headers.get("authorization")
                     if request.app.state.token_verifier is not None else None)
    candidates = getattr(request.app.state, "candidates_client", None)

    async def produce() -> Response:
        measure = await service.create(session, principal=principal, data=data,
                                       today=utc_date(now), candidates=candidates,
                                       authorization=authorization)
        recorder.change(measure.candidate_id, "support_measure", measure.id)
        return _out(measure, status_code=201)

    return await idempotency.run(data, produce)


@router.get("", response_model=Page[MeasureOut], responses=responses(InvalidCursor, Forbidden))
async def list_measures(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    recorder: AccessRecorderDep,
    case_id: Annotated[uuid.UUID | None, Query()] = None,
    candidate_id: Annotated[uuid.UUID | None, Query()] = None,
    programme_id: Annotated[uuid.UUID | None, Query()] = None,
    stage: Annotated[Stage | None, Query()] = None,
    kind: Annotated[Kind | None, Query()] = None,
    status: Annotated[MeasureStatus | None, Query()] = None,
) -> Response:
    """The support measures the caller may see, oldest first, filtered by case, candidate,
    programme, stage, kind or status. A returnee sees their own."""
    rows = await service.list_page(session, principal=principal, page=page, filters={
        "case_id": case_id, "candidate_id": candidate_id, "programme_id": programme_id,
        "stage": stage, "kind": kind, "status": status})
    for measure in rows[:page.limit]:
        recorder.read(measure.candidate_id, "support_measure", measure.id)
    return page_response(MeasureOut, rows, page)


@router.get("/{measure_id}", response_model=MeasureOut,
            responses=responses(MeasureNotFound, Forbidden))
async def get_measure(measure_id: uuid.UUID, session: SessionDep,
                      principal: PrincipalDep, recorder: AccessRecorderDep) -> Response:
    """One support measure, with its ETag."""
    measure = await service.get(session, principal=principal, measure_id=measure_id)
    recorder.read(measure.candidate_id, "support_measure", measure_id)
    return _out(measure)


@router.patch("/{measure_id}", response_model=MeasureOut,
              responses=responses(*ACTION_ERRORS, InvalidMeasure))
async def edit_measure(measure_id: uuid.UUID, data: MeasureUpdate, session: SessionDep,
                       principal: PrincipalDep, now: NowDep, recorder: AccessRecorderDep,
                       if_match: IfMatchRequired) -> Response:
    """Change a planned or running measure (e.g. record the disbursement)."""
    measure = await service.edit(session, principal=principal, measure_id=measure_id,
                                 data=data, today=utc_date(now),
                                 expected_version=expected_version(if_match))
    recorder.change(measure.candidate_id, "support_measure", measure_id)
    return _out(measure)


@router.post("/{measure_id}/start", response_model=MeasureOut,
             responses=responses(*ACTION_ERRORS, InvalidMeasure))
async def start_measure(measure_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                        now: NowDep, recorder: AccessRecorderDep,
                        data: StartBody | None = None,
                        if_match: IfMatchHeader = None) -> Response:
    """A planned measure begins, on ``start_date`` (not in the future; default: its planned
    start if that day has come, else today). The body is optional."""
    measure = await service.act(session, principal=principal, measure_id=measure_id,
                                action="start", body=data, today=utc_date(now),
                                expected_version=expected_version(if_match))
    recorder.change(measure.candidate_id, "support_measure", measure_id)
    return _out(measure)


@router.post("/{measure_id}/complete", response_model=MeasureOut,
             responses=responses(*ACTION_ERRORS, InvalidMeasure))
async def complete_measure(measure_id: uuid.UUID, data: CompleteBody, session: SessionDep,
                           principal: PrincipalDep, now: NowDep, recorder: AccessRecorderDep,
                           if_match: IfMatchHeader = None) -> Response:
    """The measure ended, with its outcome, on ``end_date`` (not in the future, not before
    the start; default today)."""
    measure = await service.act(session, principal=principal, measure_id=measure_id,
                                action="complete", body=data, today=utc_date(now),
                                expected_version=expected_version(if_match))
    recorder.change(measure.candidate_id, "support_measure", measure_id)
    return _out(measure)


@router.post("/{measure_id}/cancel", response_model=MeasureOut,
             responses=responses(*ACTION_ERRORS))
async def cancel_measure(measure_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                         now: NowDep, recorder: AccessRecorderDep,
                         data: CancelBody | None = None,
                         if_match: IfMatchHeader = None) -> Response:
    """Drop a measure that has not ended; the body and its note are optional."""
    measure = await service.act(session, principal=principal, measure_id=measure_id,
                                action="cancel", body=data, today=utc_date(now),
                                expected_version=expected_version(if_match))
    recorder.change(measure.candidate_id, "support_measure", measure_id)
    return _out(measure)

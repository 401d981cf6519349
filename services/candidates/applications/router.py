"""HTTP routes of applications, their actions, and programme-wide screening and selection."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.candidates import access
from services.candidates.applications import service
from services.candidates.applications.exceptions import (
    ApplicationExists,
    ApplicationNotFound,
    CandidateNotFound,
    ConsentRequired,
    HistoricalEntryForbidden,
    IntakeClosed,
    InvalidDates,
    OriginSuspended,
)
from services.candidates.applications.models import Application
from services.candidates.applications.schemas import (
    ApplicationCreate,
    ApplicationOut,
    GenderTargetOut,
    RejectBody,
    ScreeningReason,
    ScreeningResult,
    ScreeningRun,
    SelectionDecisionOut,
    SelectionRun,
    SelectionSummary,
    Status,
    SubmitBody,
    TransitionList,
    TransitionOut,
    WithdrawBody,
)
from services.candidates.candidates import service as candidate_service
from services.candidates.database import AccessRecorderDep
from services.candidates.programmes import service as programme_service
from services.candidates.programmes.exceptions import ProgrammeNotFound
from shared.access_record import AccessRecorder
from shared.auth import AUTH_RESPONSES, PrincipalDep
from shared.clock import NowDep
from shared.concurrency import IfMatchHeader, expected_version
from shared.db import SessionDep
from shared.errors import IllegalTransition, PreconditionFailed, responses
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused
from shared.pagination import Page, PageDep, page_of
from shared.responses import json_response

# One router for both path families so main.py registers this domain in one place.
router = APIRouter(responses=AUTH_RESPONSES)
ACTION_ERRORS = (ApplicationNotFound, PreconditionFailed, IllegalTransition)


def _changed(recorder: AccessRecorder, application: Application) -> Response:
    """The application after an action on it, recorded as a change of its person's data."""
    recorder.change(application.candidate_id, "application", application.id)
    return _out(application)


def _out(application: Application, *, status_code: int = 200,
         location: str | None = None) -> Response:
    return json_response(ApplicationOut.model_validate(application), status_code=status_code,
                         version=application.version, location=location)


@router.post("/v1/applications", status_code=201, response_model=ApplicationOut,
             tags=["applications"], dependencies=[access.WRITES_PEOPLE],
             responses=responses(ProgrammeNotFound, CandidateNotFound, ApplicationExists,
                                 IntakeClosed, OriginSuspended, IdempotencyKeyReused))
async def create_application(data: ApplicationCreate, session: SessionDep,
                             principal: PrincipalDep, idempotency: IdempotencyDep,
                             now: NowDep, recorder: AccessRecorderDep) -> Response:
    """Start a candidate's application to a programme, as a draft.

    One application per candidate and programme. Status, score and ids are not accepted in the
    body: they change only through the actions below. A candidate applies for themselves
    (another ``candidate_id`` is a 403) to any programme, an officer for people they see
    (another's is a 404) to the programmes they run (another is a 404). Once the intake has
    closed a candidate's draft is a 422 ``intake-closed``, while staff may still record one
    (entering a past intake); a nationality the programme suspended as an origin is a 422
    ``origin-suspended``.
    """
    await candidate_service.ensure_own(session, principal=principal,
                                       candidate_id=data.candidate_id)
    programme_service.ensure_in_scope(principal, data.programme_id)
    await candidate_service.ensure_visible(session, principal=principal,
                                           candidate_id=data.candidate_id)

    async def produce() -> Response:
        application = await service.create(session, data=data, principal=principal, now=now)
        recorder.change(application.candidate_id, "application", application.id)
        return _out(application, status_code=201,
                    location=f"/v1/applications/{application.id}")

    return await idempotency.run(data, produce)


@router.get("/v1/applications", response_model=Page[ApplicationOut], tags=["applications"],
            dependencies=[access.READS_PEOPLE])
async def list_applications(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    recorder: AccessRecorderDep,
    programme_id: Annotated[uuid.UUID | None, Query()] = None,
    candidate_id: Annotated[uuid.UUID | None, Query()] = None,
    status: Annotated[Status | None, Query()] = None,
) -> Response:
    """List the applications the caller may see, oldest first, filtered by programme,
    candidate or status."""
    applications = await service.list_page(session, principal=principal, page=page,
                                           programme_id=programme_id,
                                           candidate_id=candidate_id, status=status)
    items, next_cursor = page_of(applications, page)
    for application in items:
        recorder.read(application.candidate_id, "application", application.id)
    return json_response(Page[ApplicationOut](
        items=[ApplicationOut.model_validate(a) for a in items], next_cursor=next_cursor))


@router.get("/v1/applications/{application_id}", response_model=ApplicationOut,
            tags=["applications"], dependencies=[access.READS_PEOPLE],
            responses=responses(ApplicationNotFound))
async def get_application(application_id: uuid.UUID, session: SessionDep,
                          principal: PrincipalDep, recorder: AccessRecorderDep) -> Response:
    """One application, with its ETag to send as ``If-Match`` on the next action."""
    await service.ensure_visible(session, principal=principal, application_id=application_id)
    application = await service.get(session, application_id=application_id)
    recorder.read(application.candidate_id, "application", application_id)
    return _out(application)


@router.get("/v1/applications/{application_id}/transitions", response_model=TransitionList,
            tags=["applications"], dependencies=[access.READS_PEOPLE],
            responses=responses(ApplicationNotFound))
async def list_transitions(application_id: uuid.UUID, session: SessionDep,
                           principal: PrincipalDep, recorder: AccessRecorderDep) -> Response:
    """The application's status history: every action, from which state to which, and why."""
    await service.ensure_visible(session, principal=principal, application_id=application_id)
    application, rows = await service.transitions(session, application_id=application_id)
    recorder.read(application.candidate_id, "application_history", application_id)
    return json_response(TransitionList(items=[TransitionOut.model_validate(t) for t in rows]))


@router.post("/v1/applications/{application_id}/submit", response_model=ApplicationOut,
             tags=["applications"], dependencies=[access.WRITES_PEOPLE],
             responses=responses(*ACTION_ERRORS, IntakeClosed, ConsentRequired, OriginSuspended,
                                 InvalidDates, HistoricalEntryForbidden))
async def submit_application(application_id: uuid.UUID, session: SessionDep,
                             principal: PrincipalDep, now: NowDep, recorder: AccessRecorderDep,
                             data: SubmitBody | None = None,
                             if_match: IfMatchHeader = None) -> Response:
    """Submit a draft: only while the programme's intake is open, with the consents it
    requires given (latest event per purpose), from an origin it has not suspended.

    The body is optional. Staff entering a past intake send ``submitted_at``: the window is
    checked against it (not the clock) and it is stored as the submission time; a candidate
    or institution sending it is a 403 ``historical-entry-forbidden``.
    """
    await service.ensure_visible(session, principal=principal, application_id=application_id)
    submitted = await service.submit(session, application_id=application_id,
                                     expected_version=expected_version(if_match),
                                     principal=principal, now=now,
                                     submitted_at=data.submitted_at if data else None)
    return _changed(recorder, submitted)


@router.post("/v1/applications/{application_id}/screen", response_model=ApplicationOut,
             tags=["applications"], dependencies=[access.STAFF],
             responses=responses(*ACTION_ERRORS))
async def screen_application(application_id: uuid.UUID, session: SessionDep,
                             principal: PrincipalDep, recorder: AccessRecorderDep,
                             if_match: IfMatchHeader = None) -> Response:
    """Screen a submitted application against the programme's eligibility rules.

    It becomes ``eligible`` or ``ineligible``; ``screening_reasons`` lists every failing rule
    (ineligible) or every rule checked with code ``passed`` (eligible).
    """
    await service.ensure_visible(session, principal=principal, application_id=application_id)
    screened = await service.screen(session, application_id=application_id,
                                    expected_version=expected_version(if_match))
    return _changed(recorder, screened.application)


@router.post("/v1/applications/{application_id}/shortlist", response_model=ApplicationOut,
             tags=["applications"], dependencies=[access.STAFF],
             responses=responses(*ACTION_ERRORS))
async def shortlist_application(application_id: uuid.UUID, session: SessionDep,
                                principal: PrincipalDep, recorder: AccessRecorderDep,
                                if_match: IfMatchHeader = None) -> Response:
    """Shortlist an eligible application (selection also does this for eligible ones)."""
    await service.ensure_visible(session, principal=principal, application_id=application_id)
    shortlisted = await service.shortlist(session, application_id=application_id,
                                          expected_version=expected_version(if_match))
    return _changed(recorder, shortlisted)


@router.post("/v1/applications/{application_id}/reject", response_model=ApplicationOut,
             tags=["applications"], dependencies=[access.STAFF],
             responses=responses(*ACTION_ERRORS))
async def reject_application(application_id: uuid.UUID, data: RejectBody, session: SessionDep,
                             principal: PrincipalDep, recorder: AccessRecorderDep,
                             if_match: IfMatchHeader = None) -> Response:
    """Reject a shortlisted or waitlisted application; the reason is kept in its history."""
    await service.ensure_visible(session, principal=principal, application_id=application_id)
    rejected = await service.reject(session, application_id=application_id, reason=data.reason,
                                    expected_version=expected_version(if_match))
    return _changed(recorder, rejected)


@router.post("/v1/applications/{application_id}/withdraw", response_model=ApplicationOut,
             tags=["applications"], dependencies=[access.WRITES_PEOPLE],
             responses=responses(*ACTION_ERRORS))
async def withdraw_application(application_id: uuid.UUID, session: SessionDep,
                               principal: PrincipalDep, recorder: AccessRecorderDep,
                               data: WithdrawBody | None = None,
                               if_match: IfMatchHeader = None) -> Response:
    """Withdraw an open application (draft up to selected); the body and its reason are
    optional. A freed seat goes to the waitlist at the next selection run."""
    await service.ensure_visible(session, principal=principal, application_id=application_id)
    withdrawn = await service.withdraw(session, application_id=application_id,
                                       reason=data.reason if data else None,
                                       expected_version=expected_version(if_match))
    return _changed(recorder, withdrawn)


@router.post("/v1/programmes/{programme_id}/screening", response_model=ScreeningRun,
             tags=["selection"], dependencies=[access.STAFF],
             responses=responses(ProgrammeNotFound))
async def screen_programme(programme_id: uuid.UUID, session: SessionDep,
                           principal: PrincipalDep, recorder: AccessRecorderDep) -> Response:
    """Screen every submitted application of the programme; counts and each outcome."""
    programme_service.ensure_in_scope(principal, programme_id)
    screened = await service.screen_programme(session, programme_id=programme_id)
    for each in screened:
        recorder.change(each.application.candidate_id, "application", each.application.id)
    outcomes = [ScreeningResult(
        application_id=s.application.id, candidate_id=s.application.candidate_id,
        status=s.outcome.status,
        reasons=[ScreeningReason(**r.as_dict()) for r in s.outcome.reasons],
    ) for s in screened]
    eligible = sum(1 for s in screened if s.outcome.eligible)
    return json_response(ScreeningRun(programme_id=programme_id, screened=len(screened),
                                      eligible=eligible, ineligible=len(screened) - eligible,
                                      outcomes=outcomes))


@router.post("/v1/programmes/{programme_id}/selection", response_model=SelectionRun,
             tags=["selection"], dependencies=[access.STAFF],
             responses=responses(ProgrammeNotFound))
async def select_cohort(programme_id: uuid.UUID, session: SessionDep,
                        principal: PrincipalDep, recorder: AccessRecorderDep) -> Response:
    """Rank the eligible, shortlisted and waitlisted applications and select the cohort.

    Fills the free seats (capacity minus those already selected), first the seats the
    programme's gender targets (minimum share or exact split) hold, then by rank; the rest are
    waitlisted in rank order. Safe to re-run: a seat freed by a withdrawal goes to the
    best-ranked waitlisted application. The score and its parts are explained in the
    ``score_parts`` of each decision; ``summary.targets`` says which target was met and why not.
    """
    programme_service.ensure_in_scope(principal, programme_id)
    result = await service.select_cohort(session, programme_id=programme_id)
    for decision in result.decisions:
        recorder.change(decision.candidate.id, "application", decision.application.id)
    s = result.summary
    return json_response(SelectionRun(
        programme_id=programme_id,
        decisions=[SelectionDecisionOut(
            application_id=d.application.id, candidate_id=d.candidate.id,
            gender=d.candidate.gender, score=float(d.score.total),
            score_parts=d.score.parts_json(), rank=d.decision.rank,
            outcome=d.decision.outcome, waitlist_position=d.decision.waitlist_position,
            reason=d.decision.reason,
        ) for d in result.decisions],
        summary=SelectionSummary(
            capacity=s.capacity, seats_available=s.seats_available,
            reserved_per_gender=s.reserved_per_gender, selected=s.selected,
            newly_selected=s.newly_selected, waitlisted=s.waitlisted, by_gender=s.by_gender,
            target_met=s.target_met, target_note=s.target_note,
            targets=[GenderTargetOut.model_validate(t) for t in s.targets]),
    ))

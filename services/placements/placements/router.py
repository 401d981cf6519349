"""HTTP routes of placements: create, read, list, history, and the lifecycle actions."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.placements.database import AccessRecorderDep
from services.placements.employers.exceptions import EmployerSuspended, ProgrammeNotFound
from services.placements.placements import service
from services.placements.placements.exceptions import (
    CandidateAlreadyPlaced,
    CandidateNotFound,
    CandidatesUnavailable,
    InvalidDates,
    PlacementNotFound,
)
from services.placements.placements.models import Placement
from services.placements.placements.schemas import (
    ArriveBody,
    CompleteBody,
    DeclineBody,
    EndEarlyBody,
    ExtendBody,
    ExtensionList,
    ExtensionOut,
    HostOut,
    IdentityWithheld,
    PlacementCreate,
    PlacementOut,
    RequestVisaBody,
    Status,
    TransitionList,
    TransitionOut,
    VisaDecisionBody,
    VisaEmployerOut,
    VisaFileOut,
    VisaIdentityOut,
    VisaStatus,
    VisaVacancyOut,
)
from services.placements.programmes import ProgrammeLimitExceeded
from services.placements.upstream import CandidatesAsCallerDep
from services.placements.vacancies.exceptions import (
    StayFieldsInvalid,
    VacancyNotFound,
    VacancyUnavailable,
)
from shared.access_record import AccessRecorder
from shared.auth import Forbidden, Principal, PrincipalDep
from shared.concurrency import IfMatchHeader, expected_version
from shared.db import SessionDep
from shared.errors import IllegalTransition, InvalidCursor, PreconditionFailed, responses
from shared.i18n import _
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused, InvalidIdempotencyKey
from shared.pagination import Page, PageDep, page_of
from shared.responses import json_response

router = APIRouter(prefix="/v1/placements", tags=["placements"])
ACTION_ERRORS = (PlacementNotFound, Forbidden, PreconditionFailed, IllegalTransition)


def _changed(recorder: AccessRecorder, principal: Principal, placement: Placement) -> Response:
    """The placement after an action on it, recorded as a change of its person's data."""
    recorder.change(placement.candidate_id, "placement", placement.id)
    return _out(placement, principal)


def _shown(placement: Placement, principal: Principal) -> PlacementOut:
    """The placement as ``principal`` reads it: ``zero_fee`` only for who reads its
    recruitment costs (an employer must not learn that its worker reported a fee)."""
    body = PlacementOut.model_validate(placement)
    if service.POLICY.may(principal, "read-costs"):
        return body
    return body.model_copy(update={"zero_fee": None})


def _out(placement: Placement, principal: Principal, *, status_code: int = 200) -> Response:
    return json_response(_shown(placement, principal), status_code=status_code,
                         version=placement.version,
                         location=f"{router.prefix}/{placement.id}" if status_code == 201
                         else None)


@router.post("", status_code=201, response_model=PlacementOut,
             responses=responses(VacancyNotFound, CandidateNotFound, VacancyUnavailable,
                                 EmployerSuspended, CandidateAlreadyPlaced, InvalidDates,
                                 ProgrammeLimitExceeded,
                                 ProgrammeNotFound, Forbidden, CandidatesUnavailable,
                                 IdempotencyKeyReused, InvalidIdempotencyKey))
async def create_placement(data: PlacementCreate, session: SessionDep,
                           principal: PrincipalDep, idempotency: IdempotencyDep,
                           candidates: CandidatesAsCallerDep,
                           recorder: AccessRecorderDep) -> Response:
    """Propose a placement directly, without a matching run (admins, officers).

    The vacancy must be one the caller reads (404), open with a free seat, and its employer
    not suspended in the programme (409 ``employer-suspended``); an officer's
    candidate must have a selected application in the vacancy's programme, as the candidates
    service tells it with the caller's own token (404 otherwise, 503 when it cannot be asked);
    a candidate has at most one open placement per programme. Dates other than the vacancy's
    stay within the programme's ``max_stay_months`` (422 ``programme-limit-exceeded`` naming
    ``end_date``). The placement takes the vacancy's stay type, season and region. Publishes
    ``placement.confirmed``, as confirming a matching proposal does.
    """

    async def produce() -> Response:
        placement = await service.create(session, principal=principal, data=data,
                                         candidates=candidates)
        recorder.change(placement.candidate_id, "placement", placement.id)
        return _out(placement, principal, status_code=201)

    return await idempotency.run(data, produce)


@router.get("", response_model=Page[PlacementOut], responses=responses(InvalidCursor, Forbidden))
async def list_placements(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    recorder: AccessRecorderDep,
    programme_id: Annotated[uuid.UUID | None, Query()] = None,
    employer_id: Annotated[uuid.UUID | None, Query()] = None,
    candidate_id: Annotated[uuid.UUID | None, Query()] = None,
    vacancy_id: Annotated[uuid.UUID | None, Query()] = None,
    status: Annotated[Status | None, Query()] = None,
) -> Response:
    """List the placements the caller may see, oldest first, filtered by programme, employer,
    candidate, vacancy or status. Employers and candidates see only their own; a ministry or
    a visa authority never lists people (403; a visa authority lists visa requests)."""
    placements = await service.list_page(session, principal=principal, page=page, filters={
        "programme_id": programme_id, "employer_id": employer_id,
        "candidate_id": candidate_id, "vacancy_id": vacancy_id, "status": status})
    items, next_cursor = page_of(placements, page)
    for placement in items:
        recorder.read(placement.candidate_id, "placement", placement.id)
    return json_response(Page[PlacementOut](items=[_shown(p, principal) for p in items],
                                            next_cursor=next_cursor))


def _visa_file(found: service.VisaFile) -> VisaFileOut:
    p, employer, vacancy = found.placement, found.employer, found.vacancy
    return VisaFileOut(
        placement_id=p.id, programme_id=p.programme_id, status=p.status,
        destination_country=p.destination_country, start_date=p.start_date,
        end_date=p.end_date, visa_requested_on=p.visa_requested_on,
        visa_decision=p.visa_decision, visa_decision_date=p.visa_decision_date,
        candidate=None if found.identity is None else VisaIdentityOut.model_validate(
            found.identity),
        candidate_withheld=None if found.identity_withheld is None else IdentityWithheld(
            consent_state=found.identity_withheld,
            detail=_("The candidate's visa_file_sharing consent is {consent_state}: their "
                     "identity is not shared.", consent_state=found.identity_withheld)),
        employer=VisaEmployerOut.model_validate(employer),
        vacancy=VisaVacancyOut.model_validate(vacancy))


@router.get("/visa-requests", response_model=Page[VisaFileOut],
            responses=responses(InvalidCursor, Forbidden, CandidatesUnavailable))
async def list_visa_requests(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    candidates: CandidatesAsCallerDep,
    recorder: AccessRecorderDep,
    status: Annotated[list[VisaStatus] | None, Query(
        description="Default: visa_pending (awaiting a decision).")] = None,
) -> Response:
    """The visa files of placements whose visa was requested, oldest first: for a visa
    authority those of its programmes whose destination is its country; for officers those of
    their programmes (admins, services: all). Other roles: 403. Each identity only while the
    candidate's ``visa_file_sharing`` consent is in force now (see the visa file)."""
    rows = await service.visa_requests(session, principal=principal, page=page,
                                       statuses=status or ["visa_pending"],
                                       consents=candidates.client)
    items, next_cursor = page_of(rows, page)
    for row in items:
        recorder.read(row.placement.candidate_id, "visa_file", row.placement.id)
    return json_response(Page[VisaFileOut](items=[_visa_file(r) for r in items],
                                           next_cursor=next_cursor))


@router.get("/{placement_id}", response_model=PlacementOut,
            responses=responses(PlacementNotFound, Forbidden))
async def get_placement(placement_id: uuid.UUID, session: SessionDep,
                        principal: PrincipalDep, recorder: AccessRecorderDep) -> Response:
    """One placement, with its ETag to send as ``If-Match`` on the next action. The candidate
    sees their host employer's name and address (``host``) once the employer accepted them. A
    ministry or visa authority never reads a person's placement (403)."""
    placement = await service.get(session, principal=principal, placement_id=placement_id)
    recorder.read(placement.candidate_id, "placement", placement_id)
    host = await service.host_of(session, principal=principal, placement=placement)
    body = _shown(placement, principal)
    if host is not None:
        body = body.model_copy(update={"host": HostOut.model_validate(host)})
    return json_response(body, version=placement.version)


@router.get("/{placement_id}/visa-file", response_model=VisaFileOut,
            responses=responses(PlacementNotFound, Forbidden, CandidatesUnavailable))
async def get_visa_file(placement_id: uuid.UUID, session: SessionDep,
                        principal: PrincipalDep, recorder: AccessRecorderDep,
                        candidates: CandidatesAsCallerDep) -> Response:
    """The minimum a visa decision needs: programme, destination, host employer's name and
    address, the job (title, ISCO-08 occupation, place, stipend) and the planned dates; no
    person field (see ``candidate``). For the visa authority of the placement's programme and
    destination country once the visa is requested (404 otherwise), officers and admins.

    The candidate's identity (``candidate``) is shown only while their ``visa_file_sharing``
    consent is in force at this read: the candidates service is asked each time (503 when it
    cannot be), so a withdrawal or an expiry takes effect on the next read, and
    ``candidate_withheld`` says why it is not shown."""
    found = await service.visa_file(session, principal=principal, placement_id=placement_id,
                                    consents=candidates.client)
    recorder.read(found.placement.candidate_id, "visa_file", placement_id)
    return json_response(_visa_file(found))


@router.get("/{placement_id}/transitions", response_model=TransitionList,
            responses=responses(PlacementNotFound, Forbidden))
async def list_transitions(placement_id: uuid.UUID, session: SessionDep,
                           principal: PrincipalDep, recorder: AccessRecorderDep) -> Response:
    """The placement's history: its creation and every action, who did it, from which state
    to which, and why."""
    placement, rows = await service.transitions(session, principal=principal,
                                                placement_id=placement_id)
    recorder.read(placement.candidate_id, "placement_history", placement_id)
    return json_response(TransitionList(items=[TransitionOut.model_validate(t) for t in rows]))


@router.get("/{placement_id}/extensions", response_model=ExtensionList,
            responses=responses(PlacementNotFound, Forbidden))
async def list_extensions(placement_id: uuid.UUID, session: SessionDep,
                          principal: PrincipalDep, recorder: AccessRecorderDep) -> Response:
    """The placement's extensions, with the employer's offers, oldest first."""
    placement, rows = await service.extensions(session, principal=principal,
                                               placement_id=placement_id)
    recorder.read(placement.candidate_id, "placement_extensions", placement_id)
    return json_response(ExtensionList(items=[ExtensionOut.model_validate(e) for e in rows]))


@router.post("/{placement_id}/accept-employer", response_model=PlacementOut,
             responses=responses(*ACTION_ERRORS))
async def accept_employer(placement_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                          recorder: AccessRecorderDep,
                          if_match: IfMatchHeader = None) -> Response:
    """The employer accepts the proposed candidate (the employer, officers, admins)."""
    return _changed(recorder, principal, await service.accept_employer(
        session, principal=principal, placement_id=placement_id,
        expected_version=expected_version(if_match)))


@router.post("/{placement_id}/accept-candidate", response_model=PlacementOut,
             responses=responses(*ACTION_ERRORS))
async def accept_candidate(placement_id: uuid.UUID, session: SessionDep,
                           recorder: AccessRecorderDep,
                           principal: PrincipalDep, if_match: IfMatchHeader = None) -> Response:
    """The candidate accepts, after the employer did (the candidate, officers, admins)."""
    return _changed(recorder, principal, await service.accept_candidate(
        session, principal=principal, placement_id=placement_id,
        expected_version=expected_version(if_match)))


@router.post("/{placement_id}/decline", response_model=PlacementOut,
             responses=responses(*ACTION_ERRORS))
async def decline(placement_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                  recorder: AccessRecorderDep,
                  data: DeclineBody | None = None, if_match: IfMatchHeader = None) -> Response:
    """Either party declines, while proposed or accepted: final, and the seat frees up. The
    body and its reason are optional."""
    return _changed(recorder, principal, await service.decline(
        session, principal=principal, placement_id=placement_id,
        reason=data.reason if data else None, expected_version=expected_version(if_match)))


@router.post("/{placement_id}/request-visa", response_model=PlacementOut,
             responses=responses(*ACTION_ERRORS, InvalidDates, CandidatesUnavailable))
async def request_visa(placement_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                       candidates: CandidatesAsCallerDep, recorder: AccessRecorderDep,
                       data: RequestVisaBody | None = None,
                       if_match: IfMatchHeader = None) -> Response:
    """Both parties accepted: the visa is requested (officers, admins), on ``requested_on``
    (optional body; default today, not in the future), kept as ``visa_requested_on``.
    Publishes ``placement.visa_requested`` (to the destination's visa authority, if
    subscribed).

    The visa file then carries the candidate's identity (name, date of birth, nationality,
    gender) if they have given their ``visa_file_sharing`` consent, as the candidates service
    tells it with the caller's own token; 503 (nothing changed) when it cannot be asked."""
    return _changed(recorder, principal, await service.request_visa(
        session, principal=principal, placement_id=placement_id,
        expected_version=expected_version(if_match),
        requested_on=data.requested_on if data else None, candidates=candidates))


@router.post("/{placement_id}/visa-decision", response_model=PlacementOut,
             responses=responses(*ACTION_ERRORS, InvalidDates))
async def visa_decision(placement_id: uuid.UUID, data: VisaDecisionBody, session: SessionDep,
                        recorder: AccessRecorderDep,
                        principal: PrincipalDep, if_match: IfMatchHeader = None) -> Response:
    """Record the visa decision: granted or refused (final). Posted by the visa authority of
    the placement's programme and destination country (machine client) or by an officer.
    ``decision_date`` (default today) is neither in the future nor before the visa request
    (422 ``invalid-dates`` naming it). Publishes ``placement.visa_decided``."""
    return _changed(recorder, principal, await service.decide_visa(
        session, principal=principal, placement_id=placement_id, data=data,
        expected_version=expected_version(if_match)))


@router.post("/{placement_id}/arrive", response_model=PlacementOut,
             responses=responses(*ACTION_ERRORS, InvalidDates, StayFieldsInvalid))
async def arrive(placement_id: uuid.UUID, data: ArriveBody, session: SessionDep,
                 recorder: AccessRecorderDep,
                 principal: PrincipalDep, if_match: IfMatchHeader = None) -> Response:
    """The trainee arrived: the placement becomes active (officers, admins). ``arrival_date``
    is neither in the future nor before the visa was granted (422 ``invalid-dates``); a study
    stay's arrival gives the student's ``enrolment_reference`` (422 ``stay-fields-invalid``
    without it, or with it on another stay). Publishes ``placement.started``."""
    return _changed(recorder, principal, await service.arrive(
        session, principal=principal, placement_id=placement_id, data=data,
        expected_version=expected_version(if_match)))


@router.post("/{placement_id}/extend", response_model=PlacementOut,
             responses=responses(*ACTION_ERRORS, InvalidDates, ProgrammeLimitExceeded,
                                 ProgrammeNotFound, CandidatesUnavailable))
async def extend(placement_id: uuid.UUID, data: ExtendBody, session: SessionDep,
                 principal: PrincipalDep, candidates: CandidatesAsCallerDep,
                 recorder: AccessRecorderDep,
                 if_match: IfMatchHeader = None) -> Response:
    """Extend an active placement to a later end date on the employer's offer: the
    placement's employer records its own offer; officers and admins may record it for it.
    All its extensions together stay within the programme's ``max_extension_months`` from the
    end first planned, as the candidates service tells it with the caller's token (422
    ``programme-limit-exceeded`` naming ``new_end_date``; 503 when it cannot be asked).
    Publishes ``placement.extended``."""
    return _changed(recorder, principal, await service.extend(
        session, principal=principal, placement_id=placement_id, data=data,
        expected_version=expected_version(if_match), candidates=candidates))


@router.post("/{placement_id}/complete", response_model=PlacementOut,
             responses=responses(*ACTION_ERRORS, InvalidDates))
async def complete(placement_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                   recorder: AccessRecorderDep,
                   data: CompleteBody | None = None, if_match: IfMatchHeader = None) -> Response:
    """The stay ended as planned (officers, admins). Publishes ``placement.completed``."""
    return _changed(recorder, principal, await service.complete(
        session, principal=principal, placement_id=placement_id,
        end_date=data.end_date if data else None, expected_version=expected_version(if_match)))


@router.post("/{placement_id}/end-early", response_model=PlacementOut,
             responses=responses(*ACTION_ERRORS, InvalidDates))
async def end_early(placement_id: uuid.UUID, data: EndEarlyBody, session: SessionDep,
                    recorder: AccessRecorderDep,
                    principal: PrincipalDep, if_match: IfMatchHeader = None) -> Response:
    """The stay ended before its planned end, with a reason code (officers, admins).
    Publishes ``placement.ended_early`` with the reason code."""
    return _changed(recorder, principal, await service.end_early(
        session, principal=principal, placement_id=placement_id, data=data,
        expected_version=expected_version(if_match)))

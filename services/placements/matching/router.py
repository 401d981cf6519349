"""HTTP routes of matching runs: start, read, list, review proposals, confirm, the fairness
report; and the pseudonymised profile of the candidate proposed on a placement."""

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, FastAPI, Query, Request
from starlette.responses import Response

from services.placements.matching import service
from services.placements.matching.exceptions import (
    CandidateProfileNotFound,
    FairnessUnavailable,
    InvalidParameters,
    MatchingRunNotFound,
    NothingToMatch,
    ProposalNotFound,
    RunInProgress,
)
from services.placements.matching.models import MatchingRun
from services.placements.matching.schemas import (
    CandidateProfileOut,
    ConfirmOut,
    FairnessReportOut,
    FairnessTotals,
    GroupFigures,
    MatchingRunCreate,
    MatchingRunOut,
    ProposalOut,
    ProposalStatus,
    RefusedProposal,
    RejectBody,
    RunStatus,
)
from services.placements.placements.exceptions import CandidatesUnavailable, PlacementNotFound
from services.placements.upstream import CandidatesAsCallerDep
from shared.access import FieldNotAllowed
from shared.auth import Forbidden, PrincipalDep
from shared.concurrency import IfMatchHeader, expected_version
from shared.db import SessionDep
from shared.errors import IllegalTransition, InvalidCursor, PreconditionFailed, responses
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused, InvalidIdempotencyKey
from shared.pagination import Page, PageDep
from shared.responses import json_response, page_response

router = APIRouter(prefix="/v1/matching-runs", tags=["matching"])
# GET /v1/placements/{id}/candidate-profile: a placement's view of its proposal.
placement_router = APIRouter(prefix="/v1/placements", tags=["placements"])


def _out(run: MatchingRun, *, status_code: int = 200) -> Response:
    return json_response(MatchingRunOut.model_validate(run), status_code=status_code,
                         version=run.version,
                         location=f"{router.prefix}/{run.id}" if status_code == 202 else None)


async def _start(app: FastAPI, run_id: uuid.UUID, authorization: str | None) -> None:
    # async: a plain function would run in a worker thread, outside the event loop.
    app.state.matching_jobs.start(run_id, authorization=authorization)


@router.post("", status_code=202, response_model=MatchingRunOut,
             responses=responses(InvalidParameters, NothingToMatch, RunInProgress, Forbidden,
                                 FieldNotAllowed, IdempotencyKeyReused, InvalidIdempotencyKey))
async def create_run(data: MatchingRunCreate, request: Request, background: BackgroundTasks,
                     session: SessionDep, principal: PrincipalDep,
                     idempotency: IdempotencyDep) -> Response:
    """Start a matching run of a programme (admins, officers of the programme).

    Answers 202 with the run ``queued`` and its Location; poll it until ``completed`` (or
    ``failed``, with a reason). The run matches the programme's selected candidates (from
    the candidates service; those already holding a placement in the programme are left out)
    with its open vacancies' free seats. ``time_limit_seconds`` is for admins only.
    """
    # The run reads the candidates service with the requester's own rights.
    authorization = (request.headers.get("authorization")
                     if request.app.state.token_verifier is not None else None)

    async def produce() -> Response:
        run = await service.create_run(session, principal=principal, data=data)
        # After the answer is sent, hence after the commit: the task finds the run.
        background.add_task(_start, request.app, run.id, authorization)
        return _out(run, status_code=202)

    return await idempotency.run(data, produce)


@router.get("", response_model=Page[MatchingRunOut],
            responses=responses(InvalidCursor, Forbidden))
async def list_runs(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    programme_id: Annotated[uuid.UUID | None, Query()] = None,
    status: Annotated[RunStatus | None, Query()] = None,
) -> Response:
    """List the runs the caller may see, oldest first, by programme or status."""
    runs = await service.list_runs(session, principal=principal, page=page,
                                   filters={"programme_id": programme_id, "status": status})
    return page_response(MatchingRunOut, runs, page)


@router.get("/{run_id}", response_model=MatchingRunOut,
            responses=responses(MatchingRunNotFound, Forbidden))
async def get_run(run_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> Response:
    """One run: its status, parameters, summary (once completed) or failure."""
    return _out(await service.get_run(session, principal=principal, run_id=run_id))


@router.get("/{run_id}/fairness", response_model=FairnessReportOut,
            responses=responses(MatchingRunNotFound, FairnessUnavailable, Forbidden))
async def fairness_report(run_id: uuid.UUID, session: SessionDep,
                          principal: PrincipalDep) -> Response:
    """Who the run considered, proposed and placed, by gender, nationality and age band, set
    against its pool (admins, officers of the programme, services).

    Per group: ``pool`` (candidates the run considered, counted on its day), ``selected`` (its
    proposals), ``placed`` (proposals confirming turned into placements), ``accepted``,
    ``declined`` and ``awaiting`` (what became of those placements), each count's share of
    the dimension's total, ``selection_rate`` (selected / pool) and ``acceptance_rate``
    (accepted by both parties / selected). Each dimension adds up to ``totals``: the run's
    pool size, its proposals and the placements its confirmation created. ``unknown`` counts
    missing values (an age band not sent; a candidate erased since). The scores never read
    gender, nationality or age: the report only counts what the run did. 409
    ``fairness-unavailable`` for a run that did not complete.
    """
    run, report = await service.fairness_report(session, principal=principal, run_id=run_id)

    def groups(dimension: str) -> list[GroupFigures]:
        return [GroupFigures.model_validate(f) for f in report.dimensions[dimension]]

    return json_response(FairnessReportOut(
        run_id=run.id, programme_id=run.programme_id, run_status=run.status,
        totals=FairnessTotals.model_validate(report.totals), gender=groups("gender"),
        nationality=groups("nationality"), age_band=groups("age_band")))


@router.get("/{run_id}/proposals", response_model=Page[ProposalOut],
            responses=responses(MatchingRunNotFound, InvalidCursor, Forbidden))
async def list_proposals(
    run_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    vacancy_id: Annotated[uuid.UUID | None, Query()] = None,
    employer_id: Annotated[uuid.UUID | None, Query()] = None,
    candidate_id: Annotated[uuid.UUID | None, Query()] = None,
    status: Annotated[ProposalStatus | None, Query()] = None,
) -> Response:
    """The run's proposals by vacancy, best score first, each with its explanation and the
    candidate's pseudonymised profile. An employer sees only those for its own vacancies."""
    proposals = await service.list_proposals(
        session, principal=principal, run_id=run_id, page=page,
        filters={"vacancy_id": vacancy_id, "employer_id": employer_id,
                 "candidate_id": candidate_id, "status": status})
    return page_response(ProposalOut, proposals, page)


@router.post("/{run_id}/proposals/{proposal_id}/reject", response_model=ProposalOut,
             responses=responses(MatchingRunNotFound, ProposalNotFound, Forbidden,
                                 IllegalTransition))
async def reject_proposal(run_id: uuid.UUID, proposal_id: uuid.UUID, session: SessionDep,
                          principal: PrincipalDep, data: RejectBody | None = None) -> Response:
    """Drop a proposal of a completed run before confirming it (admins, officers)."""
    proposal = await service.reject(session, principal=principal, run_id=run_id,
                                    proposal_id=proposal_id,
                                    reason=data.reason if data else None)
    return json_response(ProposalOut.model_validate(proposal))


@router.post("/{run_id}/confirm", response_model=ConfirmOut,
             responses=responses(MatchingRunNotFound, Forbidden, PreconditionFailed,
                                 IllegalTransition, CandidatesUnavailable))
async def confirm_run(run_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                      candidates: CandidatesAsCallerDep,
                      if_match: IfMatchHeader = None) -> Response:
    """Confirm a completed run (admins, officers): every proposal not rejected becomes a
    placement (``proposed``, publishing ``placement.confirmed``). A proposal whose candidate
    was placed meanwhile, or whose vacancy is full or closed, is refused and listed; so is one
    whose candidate withdrew their ``data_processing`` consent since the run (or let it
    expire): consent is checked now, with the candidates service (503, nothing changed, when
    it cannot be asked). The others go on. Confirming again creates nothing and answers the
    same."""
    run, refused = await service.confirm(session, principal=principal, run_id=run_id,
                                         expected_version=expected_version(if_match),
                                         consents=candidates.client)
    return json_response(ConfirmOut(run=MatchingRunOut.model_validate(run),
                                    refused=[RefusedProposal.model_validate(p)
                                             for p in refused]), version=run.version)


@placement_router.get("/{placement_id}/candidate-profile", response_model=CandidateProfileOut,
                      responses=responses(PlacementNotFound, CandidateProfileNotFound,
                                          Forbidden))
async def candidate_profile(placement_id: uuid.UUID, session: SessionDep,
                            principal: PrincipalDep) -> Response:
    """The pseudonymised profile (skills, languages, education; no name, contact, birth date,
    gender or nationality) of the candidate proposed on a placement made by matching: for the
    employer until it accepts, for officers and admins, and for the candidate their own."""
    placement, proposal = await service.candidate_profile(session, principal=principal,
                                                          placement_id=placement_id)
    return json_response(CandidateProfileOut(
        placement_id=placement.id, proposal_id=proposal.id, candidate_id=proposal.candidate_id,
        profile=proposal.profile))

"""Matching-run rules: who may start, read, review and confirm runs, what a run reads and
writes, and how its proposals become placements.

A run is created ``queued`` by :func:`create_run`; :mod:`.execution` then runs it in the
background through :func:`load_inputs`, the candidates service's export
(:mod:`.profiles`), :func:`compute` (the engine, in a worker thread) and :func:`store`. An
officer reviews the proposals (:func:`list_proposals`, :func:`reject`) and :func:`confirm` turns
the rest into placements, once: confirming again replays the first answer, and a new run leaves
out candidates who already hold an open placement in the programme and counts the seats
placements take, so nothing is ever placed twice at once (a returnee the export lists again,
in a programme of repeated stays, is matched for a new stay). Nothing here commits.

Who sees what: admins and officers of the run's programme see runs, every proposal and the
run's fairness report (:func:`fairness_report`); machine clients (``service``) read them; an
employer sees only the proposals for its own vacancies (not the rejected or refused ones), and
a run without any is a 404 for it (its fairness report a 403: it is the programme's);
candidates, ministries and institutions get 403.
"""

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.employers import service as employer_service
from services.placements.employers.exceptions import ProgrammeNotFound
from services.placements.matching import fairness, repository
from services.placements.matching.engine import run_matching
from services.placements.matching.exceptions import (
    CandidateProfileNotFound,
    FairnessUnavailable,
    InvalidParameters,
    MatchingRunNotFound,
    NothingToMatch,
    ProposalNotFound,
    RunInProgress,
)
from services.placements.matching.inputs import VacancyProfile
from services.placements.matching.models import MatchingProposal, MatchingRun
from services.placements.matching.profiles import (
    CandidatesClient,
    MatchingProfile,
    collector_paused,
)
from services.placements.matching.schemas import (
    ADMIN_ONLY_FIELDS,
    MatchingRunCreate,
    Parameters,
)
from services.placements.matching.scoring import PARTS
from services.placements.placements import service as placement_service
from services.placements.placements.models import Placement
from services.placements.vacancies import service as vacancy_service
from shared import access
from shared.access import Owners, Policy
from shared.auth import Principal
from shared.errors import IllegalTransition
from shared.i18n import N_, _
from shared.pagination import PageParams

RUN_READERS = frozenset({"admin", "service", "officer"})
PROPOSAL_READERS = RUN_READERS | {"employer"}
# What an employer sees of a run: the proposals that are, or became, its placements.
EMPLOYER_STATUSES = ("proposed", "confirmed")


def owners(run: MatchingRun) -> Owners:
    """Whom a run belongs to: its programme."""
    return Owners(programme_ids=(run.programme_id,))


POLICY: Policy[MatchingRun] = Policy(
    name="matching run", not_found=MatchingRunNotFound, owners=owners, read=RUN_READERS,
    actions={"confirm": access.STAFF, "reject": access.STAFF},
)


def now() -> datetime:
    """The current time (UTC)."""
    return datetime.now(UTC)


# --- runs -----------------------------------------------------------------------------------


async def create_run(session: AsyncSession, *, principal: Principal,
                     data: MatchingRunCreate) -> MatchingRun:
    """Queue a run of the programme (admins, officers of the programme).

    The parameters must suit the engine (InvalidParameters), the programme must have an open
    vacancy with a free seat (NothingToMatch) and no other run under way (RunInProgress).
    """
    access.ensure_role(principal, access.STAFF, N_("start matching runs"))
    access.ensure_programmes_visible(principal, [data.programme_id], ProgrammeNotFound)
    access.reject_fields(principal, data.model_fields_set, {"officer": ADMIN_ONLY_FIELDS})
    parameters = data.parameters()
    try:
        parameters.engine(extra_exclusions=set())
    except ValueError as exc:
        raise InvalidParameters(str(exc)) from None
    if not await vacancy_service.open_vacancies(session, programme_id=data.programme_id):
        raise NothingToMatch(_("Programme {programme_id} has no open vacancy with a free "
                               "seat here: publish vacancies first.",
                               programme_id=data.programme_id))
    run = await repository.add_run(session, MatchingRun(
        programme_id=data.programme_id, algorithm=parameters.algorithm,
        parameters=parameters.model_dump(mode="json"), requested_by=principal.subject))
    if run is None:
        other = await repository.unfinished_run_id(session, data.programme_id)
        raise RunInProgress(_("Run {run_id} of programme {programme_id} is still under way; "
                              "wait until it completes or fails.", run_id=other,
                              programme_id=data.programme_id), run_id=str(other))
    return run


async def _authorize(session: AsyncSession, *, principal: Principal, run_id: uuid.UUID,
                     action: str | None = None, for_update: bool = False,
                     expected_version: int | None = None) -> MatchingRun:
    access.ensure_role(principal, RUN_READERS, N_("read matching runs"))
    return POLICY.check(await repository.get_run(session, run_id, principal=principal,
                                                   for_update=for_update),
                        principal=principal, object_id=run_id, action=action,
                        expected_version=expected_version)


async def get_run(session: AsyncSession, *, principal: Principal,
                  run_id: uuid.UUID) -> MatchingRun:
    """The run, or MatchingRunNotFound (also for one the caller may not see)."""
    return await _authorize(session, principal=principal, run_id=run_id)


async def list_runs(session: AsyncSession, *, principal: Principal, page: PageParams,
                    filters: dict[str, Any]) -> list[MatchingRun]:
    """A page of the runs the caller may see, oldest first."""
    access.ensure_role(principal, RUN_READERS, N_("read matching runs"))
    POLICY.ensure_lists(principal)
    return await repository.list_runs(session, page, principal=principal,
                                      filters=filters)


async def fail(session: AsyncSession, *, run_id: uuid.UUID, reason: str, detail: str) -> None:
    """End a queued or running run as failed, with a reason code and a human detail."""
    await repository.set_run(session, run_id, {
        "status": "failed", "failure_reason": reason, "failure_detail": detail,
        "finished_at": now()}, from_statuses=("queued", "running"))


async def claim(session: AsyncSession, *, run_id: uuid.UUID) -> MatchingRun | None:
    """Mark a queued run running; None when it is not queued any more (swept as interrupted)."""
    return await repository.set_run(session, run_id, {"status": "running",
                                                      "started_at": now()},
                                    from_statuses=("queued",))


async def fail_interrupted(session: AsyncSession, *, grace_seconds: float) -> list[uuid.UUID]:
    """Fail the runs a stopped or crashed process left queued or running (see
    :func:`repository.fail_interrupted`)."""
    return await repository.fail_interrupted(
        session, grace_seconds=grace_seconds,
        detail=_("The run was interrupted (the service stopped while it was under way); "
                 "run matching again."))


# --- executing a run ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a run reads in placements: the open vacancies with their free seats, who already
    holds a placement in the programme, the pairs declined before, and the employers
    suspended in the programme (their vacancies left out: employer id, how many)."""

    vacancies: list[VacancyProfile]
    placed: set[uuid.UUID]
    declined: set[tuple[uuid.UUID, uuid.UUID]]
    suspended: list[tuple[uuid.UUID, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What :func:`compute` decided: the engine's figures and the proposal rows to store."""

    summary: dict[str, Any]
    records: list[tuple[Any, ...]]


async def load_inputs(session: AsyncSession, *, run: MatchingRun) -> Inputs:
    """The run's vacancies (open, free seats only, as many seats as are free, none of an
    employer suspended in the programme) and exclusions."""
    found = await vacancy_service.open_vacancies(session, programme_id=run.programme_id)
    vacancies = [VacancyProfile(
        vacancy_id=o.vacancy.id, employer_id=o.vacancy.employer_id, seats=o.seats_free,
        sector=o.vacancy.sector, country=o.vacancy.country, city=o.vacancy.city,
        start_date=o.vacancy.start_date, duration_months=o.vacancy.duration_months,
        required_skills=o.vacancy.required_skill_keys,
        nice_to_have_skills=o.vacancy.nice_to_have_skill_keys,
        required_languages=[(x["language"], x["min_level"])
                            for x in o.vacancy.required_languages],
        eligible_nationalities=o.vacancy.eligible_nationalities) for o in found]
    return Inputs(vacancies=vacancies,
                  placed=await repository.placed_candidates(session, run.programme_id),
                  declined=await repository.declined_pairs(session, run.programme_id),
                  suspended=await employer_service.kept_out_of_matching(
                      session, programme_id=run.programme_id))


def _explanation(explanation: Any, weights: dict[str, float]) -> dict[str, Any]:
    return {"matched_required_skills": explanation.matched_required_skills,
            "missing_required_skills": explanation.missing_required_skills,
            "matched_nice_to_have_skills": explanation.matched_nice_to_have_skills,
            "parts": {part: {"share": explanation.shares[part], "weight": weights[part],
                             "points": explanation.points[part]} for part in PARTS},
            "total": explanation.total}


def compute(*, run_id: uuid.UUID, parameters: Parameters, inputs: Inputs,
            profiles: list[MatchingProfile], left_out_for_consent: int = 0) -> Outcome:
    """Match the pools and build the proposal rows (CPU-bound: run it in a worker thread).

    Candidates already holding an open placement in the programme are left out; a candidate
    listed twice by the export counts once. ``left_out_for_consent``: how many the export
    left out because a consent matching needs is not in force (reported in the summary).
    """
    pool: dict[uuid.UUID, MatchingProfile] = {}
    for profile in profiles:
        if profile.candidate_id not in inputs.placed:
            pool.setdefault(profile.candidate_id, profile)
    with collector_paused():
        result = run_matching([p.as_input() for p in pool.values()], inputs.vacancies,
                              parameters.engine(extra_exclusions=inputs.declined))
        employer = {v.vacancy_id: v.employer_id for v in inputs.vacancies}
        weights = parameters.weights.model_dump()
        ids = repository.ordered_ids(len(result.assignments))
        records = []
        for proposal_id, assignment, explanation in zip(ids, result.assignments,
                                                        result.explanations(), strict=True):
            profile = pool[assignment.candidate_id]
            records.append((
                proposal_id, run_id, assignment.candidate_id, assignment.vacancy_id,
                employer[assignment.vacancy_id], assignment.score,
                orjson.dumps(_explanation(explanation, weights)).decode(),
                orjson.dumps(profile.snapshot()).decode(), profile.gender,
                profile.nationality, profile.age_band))
    summary = {
        **result.summary(), "candidates": len(pool),
        "already_placed": len({p.candidate_id for p in profiles} & inputs.placed),
        "vacancies": len(inputs.vacancies), "seats": sum(v.seats for v in inputs.vacancies),
        "proposals": len(records), "left_out_for_consent": left_out_for_consent,
        # The pool is not stored: its composition is counted now, for the fairness report.
        "fairness": fairness.composition(
            (p.groups() for p in pool.values()),
            (pool[a.candidate_id].groups() for a in result.assignments)),
        "excluded_suspended_employers": [
            {"employer_id": str(employer_id), "vacancies": count}
            for employer_id, count in inputs.suspended]}
    return Outcome(summary=summary, records=records)


async def store(session: AsyncSession, *, run_id: uuid.UUID, outcome: Outcome,
                timings: dict[str, float]) -> None:
    """Write the proposals (in bulk) and complete the run with its summary."""
    started = time.perf_counter()
    await repository.store_proposals(session, outcome.records)
    timings = {**timings, "store_seconds": time.perf_counter() - started}
    timings["total_seconds"] = sum(timings.values())
    await repository.set_run(session, run_id, {
        "status": "completed", "finished_at": now(),
        "summary": {**outcome.summary, "timings": timings}}, from_statuses=("running",))


# --- fairness -------------------------------------------------------------------------------


async def fairness_report(session: AsyncSession, *, principal: Principal,
                          run_id: uuid.UUID) -> tuple[MatchingRun, fairness.Report]:
    """The run's fairness report (:mod:`.fairness`): admins, officers of the programme and
    services, like the run itself. FairnessUnavailable for a run that did not complete (no
    proposals), or that completed before its pool's composition was recorded."""
    run = await _authorize(session, principal=principal, run_id=run_id)
    if run.status not in ("completed", "confirmed"):
        raise FairnessUnavailable(_("Run {run_id} is {status}: a fairness report is made of "
                                    "a completed (or confirmed) run's pool and proposals.",
                                    run_id=run_id, status=run.status))
    recorded = (run.summary or {}).get("fairness")
    if recorded is None:
        raise FairnessUnavailable(_("Run {run_id} completed before runs recorded their "
                                    "pool's composition; run matching again for a fairness "
                                    "report.", run_id=run_id))
    rows = await repository.proposal_outcomes(session, run.id,
                                              accepted=fairness.ACCEPTED_BY_BOTH,
                                              declined=fairness.DECLINED)
    return run, fairness.report(fairness.pool_counts(recorded), (
        fairness.Outcome(fairness.Groups(gender, nationality, age_band), placement, count)
        for gender, nationality, age_band, placement, count in rows))


# --- proposals ------------------------------------------------------------------------------


async def list_proposals(session: AsyncSession, *, principal: Principal, run_id: uuid.UUID,
                         page: PageParams, filters: dict[str, Any]) -> list[MatchingProposal]:
    """A page of the run's proposals the caller may see, in the engine's order (by vacancy,
    best score first)."""
    access.ensure_role(principal, PROPOSAL_READERS, N_("read matching proposals"))
    if principal.role != "employer":
        await _authorize(session, principal=principal, run_id=run_id)
        return await repository.list_proposals(session, run_id, page, filters=filters)
    own = principal.employer_id
    if own is None or not await repository.has_proposals_for(
            session, run_id, employer_id=own, statuses=EMPLOYER_STATUSES):
        raise MatchingRunNotFound(_("No matching run {run_id}.", run_id=run_id))
    return await repository.list_proposals(session, run_id, page,
                                           filters={**filters, "employer_id": own},
                                           statuses=EMPLOYER_STATUSES)


async def reject(session: AsyncSession, *, principal: Principal, run_id: uuid.UUID,
                 proposal_id: uuid.UUID, reason: str | None) -> MatchingProposal:
    """Drop a proposal of a completed run before confirming it (admins, officers)."""
    run = await _authorize(session, principal=principal, run_id=run_id, action="reject",
                           for_update=True)
    proposal = await repository.get_proposal(session, proposal_id, for_update=True)
    if proposal is None or proposal.run_id != run.id:
        raise ProposalNotFound(_("No proposal {proposal_id} in matching run {run_id}.",
                                 proposal_id=proposal_id, run_id=run_id))
    if run.status != "completed":
        raise IllegalTransition(action="reject proposals of a run", current_state=run.status,
                                allowed_from=["completed"])
    if proposal.status != "proposed":
        raise IllegalTransition(action="reject", current_state=proposal.status,
                                allowed_from=["proposed"])
    return await repository.set_proposal(session, proposal.id, {
        "status": "rejected",
        "outcome": f"rejected by {principal.role}" + (f": {reason}" if reason else "")})


# The consent a person's placement from a proposal needs in force when it is made: the one
# every applicant gives (the candidates service's data_processing), which matching needed too.
PLACING_CONSENT = "data_processing"


async def confirm(session: AsyncSession, *, principal: Principal, run_id: uuid.UUID,
                  expected_version: int | None, consents: CandidatesClient | None = None,
                  ) -> tuple[MatchingRun, list[MatchingProposal]]:
    """Turn every proposal still ``proposed`` into a placement; the run becomes confirmed.

    All at once (:func:`placement_service.create_from_proposals`: a run of 5,000 proposals
    one by one took a minute). A proposal whose candidate already holds a placement in the
    programme, or whose vacancy is full, closed or gone, is marked ``refused`` with the reason
    and the others go on; so is one whose candidate's ``data_processing`` consent is no longer
    in force now (withdrawn or expired since the run), asked of the candidates service through
    ``consents`` (CandidatesUnavailable, nothing changed, when it cannot be asked; None: the
    app has no candidates service to ask, as when the service runs alone).
    Confirming a confirmed run changes nothing and answers the same. Returns the run and the
    refused proposals.
    """
    run = await _authorize(session, principal=principal, run_id=run_id, action="confirm",
                           for_update=True, expected_version=expected_version)
    if run.status == "confirmed":
        return run, await repository.refused(session, run.id)
    if run.status != "completed":
        raise IllegalTransition(action="confirm", current_state=run.status,
                                allowed_from=["completed"])
    proposals = await repository.to_confirm(session, run.id)
    states = ({} if consents is None else await consents.consent_states(
        PLACING_CONSENT, [p.candidate_id for p in proposals]))
    lapsed = [(p.id, "refused", None, f"consent-required: the candidate's {PLACING_CONSENT} "
               f"consent is {states[p.candidate_id]} (not in force).")
              for p in proposals if states.get(p.candidate_id, "given") != "given"]
    proposals = [p for p in proposals if states.get(p.candidate_id, "given") == "given"]
    made = await placement_service.create_from_proposals(
        session, programme_id=run.programme_id, run_id=run.id, actor=principal,
        proposals=[placement_service.Proposal(
            proposal_id=p.id, candidate_id=p.candidate_id, vacancy_id=p.vacancy_id,
            score=p.score, origin_country=p.nationality, gender=p.gender) for p in proposals])
    await repository.record_outcomes(session, [*lapsed, *[
        (p.id, "confirmed", placement.id, None) if isinstance(placement, Placement)
        else (p.id, "refused", None, f"{placement.slug}: {placement.detail or placement.title}")
        for p, placement in zip(proposals, made, strict=True)]])
    counts = await repository.count_by_status(session, run.id)
    confirmed = await repository.set_run(session, run.id, {
        "status": "confirmed", "confirmed_at": now(), "confirmed_by": principal.subject,
        "confirmation": {"created": counts.get("confirmed", 0),
                         "refused": counts.get("refused", 0),
                         "rejected": counts.get("rejected", 0)}})
    assert confirmed is not None  # locked above
    return confirmed, await repository.refused(session, run.id)


async def candidate_profile(session: AsyncSession, *, principal: Principal,
                            placement_id: uuid.UUID) -> tuple[Placement, MatchingProposal]:
    """The placement and the proposal it came from, whose snapshot is the candidate's
    pseudonymised profile: for the employer until it accepts, for officers and admins always,
    for the candidate their own."""
    placement = await placement_service.authorize(session, principal=principal,
                                                  placement_id=placement_id,
                                                  action="read-candidate-profile")
    if placement.proposal_id is None:
        raise CandidateProfileNotFound(_("Placement {placement_id} was not made from a "
                                         "matching proposal: it has no proposal profile.",
                                         placement_id=placement_id))
    if principal.role == "employer" and placement.status != "proposed":
        raise CandidateProfileNotFound(_("Placement {placement_id} is past the proposal: "
                                         "its pseudonymised profile is no longer shown.",
                                         placement_id=placement_id))
    proposal = await repository.get_proposal(session, placement.proposal_id)
    if proposal is None:
        raise CandidateProfileNotFound(_("The proposal of placement {placement_id} is gone.",
                                         placement_id=placement_id))
    return placement, proposal


async def forget_candidate(session: AsyncSession, *, candidate_id: uuid.UUID) -> int:
    """Blank what proposals keep of an erased candidate (profile, gender, nationality, age
    band, skill lists), keeping ids and scores; how many proposals changed."""
    return await repository.erase_candidate(session, candidate_id)

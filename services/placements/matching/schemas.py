"""Wire formats of matching runs, their proposals and confirmation."""

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self, get_args

from pydantic import ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from services.placements.matching import inputs
from shared.i18n import _, declare_labels
from shared.schemas import ResponseModel, StrictModel

RunStatus = Literal["queued", "running", "completed", "failed", "confirmed"]
ProposalStatus = Literal["proposed", "rejected", "confirmed", "refused"]
Gender = Literal["female", "male", "other", "undisclosed"]
# Why a run failed (Failure.reason): the matching engine's and its inputs' stable codes.
FAILURE_REASONS = ("candidates_unavailable", "candidates_refused", "programme_not_found",
                   "bad_profiles", "interrupted", "engine_error")

# Display names of the codes a client shows (GET /v1/labels/placements).
declare_labels("matching_run.status", get_args(RunStatus))
declare_labels("matching_run.algorithm", get_args(inputs.Algorithm))
declare_labels("matching_run.failure_reason", FAILURE_REASONS)
declare_labels("proposal.status", get_args(ProposalStatus))
declare_labels("placement.gender", get_args(Gender))
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Weight = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
RankList = Annotated[list[uuid.UUID], Field(max_length=5000)]
_DEFAULT = inputs.Weights()
_DEFAULT_WEIGHTS: JsonDict = dict(_DEFAULT.as_dict())

_RUN_ID = "3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9"
_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
_CANDIDATE_ID = "0b8e4d2a-3c5f-4e6a-8b7c-9d0e1f2a3b4c"
_VACANCY_ID = "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918"
_EMPLOYER_ID = "2c1b0a9f-8e7d-4c6b-9a5f-4e3d2c1b0a9f"


class Weights(StrictModel):
    """How much each part of the score counts (each part is a share in [0, 1]); the defaults
    add up to 1, so scores are in [0, 1]."""

    skills_required: Weight = _DEFAULT.skills_required
    skills_nice: Weight = _DEFAULT.skills_nice
    language_surplus: Weight = _DEFAULT.language_surplus
    sector: Weight = _DEFAULT.sector
    location: Weight = _DEFAULT.location
    education: Weight = _DEFAULT.education


class Exclusion(StrictModel):
    """A pair the officer rules out."""

    candidate_id: uuid.UUID
    vacancy_id: uuid.UUID


class Parameters(StrictModel):
    """A run's parameters, as stored and shown (defaults filled in)."""

    algorithm: Literal["optimal", "stable"] = Field(
        "optimal", description="optimal: the largest total score; stable: deferred acceptance, "
        "no candidate and vacancy both prefer each other to what they got.")
    weights: Weights = Field(default_factory=Weights)
    min_score: float = Field(0.0, ge=0, le=600, allow_inf_nan=False,
                             description="Pairs scoring below it are never proposed.")
    exclusions: list[Exclusion] = Field(default_factory=list, max_length=10_000)
    gender_min_share: dict[Gender, Share] = Field(
        default_factory=dict, description="optimal only: minimum share of the placements per "
        "gender, e.g. {\"female\": 0.45}; reported unmet when the pool cannot reach it.")
    max_per_employer: int | None = Field(
        None, ge=1, le=100_000, description="optimal only: at most this many per employer.")
    candidate_ranks: dict[uuid.UUID, RankList] | None = Field(
        None, description="stable only: a candidate's vacancies, best first (others rank by "
        "score).")
    vacancy_ranks: dict[uuid.UUID, RankList] | None = Field(
        None, description="stable only: a vacancy's candidates, best first.")
    time_limit_seconds: float = Field(
        60.0, gt=0, le=600, description="Bound on the optimal solve under gender shares or a "
        "cap per employer (admins only).")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if sum(self.gender_min_share.values()) > 1 + 1e-9:
            raise ValueError(_("gender_min_share: the shares add up to more than 1"))
        if self.algorithm == "optimal" and (self.candidate_ranks or self.vacancy_ranks):
            raise ValueError(_("candidate_ranks and vacancy_ranks order the stable algorithm "
                               "only; optimal maximises the total score"))
        for name in ("candidate_ranks", "vacancy_ranks"):
            for key, ranked in (getattr(self, name) or {}).items():
                if len(set(ranked)) != len(ranked):
                    raise ValueError(_("{name}[{key}] lists an id twice", name=name, key=key))
        return self

    def engine(self, *, extra_exclusions: set[tuple[uuid.UUID, uuid.UUID]]
               ) -> inputs.MatchingParameters:
        """The engine's parameters, with exclusions the run adds (declined pairs)."""
        return inputs.MatchingParameters(
            weights=inputs.Weights(**self.weights.model_dump()), min_score=self.min_score,
            algorithm=self.algorithm,
            exclusions={(e.candidate_id, e.vacancy_id) for e in self.exclusions}
            | extra_exclusions,
            gender_min_share={gender: share for gender, share in self.gender_min_share.items()},
            max_per_employer=self.max_per_employer,
            candidate_ranks=self.candidate_ranks, vacancy_ranks=self.vacancy_ranks,
            time_limit_seconds=self.time_limit_seconds)


class MatchingRunCreate(Parameters):
    """A run to start: the programme and the parameters (all optional)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"programme_id": _PROGRAMME_ID, "algorithm": "optimal", "min_score": 0.3,
         "gender_min_share": {"female": 0.45}, "max_per_employer": 4},
        {"programme_id": _PROGRAMME_ID, "algorithm": "stable",
         "weights": {"skills_required": 0.6, "skills_nice": 0.1, "language_surplus": 0.1,
                     "sector": 0.1, "location": 0.05, "education": 0.05},
         "exclusions": [{"candidate_id": _CANDIDATE_ID, "vacancy_id": _VACANCY_ID}]},
    ]})

    programme_id: uuid.UUID

    def parameters(self) -> Parameters:
        """The parameters alone, as stored on the run."""
        return Parameters.model_validate(self.model_dump(exclude={"programme_id"}))


# Fields some roles may not set (shared.access.reject_fields).
ADMIN_ONLY_FIELDS = frozenset({"time_limit_seconds"})


class Failure(ResponseModel):
    """Why a run failed."""

    reason: str = Field(description="candidates_unavailable, candidates_refused, "
                        "programme_not_found, bad_profiles, interrupted or engine_error.")
    detail: str


class UnmetConstraint(ResponseModel):
    constraint: str
    reason: str


class Timings(ResponseModel):
    """Where the run's time went, in seconds."""

    fetch_seconds: float = Field(description="Profiles over HTTP, vacancies from the database.")
    match_seconds: float = Field(description="Score, constraints, assignment, explanations.")
    store_seconds: float
    total_seconds: float


class GroupShare(ResponseModel):
    """A group's part of the run's pool and of its proposals, on the run's day."""

    group: str = Field(description="female, MA, 25-34…; unknown when the value is missing.")
    pool: int = Field(description="Candidates of the group the run considered, on its day.")
    pool_share: float | None = Field(description="pool / the pool's size; null when empty.")
    selected: int = Field(description="The group's proposals, whatever became of them.")
    selected_share: float | None = Field(description="selected / the run's proposals; null "
                                         "without proposals.")


class RunFairness(ResponseModel):
    """The pool and the proposals of the run by gender, nationality and age band (its
    fairness report, ``GET /v1/matching-runs/{id}/fairness``, follows them further)."""

    gender: list[GroupShare]
    nationality: list[GroupShare]
    age_band: list[GroupShare]


class ExcludedEmployer(ResponseModel):
    """An employer suspended in the programme when the run read its vacancies."""

    employer_id: uuid.UUID
    vacancies: int = Field(description="Its vacancies in the programme the suspension keeps "
                           "out of matching: those it closed, and any open.")


class Summary(ResponseModel):
    """A completed run's figures."""

    candidates: int = Field(description="Candidates matched (selected, not already placed).")
    already_placed: int = Field(description="Selected candidates left out: they hold a "
                                "placement in the programme.")
    left_out_for_consent: int = Field(
        0, description="Selected candidates left out of the pool because a consent matching "
        "needs (data_processing, and those the programme requires) was not in force when the "
        "run read them.")
    vacancies: int
    seats: int = Field(description="Free seats of the open vacancies.")
    proposals: int
    total_score: float
    unassigned_candidates: int
    unfilled_seats: int
    candidates_without_options: int
    acceptable_pairs: int
    unmet_constraints: list[UnmetConstraint]
    blocking_pairs: int | None = Field(description="stable: 0 (checked); optimal: null.")
    placed_by_gender: dict[str, int]
    fairness: RunFairness | None = Field(
        None, description="Pool and proposals by gender, nationality and age band: each "
        "group's count and share (null for a run made before runs recorded them).")
    excluded_suspended_employers: list[ExcludedEmployer] = Field(
        default_factory=list, description="Employers suspended in the programme: none of "
        "their vacancies was matched (empty for runs made before suspensions existed).")
    timings: Timings


class Confirmation(ResponseModel):
    """What confirming the run did."""

    created: int = Field(description="Placements created from proposals.")
    refused: int = Field(description="Proposals that could not become placements.")
    rejected: int = Field(description="Proposals the officers rejected before confirming.")


class MatchingRunOut(ResponseModel):
    """A matching run; poll it until ``status`` is ``completed`` (or ``failed``)."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": _RUN_ID, "programme_id": _PROGRAMME_ID, "status": "completed",
        "parameters": {"algorithm": "optimal", "weights": _DEFAULT_WEIGHTS, "min_score": 0.3,
                       "exclusions": [], "gender_min_share": {"female": 0.45},
                       "max_per_employer": 4, "candidate_ranks": None,
                       "vacancy_ranks": None, "time_limit_seconds": 60.0},
        "requested_by": "user-12", "failure": None, "confirmation": None,
        "created_at": "2026-06-01T10:00:00Z", "started_at": "2026-06-01T10:00:00Z",
        "finished_at": "2026-06-01T10:00:06Z", "confirmed_at": None, "confirmed_by": None,
        "version": 3, "updated_at": "2026-06-01T10:00:06Z",
        "summary": {"candidates": 120, "already_placed": 0, "left_out_for_consent": 2,
                    "vacancies": 14, "seats": 30,
                    "proposals": 30, "total_score": 21.4, "unassigned_candidates": 90,
                    "unfilled_seats": 0, "candidates_without_options": 12,
                    "acceptable_pairs": 860, "unmet_constraints": [], "blocking_pairs": None,
                    "placed_by_gender": {"female": 15, "male": 15},
                    "fairness": {
                        "gender": [
                            {"group": "female", "pool": 60, "pool_share": 0.5,
                             "selected": 15, "selected_share": 0.5},
                            {"group": "male", "pool": 60, "pool_share": 0.5,
                             "selected": 15, "selected_share": 0.5}],
                        "nationality": [
                            {"group": "MA", "pool": 80, "pool_share": 0.6667,
                             "selected": 21, "selected_share": 0.7},
                            {"group": "TN", "pool": 40, "pool_share": 0.3333,
                             "selected": 9, "selected_share": 0.3}],
                        "age_band": [
                            {"group": "18-24", "pool": 70, "pool_share": 0.5833,
                             "selected": 16, "selected_share": 0.5333},
                            {"group": "25-34", "pool": 50, "pool_share": 0.4167,
                             "selected": 14, "selected_share": 0.4667}]},
                    "excluded_suspended_employers": [
                        {"employer_id": _EMPLOYER_ID, "vacancies": 2}],
                    "timings": {"fetch_seconds": 0.08, "match_seconds": 0.05,
                                "store_seconds": 0.01, "total_seconds": 0.14}},
    }]})

    id: uuid.UUID
    programme_id: uuid.UUID
    status: RunStatus
    parameters: Parameters
    requested_by: str
    failure: Failure | None
    summary: Summary | None
    confirmation: Confirmation | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    confirmed_at: datetime | None
    confirmed_by: str | None
    version: int
    updated_at: datetime


class SkillOut(ResponseModel):
    uri: str | None
    label: str | None


class LanguageOut(ResponseModel):
    language: str
    level: str


class EducationOut(ResponseModel):
    level: str
    field: str | None
    year: int | None


class ProfileSnapshot(ResponseModel):
    """A candidate as matching read them, pseudonymised: skills, languages and education only
    (no name, contact, birth date, gender or nationality)."""

    skills: list[SkillOut]
    languages: list[LanguageOut]
    education: list[EducationOut]


class ScorePart(ResponseModel):
    share: float = Field(description="In [0, 1].")
    weight: float
    points: float = Field(description="share x weight; the parts' points add up to the total.")


class Explanation(ResponseModel):
    """Why the pair scores what it scores. The skill lists are null once the candidate's data
    was erased."""

    matched_required_skills: list[str] | None
    missing_required_skills: list[str] | None
    matched_nice_to_have_skills: list[str] | None
    parts: dict[str, ScorePart]
    total: float


class ProposalOut(ResponseModel):
    """A pair the run proposes, with its explanation and the candidate's pseudonymised profile
    (null once the candidate's data was erased)."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "01890a5d-ac96-774b-bcce-b302099a8057", "run_id": _RUN_ID,
        "candidate_id": _CANDIDATE_ID, "vacancy_id": _VACANCY_ID, "employer_id": _EMPLOYER_ID,
        "score": 0.8, "status": "proposed", "placement_id": None, "outcome": None,
        "explanation": {
            "matched_required_skills": ["python"], "missing_required_skills": [],
            "matched_nice_to_have_skills": [],
            "parts": {"skills_required": {"share": 1.0, "weight": 0.4, "points": 0.4},
                      "skills_nice": {"share": 0.0, "weight": 0.15, "points": 0.0},
                      "language_surplus": {"share": 0.0, "weight": 0.1, "points": 0.0},
                      "sector": {"share": 1.0, "weight": 0.15, "points": 0.15},
                      "location": {"share": 1.0, "weight": 0.1, "points": 0.1},
                      "education": {"share": 1.0, "weight": 0.15, "points": 0.15}},
            "total": 0.8},
        "profile": {"skills": [{"uri": None, "label": "Python"}],
                    "languages": [{"language": "fr", "level": "B2"}],
                    "education": [{"level": "bachelor", "field": "computer science",
                                   "year": 2024}]},
        "created_at": "2026-06-01T10:00:06Z",
    }]})

    id: uuid.UUID
    run_id: uuid.UUID
    candidate_id: uuid.UUID
    vacancy_id: uuid.UUID
    employer_id: uuid.UUID
    score: float
    status: ProposalStatus
    placement_id: uuid.UUID | None = Field(description="The placement confirming made.")
    outcome: str | None = Field(description="Why it was rejected, or could not be confirmed.")
    explanation: Explanation
    profile: ProfileSnapshot | None
    created_at: datetime


class RejectBody(StrictModel):
    """Why the officer drops the proposal; shown to officers only."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"reason": "The candidate asked not to go to this city."}]})

    reason: Annotated[str, Field(min_length=1, max_length=2000)] | None = None


class RefusedProposal(ResponseModel):
    """A proposal confirming could not turn into a placement, and why."""

    proposal_id: uuid.UUID = Field(validation_alias="id")
    candidate_id: uuid.UUID
    vacancy_id: uuid.UUID
    outcome: str | None


class ConfirmOut(ResponseModel):
    """The confirmed run, and the proposals that could not become placements."""

    run: MatchingRunOut
    refused: list[RefusedProposal]


class CandidateProfileOut(ResponseModel):
    """The pseudonymised profile of the candidate proposed on a placement."""

    placement_id: uuid.UUID
    proposal_id: uuid.UUID
    candidate_id: uuid.UUID
    profile: ProfileSnapshot | None = Field(description="Null once the candidate's data was "
                                            "erased.")


class GroupFigures(GroupShare):
    """One group's figures in a run's fairness report: its part of the pool and of the
    proposals (``group`` is unknown also for a candidate erased since the run), and what
    became of its proposals."""

    selection_rate: float | None = Field(description="selected / pool.")
    placed: int = Field(description="Proposals confirming turned into placements.")
    placed_share: float | None = Field(description="placed / the run's placements.")
    accepted: int = Field(description="Placements accepted by both parties (employer, then "
                          "candidate), whatever happened next.")
    declined: int = Field(description="Placements declined by either party.")
    awaiting: int = Field(description="Placements still awaiting an acceptance.")
    acceptance_rate: float | None = Field(description="accepted / selected: of the group's "
                                          "proposals, the share accepted by both parties.")


class FairnessTotals(ResponseModel):
    """The run's totals, which every dimension's groups add up to."""

    pool: int = Field(description="The run's summary's candidates.")
    selected: int = Field(description="The run's proposals (its summary's proposals).")
    placed: int = Field(description="Placements made (its confirmation's created).")
    accepted: int
    declined: int
    awaiting: int


_GROUP = {"pool_share": 0.5, "selected_share": 0.5, "placed_share": 0.5, "declined": 0}


class FairnessReportOut(ResponseModel):
    """Who a run considered, proposed and placed, by gender, nationality and age band, against
    its pool; shares are of the dimension's total, null when that total is 0. Shares and rates
    are only counted here: no score ever reads gender, nationality or age."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "run_id": _RUN_ID, "programme_id": _PROGRAMME_ID, "run_status": "confirmed",
        "totals": {"pool": 4, "selected": 2, "placed": 2, "accepted": 1, "declined": 0,
                   "awaiting": 1},
        "gender": [
            {"group": "female", "pool": 2, "selected": 1, "selection_rate": 0.5, "placed": 1,
             "accepted": 1, "awaiting": 0, "acceptance_rate": 1.0, **_GROUP},
            {"group": "male", "pool": 2, "selected": 1, "selection_rate": 0.5, "placed": 1,
             "accepted": 0, "awaiting": 1, "acceptance_rate": 0.0, **_GROUP}],
        "nationality": [
            {"group": "MA", "pool": 4, "pool_share": 1.0, "selected": 2,
             "selected_share": 1.0, "selection_rate": 0.5, "placed": 2, "placed_share": 1.0,
             "accepted": 1, "declined": 0, "awaiting": 1, "acceptance_rate": 0.5}],
        "age_band": [
            {"group": "18-24", "pool": 2, "selected": 1, "selection_rate": 0.5, "placed": 1,
             "accepted": 1, "awaiting": 0, "acceptance_rate": 1.0, **_GROUP},
            {"group": "unknown", "pool": 2, "selected": 1, "selection_rate": 0.5,
             "placed": 1, "accepted": 0, "awaiting": 1, "acceptance_rate": 0.0, **_GROUP}],
    }]})

    run_id: uuid.UUID
    programme_id: uuid.UUID
    run_status: RunStatus = Field(description="completed: nothing placed yet; confirmed: "
                                  "placed, accepted, declined and awaiting count placements.")
    totals: FairnessTotals
    gender: list[GroupFigures]
    nationality: list[GroupFigures]
    age_band: list[GroupFigures]

"""Wire formats of grievances: filing one, acting on it, reading it and its history, and the
programme's grievance statistics."""

import uuid
from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from shared.disclosure import THRESHOLD
from shared.i18n import declare_labels
from shared.schemas import ResponseModel, StrictModel

Category = Literal["wages", "hours", "housing", "health_safety", "harassment",
                   "discrimination", "contract_substitution", "document_retention",
                   "fees_charged", "other"]
Severity = Literal["low", "medium", "high", "critical"]
Level = Literal["employer", "programme", "ministry"]
FirstLevel = Literal["employer", "programme"]
Status = Literal["open", "in_progress", "resolved"]
Outcome = Literal["upheld", "partly_upheld", "not_upheld", "withdrawn"]

# Display names of the codes a client shows (GET /v1/labels/placements).
declare_labels("grievance.category", get_args(Category))
declare_labels("grievance.severity", get_args(Severity))
declare_labels("grievance.level", get_args(Level))
declare_labels("grievance.status", get_args(Status))
declare_labels("grievance.outcome", get_args(Outcome))
Words = Annotated[str, StringConstraints(min_length=1, max_length=5000)]
Subject = Annotated[str, StringConstraints(min_length=1, max_length=200)]

_ID = "2c4e6a8b-1d3f-4a5b-9c7d-8e0f1a2b3c4d"
_PLACEMENT_ID = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
_EMPLOYER_ID = "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b"
_CANDIDATE_ID = "3b4c5d6e-7f80-4192-a3b4-c5d6e7f8091a"


class GrievanceCreate(StrictModel):
    """A complaint about a placement, by its worker or on their behalf."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "placement_id": _PLACEMENT_ID, "category": "fees_charged",
        "description": "The recruiter asked me for 300 euros before the visa appointment.",
        "severity": "high", "share_identity_with_employer": False,
        "handled_first_by": "programme"}]})

    placement_id: uuid.UUID = Field(description="The worker's placement (yours, for a worker).")
    category: Category
    description: Words = Field(description="What happened, in the worker's words.")
    severity: Severity = Field(description=(
        "Sets the deadline at each level: critical 2 days, high 5, medium 10, low 20."))
    share_identity_with_employer: bool = Field(False, description=(
        "Whether the employer may know whose grievance it is; without it the employer sees "
        "neither the placement, the person nor who filed. Always true when the employer files."))
    handled_first_by: FirstLevel = Field("programme", description=(
        "Who handles it first: the programme's officers (default), or the employer, if the "
        "worker wants it to try first; it escalates to the programme, then the ministry."))
    received_at: AwareDatetime | None = Field(None, description=(
        "When the worker made the complaint, for one an officer or admin enters afterwards (a "
        "call, a letter): not in the future; its deadline counts from then, so one entered "
        "late may escalate at once. Default: now. Other roles file as it happens (403 "
        "`historical-entry-forbidden`)."))


class RespondBody(StrictModel):
    """A response to the worker by whoever handles the grievance now."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "message": "We have asked the recruiter for a receipt and will call you on Friday."}]})

    message: Words


class AssignBody(StrictModel):
    """The officer who handles the grievance on the programme's side."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"officer_subject": "me"}]})

    officer_subject: Subject = Field(description="The officer's account (token subject); "
                                     "`me` for yourself.")


class ResolveBody(StrictModel):
    """How the grievance ends."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "outcome": "upheld",
        "resolution": "The fee was refunded by the recruiter and reported to the ministry."}]})

    outcome: Outcome
    resolution: Words = Field(description="What was done, told to the worker.")


class SatisfactionBody(StrictModel):
    """How satisfied the worker is with the resolution."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"satisfaction": 4}]})

    satisfaction: int = Field(ge=1, le=5, description="1 (not at all) to 5 (fully).")


class GrievanceOut(ResponseModel):
    """A grievance as its reader may see it. For an employer that may not know whose it is
    (`share_identity_with_employer` false), `placement_id`, `candidate_id`, who filed it and
    the worker's satisfaction are null."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": _ID, "programme_id": _PROGRAMME_ID, "employer_id": _EMPLOYER_ID,
        "placement_id": _PLACEMENT_ID, "candidate_id": _CANDIDATE_ID,
        "share_identity_with_employer": False, "on_behalf": False, "filed_by": "candidate-1a2b3c",
        "filed_by_role": "candidate", "category": "fees_charged", "severity": "high",
        "description": "The recruiter asked me for 300 euros before the visa appointment.",
        "handled_first_by": "programme", "level": "programme", "status": "open",
        "owner_subject": None, "filed_at": "2026-10-01T09:00:00Z",
        "due_at": "2026-10-06T09:00:00Z", "escalated_at": None, "outcome": None,
        "resolution": None, "resolved_at": None, "satisfaction": None, "rated_at": None}]})

    id: uuid.UUID
    programme_id: uuid.UUID
    employer_id: uuid.UUID
    placement_id: uuid.UUID | None
    candidate_id: uuid.UUID | None
    share_identity_with_employer: bool = Field(description=(
        "Whether the employer may know whose it is."))
    on_behalf: bool | None = Field(description="Filed by someone other than the worker.")
    filed_by: str | None
    filed_by_role: str | None
    category: Category
    severity: Severity
    description: str | None = Field(description="Null once the candidate was erased.")
    handled_first_by: FirstLevel
    level: Level = Field(description="Who handles it now.")
    status: Status
    owner_subject: str | None = Field(description="The officer assigned, if any.")
    filed_at: datetime
    due_at: datetime = Field(description="When it must be resolved at its current level.")
    escalated_at: datetime | None
    outcome: Outcome | None
    resolution: str | None
    resolved_at: datetime | None
    satisfaction: int | None
    rated_at: datetime | None


class GrievanceActionOut(ResponseModel):
    """One step of a grievance."""

    action: Literal["file", "assign", "respond", "escalate", "resolve", "satisfaction"]
    level: Level = Field(description="The level after the step.")
    status: Status = Field(description="The status after the step.")
    actor: str | None = Field(description="The account that acted (null where the reader "
                              "may not know it).")
    actor_role: str | None
    message: str | None = Field(description="A response's words (null where the reader may "
                                "not read them, and once the candidate was erased).")
    at: datetime


class GrievanceHistory(BaseModel):
    """A grievance's steps, oldest first."""

    items: list[GrievanceActionOut]


_NULL = (f"Null for a reader below officer when withheld: a count of 1 to {THRESHOLD - 1} "
         "grievances, or one the other counts would give away (see `suppressed_cells`).")


class GrievanceStatistics(BaseModel):
    """A programme's grievances counted. `by_category`, `by_severity` and `by_status` each sum
    to `total`; `by_outcome` sums to `by_status.resolved`; `unresolved_by_level` sums to the
    open and in-progress ones."""

    programme_id: uuid.UUID
    computed_at: datetime
    total: int | None = Field(description=_NULL)
    by_category: dict[str, int | None] = Field(description="Every category. " + _NULL)
    by_severity: dict[str, int | None] = Field(description="Every severity. " + _NULL)
    by_status: dict[str, int | None] = Field(description="open, in_progress, resolved. "
                                             + _NULL)
    by_outcome: dict[str, int | None] = Field(description="Of the resolved. " + _NULL)
    unresolved_by_level: dict[str, int | None] = Field(description=(
        "The unresolved, by who handles them now. " + _NULL))
    escalated_to_ministry_unresolved: int | None = Field(description=(
        "Unresolved at the ministry's level: past the programme's deadline too. " + _NULL))
    overdue: int | None = Field(description="Unresolved past their current deadline. " + _NULL)
    mean_days_to_resolution: float | None = Field(description=(
        "From filing to resolution, over the resolved; null with none, or when their count "
        "is withheld."))
    satisfaction_responses: int | None = Field(description=(
        "Resolved grievances whose worker gave their satisfaction. " + _NULL))
    satisfaction_mean: float | None = Field(description=(
        "1 to 5; null with no response, or when their count is withheld."))
    suppressed_cells: int = Field(0, description=(
        f"Figures withheld (null) for a reader below officer: counts of 1 to {THRESHOLD - 1} "
        "(0 and more than that are shown), those the shown counts and the sums above would "
        "give away, and the means of withheld counts. Officers and admins read every figure."))
    small_cell_threshold: int | None = Field(None, description=(
        f"{THRESHOLD} for a reader whose figures are suppressed; null for exact figures."))

"""Wire formats of applications, screening and selection."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, ConfigDict, Field, StringConstraints

from services.candidates.vocabulary import LongText
from shared.schemas import ResponseModel, StrictModel

Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Status = Literal["draft", "submitted", "eligible", "ineligible", "shortlisted", "selected",
                 "waitlisted", "rejected", "withdrawn", "placed", "returned"]

_APPLICATION_ID = "6f1c2a4e-8d1b-4c1e-9a57-1f0b7e3c2d10"
_CANDIDATE_ID = "0b8e4d2a-3c5f-4e6a-8b7c-9d0e1f2a3b4c"
_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"


class ApplicationCreate(StrictModel):
    """A new application, created as a draft. Status, score and ids are never client-set."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra={"examples": [{
                                  "candidate_id": _CANDIDATE_ID, "programme_id": _PROGRAMME_ID,
                                  "motivation": "I want to gain experience in network "
                                  "engineering and bring it back to Casablanca.",
                              }]})

    candidate_id: uuid.UUID
    programme_id: uuid.UUID
    motivation: LongText | None = None


class RejectBody(StrictModel):
    """Why an officer rejects an application; kept in the transition history."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra={"examples": [
                                  {"reason": "Interview: technical level below the cohort."}]})

    reason: Reason


class SubmitBody(StrictModel):
    """When a past submission happened, as staff record it from the programme's files."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"submitted_at": "2019-04-02T10:15:00Z"}]})

    submitted_at: AwareDatetime | None = Field(
        None, description="Staff only: the moment it was submitted (not in the future); the "
        "intake window is checked against it. Default: now.")


class WithdrawBody(StrictModel):
    """An optional reason the candidate gives for withdrawing."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra={"examples": [
                                  {"reason": "Accepted a job offer at home."}]})

    reason: Reason | None = None


class ScreeningReason(ResponseModel):
    """One rule's outcome: ``code`` is ``passed`` or a failure code such as ``language_missing``."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "code": "language_below_minimum", "rule": "required_languages.fr",
        "detail": "Language 'fr' is at A2, below the required B1.",
        "required": "B1", "actual": "A2",
    }]})

    code: str
    rule: str
    detail: str
    required: Any = None
    actual: Any = None


class ApplicationOut(ResponseModel):
    """An application as the API shows it; ``status`` changes only through actions."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": _APPLICATION_ID, "candidate_id": _CANDIDATE_ID, "programme_id": _PROGRAMME_ID,
        "status": "selected", "motivation": None,
        "submitted_at": "2026-02-01T09:30:00Z", "screened_at": "2026-04-02T08:00:00Z",
        "screening_reasons": [{"code": "passed", "rule": "nationalities",
                               "detail": "Nationality MA is among the admitted nationalities "
                               "(MA, TN).", "required": ["MA", "TN"], "actual": "MA"}],
        "score": 71.429, "score_parts": {"education": 21.429, "languages": 10.0,
                                         "sector": 25.0, "nomination": 15.0},
        "selection_rank": 3, "decision_reason": "selected: rank 3 within capacity",
        "version": 5, "created_at": "2026-01-20T10:00:00Z", "updated_at": "2026-04-03T08:00:00Z",
    }]})

    id: uuid.UUID
    candidate_id: uuid.UUID
    programme_id: uuid.UUID
    status: Status
    motivation: str | None
    submitted_at: datetime | None
    screened_at: datetime | None
    screening_reasons: list[ScreeningReason] = Field(
        description="Ineligible: every failing rule. Eligible: every rule checked, code 'passed'.")
    score: float | None = Field(description="Selection score, 0 to 100; see score_parts.")
    score_parts: dict[str, float] | None = Field(
        description="Points per part (education, languages, sector, nomination); they sum to "
        "score.")
    selection_rank: int | None = Field(
        description="Selected: rank in the selection run. Waitlisted: position on the waitlist.")
    decision_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class TransitionOut(ResponseModel):
    """One status change in an application's history."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "action": "submit", "from_status": "draft", "to_status": "submitted", "reason": None,
        "at": "2026-02-01T09:30:00Z",
    }]})

    action: str
    from_status: Status
    to_status: Status
    reason: str | None
    at: datetime


class TransitionList(ResponseModel):
    """An application's status changes, oldest first."""

    items: list[TransitionOut]


class ScreeningResult(ResponseModel):
    """The outcome of screening one application."""

    application_id: uuid.UUID
    candidate_id: uuid.UUID
    status: Literal["eligible", "ineligible"]
    reasons: list[ScreeningReason]


class ScreeningRun(ResponseModel):
    """Screening every submitted application of a programme at once."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "programme_id": _PROGRAMME_ID, "screened": 2, "eligible": 1, "ineligible": 1,
        "outcomes": [
            {"application_id": _APPLICATION_ID, "candidate_id": _CANDIDATE_ID,
             "status": "ineligible", "reasons": [{
                 "code": "age_above_maximum", "rule": "max_age",
                 "detail": "Age 36 on 2026-03-31 is above the maximum of 35.",
                 "required": 35, "actual": 36}]},
        ],
    }]})

    programme_id: uuid.UUID
    screened: int
    eligible: int
    ineligible: int
    outcomes: list[ScreeningResult]


class SelectionDecisionOut(ResponseModel):
    """What a selection run decided for one application of the pool."""

    application_id: uuid.UUID
    candidate_id: uuid.UUID
    gender: str
    score: float
    score_parts: dict[str, float]
    rank: int = Field(description="Position in the ranked pool (1 is best).")
    outcome: Literal["selected", "waitlisted"]
    waitlist_position: int | None
    reason: str


class GenderTargetOut(ResponseModel):
    """How one gender target of the programme came out of the run."""

    gender: str
    kind: Literal["at_least", "exactly"] = Field(
        description="at_least: the seats a minimum share reserves; exactly: an exact split.")
    target: int = Field(description="Seats the target asks for.")
    selected: int = Field(description="Selected of that gender, earlier selections included.")
    met: bool
    reason: str | None = Field(description="Why the target was not met; null when it was.")


class SelectionSummary(ResponseModel):
    """Totals after the run; ``selected`` and ``by_gender`` include earlier selections."""

    capacity: int
    seats_available: int = Field(description="Seats that were free when this run started.")
    reserved_per_gender: int = Field(
        description="Seats reserved for women and for men each (ceil(share * capacity), at most "
        "half the capacity; all of it for a programme admitting only one of them); 0 with an "
        "exact split (see targets).")
    selected: int
    newly_selected: int
    waitlisted: int
    by_gender: dict[str, int]
    target_met: bool
    target_note: str
    targets: list[GenderTargetOut] = Field(
        description="Each gender target: seats asked, selected, met, and why not.")


class SelectionRun(ResponseModel):
    """The result of a selection run: one decision per pool application and a summary."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "programme_id": _PROGRAMME_ID,
        "decisions": [{
            "application_id": _APPLICATION_ID, "candidate_id": _CANDIDATE_ID,
            "gender": "female", "score": 61.429,
            "score_parts": {"education": 21.429, "languages": 0.0, "sector": 25.0,
                            "nomination": 15.0},
            "rank": 3, "outcome": "selected", "waitlist_position": None,
            "reason": "selected: rank 3 within capacity"}],
        "summary": {"capacity": 20, "seats_available": 20, "reserved_per_gender": 8,
                    "selected": 20, "newly_selected": 20, "waitlisted": 4,
                    "by_gender": {"female": 3, "male": 17}, "target_met": False,
                    "target_note": "only 3 eligible women for 8 reserved seats",
                    "targets": [
                        {"gender": "female", "kind": "at_least", "target": 8, "selected": 3,
                         "met": False, "reason": "only 3 eligible women for 8 reserved seats"},
                        {"gender": "male", "kind": "at_least", "target": 8, "selected": 17,
                         "met": True, "reason": None}]},
    }]})

    programme_id: uuid.UUID
    decisions: list[SelectionDecisionOut]
    summary: SelectionSummary

"""Wire formats of suspending and reinstating an employer, and of its standing: the evidence,
per programme, of how it treats the people it hosts.

The evidence is made of sections (placements, check-ins, wage checks, housing checks,
evaluations, grievances, the fees charged to workers).
"""

import uuid
from datetime import date
from typing import Literal, get_args

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from services.placements.employers.schemas import Obligations, Standing, SuspensionOut
from services.placements.vocabulary import Reason
from shared.disclosure import THRESHOLD
from shared.i18n import declare_labels
from shared.schemas import ResponseModel, StrictModel

_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
_EMPLOYER_ID = "2c1b0a9f-8e7d-4c6b-9a5f-4e3d2c1b0a9f"
_NULL = (f"Null for a ministry when withheld: a count of 1 to {THRESHOLD - 1} people, or one "
         "the other counts would give away (see `suppressed_cells`).")
Rating = Literal["technical_skills", "communication", "teamwork", "reliability"]
# Display names of the evaluation's criteria (GET /v1/labels/placements).
declare_labels("evaluation.rating", get_args(Rating))


class SuspendBody(StrictModel):
    """Suspend the employer in one programme, on the day it took effect."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "programme_id": _PROGRAMME_ID,
        "reason": "Housing below the agreed standard at two check-ins; fees charged to workers.",
        "suspended_on": "2026-11-30", "review_on": "2027-02-28",
    }]})

    programme_id: uuid.UUID = Field(description="A programme of yours the employer has an "
                                    "agreement with.")
    reason: Reason = Field(description="Why; shown to the programme's officers, admins and the "
                           "employer itself. Required, not blank.")
    suspended_on: date | None = Field(None, description="The day it took effect: default "
                                      "today, may be in the past, never in the future.")
    review_on: date | None = Field(None, description="When the officers plan to review it; "
                                   "not before suspended_on.")


class ReinstateBody(StrictModel):
    """Reinstate the employer in one programme, on the day it took effect."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "programme_id": _PROGRAMME_ID,
        "reason": "Housing moved to the agreed standard; fees reimbursed.",
        "reinstated_on": "2027-02-28",
    }]})

    programme_id: uuid.UUID
    reason: Reason = Field(description="Why; required, not blank.")
    reinstated_on: date | None = Field(None, description="Default today; not in the future "
                                       "nor before the suspension.")


class PlacementFigures(ResponseModel):
    """The employer's placements (each one person)."""

    total: int | None = Field(description=_NULL)
    by_status: dict[str, int | None] = Field(description="The statuses that occur (absent: "
                                             "none). " + _NULL)


class CheckInFigures(ResponseModel):
    """Check-ins recorded during its stays: how many, how many found a housing issue, and
    their incidents by type."""

    total: int | None = Field(description=_NULL)
    with_housing_issue: int | None = Field(description=_NULL)
    incidents_by_type: dict[str, int | None] = Field(description="The incident types that "
                                                     "occur (absent: none). " + _NULL)


class CheckFigures(ResponseModel):
    """Checks made at those check-ins (a housing check: the dwelling's rent, space and
    occupants), and how many found at least one deviation."""

    done: int | None = Field(description=_NULL)
    with_deviation: int | None = Field(description=_NULL)


class WageCheckFigures(CheckFigures):
    """Wage checks made at those check-ins (a month's pay against the agreed pay), how many
    found at least one deviation, and how many found each kind (a check may find several)."""

    by_deviation_kind: dict[str, int | None] = Field(
        description="Every kind: wage_shortfall, excessive_deductions, fee_deducted. " + _NULL)


class GrievanceFigures(ResponseModel):
    """The grievances about the employer: how many, by category and by outcome. Each breakdown
    adds up to the total."""

    total: int | None = Field(description=_NULL)
    by_category: dict[str, int | None] = Field(description="Every category. " + _NULL)
    by_outcome: dict[str, int | None] = Field(
        description="Every outcome of the resolved (upheld, partly_upheld, not_upheld, "
        "withdrawn), and unresolved for those still open or in progress. " + _NULL)


class EvaluationFigures(ResponseModel):
    """The employer's evaluations of its trainees at the end of their stays."""

    count: int | None = Field(description=_NULL)
    mean_ratings: dict[Rating, float | None] = Field(
        description="Mean of each rating (1 to 5) over the evaluations; null when there is "
        "none, or when the count is withheld.")
    would_host_again_share: float | None = Field(
        description="Share of the evaluations saying it would host the trainee again; null "
        "like the means.")


class FeeFigures(ResponseModel):
    """The employer's workers who paid any recruitment fee or related cost themselves (a
    standing recruitment cost line paid by the worker, above zero: the placement's
    `zero_fee` is false), among the workers SDG 10.7.1 counts (placements from both parties'
    acceptance on, through the stay to its end; not proposed, declined nor refused a visa), and
    how many paid in each ILO category. A worker who paid in several categories counts in each:
    the categories need not add up to `workers_who_paid`."""

    workers_who_paid: int | None = Field(description=_NULL)
    by_category: dict[str, int | None] = Field(
        description="Every ILO category: recruitment_fee, medical, insurance, skills_tests, "
        "training, equipment, travel_lodging, administrative, other. " + _NULL)


class Evidence(ResponseModel):
    """What the programme knows of how the employer hosts people, counted."""

    placements: PlacementFigures
    check_ins: CheckInFigures
    wage_checks: WageCheckFigures
    housing_checks: CheckFigures
    evaluations: EvaluationFigures
    grievances: GrievanceFigures
    fees_charged: FeeFigures | None = Field(
        description="Null for the employer reading its own standing: it reads no recruitment "
        "cost (a worker reporting a fee its agent charged must not be exposed to it).")


class ProgrammeStanding(ResponseModel):
    """The employer in one programme: its agreement, its standing there and the evidence."""

    programme_id: uuid.UUID
    agreement_signed_date: date | None = Field(
        description="Null when the employer has no agreement with the programme any more.")
    obligations: Obligations | None
    standing: Standing
    suspension: SuspensionOut | None = Field(description="The suspension in force, if any.")
    suspensions: int = Field(description="Suspensions ever recorded in the programme.")
    evidence: Evidence


# Counts of 0 or at least 5: an example a ministry could read as it is.
_EVIDENCE: JsonDict = {
    "placements": {"total": 12, "by_status": {"active": 7, "completed": 5}},
    "check_ins": {"total": 30, "with_housing_issue": 5, "incidents_by_type": {"housing": 5}},
    "wage_checks": {"done": 24, "with_deviation": 5,
                    "by_deviation_kind": {"excessive_deductions": 0, "fee_deducted": 0,
                                          "wage_shortfall": 5}},
    "housing_checks": {"done": 12, "with_deviation": 5},
    "evaluations": {"count": 5, "mean_ratings": {"technical_skills": 4.4,
                                                 "communication": 4.0, "teamwork": 4.2,
                                                 "reliability": 4.6},
                    "would_host_again_share": 1.0},
    "grievances": {"total": 10,
                   "by_category": {"contract_substitution": 0, "discrimination": 0,
                                   "document_retention": 0, "fees_charged": 5,
                                   "harassment": 0, "health_safety": 0, "hours": 0,
                                   "housing": 5, "other": 0, "wages": 0},
                   "by_outcome": {"not_upheld": 0, "partly_upheld": 0, "unresolved": 5,
                                  "upheld": 5, "withdrawn": 0}},
    "fees_charged": {"workers_who_paid": 7,
                     "by_category": {"administrative": 5, "equipment": 0, "insurance": 0,
                                     "medical": 0, "other": 0, "recruitment_fee": 7,
                                     "skills_tests": 0, "training": 0, "travel_lodging": 0}},
}
# A programme's evidence as a ministry reads it: a small count withheld (a visa two workers
# paid themselves).
_MINISTRY_EVIDENCE: JsonDict = _EVIDENCE | {"fees_charged": {
    "workers_who_paid": 7, "by_category": {"administrative": None, "equipment": 0,
                                           "insurance": 0, "medical": 0, "other": 0,
                                           "recruitment_fee": 7, "skills_tests": 0,
                                           "training": 0, "travel_lodging": 0}}}


class EmployerStanding(ResponseModel):
    """An employer's standing in each programme the caller sees (an officer: theirs; admins and
    the employer itself: every one). Counts only: no worker is named."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "employer_id": _EMPLOYER_ID, "name": "Nordlys Software", "standing": "active",
        "programmes": [{
            "programme_id": _PROGRAMME_ID, "agreement_signed_date": "2026-01-10",
            "obligations": {"mentor": True, "stipend": True, "stipend_amount": "1200.00",
                            "stipend_currency": "EUR", "housing_support": False},
            "standing": "active", "suspension": None, "suspensions": 1,
            "evidence": _EVIDENCE}],
    }]})

    employer_id: uuid.UUID
    name: str
    standing: Standing = Field(description="suspended while suspended in one of the "
                               "programmes shown.")
    programmes: list[ProgrammeStanding]


class EmployerStandingLine(ResponseModel):
    """One employer of the programme: who it is (a company, not a person), its standing there
    and, for officers and admins, its evidence."""

    employer_id: uuid.UUID
    name: str
    country: str
    sector: str
    standing: Standing
    suspended_on: date | None = Field(description="Since when it is suspended, if it is.")
    review_on: date | None
    suspensions: int = Field(description="Suspensions ever recorded in the programme.")
    evidence: Evidence | None = Field(description="Exact, for officers of the programme and "
                                      "admins; null for a ministry, which reads the "
                                      "programme's `evidence` only.")


def _report(evidence: JsonDict, line: JsonDict | None, *, suppressed_cells: int,
            small_cell_threshold: int | None) -> JsonDict:
    """An example of a programme's report: its ``evidence``, and an employer's line with
    its own (``line``; None for a ministry)."""
    return {
        "programme_id": _PROGRAMME_ID, "employers_with_agreement": 12, "suspended_now": 1,
        "suspensions_recorded": 2, "evidence": evidence,
        "employers": [{"employer_id": _EMPLOYER_ID, "name": "Nordlys Software",
                       "country": "FR", "sector": "ict", "standing": "suspended",
                       "suspended_on": "2026-11-30", "review_on": "2027-02-28",
                       "suspensions": 1, "evidence": line}],
        "suppressed_cells": suppressed_cells, "small_cell_threshold": small_cell_threshold}


class ProgrammeEmployerStanding(ResponseModel):
    """The standing of a programme's employers: companies by name, workers only as counts.

    Officers of the programme and admins read every employer's evidence, exactly. A ministry
    reads the aggregate employer standing, not workers: each employer's line without its
    evidence (null), and the programme's evidence under disclosure control: 1 to 4 is null, and
    so is every count the others would give away; a mean or share is null with its count.
    Suspension reasons are not shown here."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        _report(_EVIDENCE, _EVIDENCE, suppressed_cells=0, small_cell_threshold=None),
        _report(_MINISTRY_EVIDENCE, None, suppressed_cells=1, small_cell_threshold=THRESHOLD),
    ]})

    programme_id: uuid.UUID
    employers_with_agreement: int
    suspended_now: int
    suspensions_recorded: int = Field(description="Suspensions ever recorded in the programme, "
                                      "reinstated ones included.")
    evidence: Evidence = Field(description="The whole programme: each count is the sum of the "
                               "employers' own. " + _NULL)
    employers: list[EmployerStandingLine] = Field(
        description="Every employer with an agreement, placements or suspensions in the "
        "programme, by name.")
    suppressed_cells: int = Field(0, description="Counts withheld (null) for a ministry.")
    small_cell_threshold: int | None = Field(None, description=(
        f"{THRESHOLD} for a reader whose figures are suppressed; null for exact figures."))

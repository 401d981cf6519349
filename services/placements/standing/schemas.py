"""Wire formats of suspending and reinstating an employer, and of its standing: the evidence,
per programme, of how it treats the people it hosts.

The evidence is made of sections (placements, check-ins, wage checks, housing checks,
evaluations, grievances); the fees charged to workers join as a further section with the
recruitment costs.
"""

import uuid
from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from services.placements.employers.schemas import Obligations, Standing, SuspensionOut
from services.placements.vocabulary import Reason
from shared.disclosure import THRESHOLD
from shared.schemas import ResponseModel, StrictModel

_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
_EMPLOYER_ID = "2c1b0a9f-8e7d-4c6b-9a5f-4e3d2c1b0a9f"
_NULL = (f"Null for a ministry when withheld: a count of 1 to {THRESHOLD - 1} people, or one "
         "the other counts would give away (see `suppressed_cells`).")
Rating = Literal["technical_skills", "communication", "teamwork", "reliability"]


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


class Evidence(ResponseModel):
    """What the programme knows of how the employer hosts people, counted."""

    placements: PlacementFigures
    check_ins: CheckInFigures
    wage_checks: WageCheckFigures
    housing_checks: CheckFigures
    evaluations: EvaluationFigures
    grievances: GrievanceFigures


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


_EVIDENCE: JsonDict = {
    "placements": {"total": 6, "by_status": {"active": 4, "completed": 2}},
    "check_ins": {"total": 14, "with_housing_issue": 3,
                  "incidents_by_type": {"housing": 3, "workplace_conflict": 1}},
    "wage_checks": {"done": 12, "with_deviation": 2,
                    "by_deviation_kind": {"excessive_deductions": 1, "fee_deducted": 1,
                                          "wage_shortfall": 1}},
    "housing_checks": {"done": 6, "with_deviation": 2},
    "evaluations": {"count": 2, "mean_ratings": {"technical_skills": 4.5,
                                                 "communication": 4.0, "teamwork": 4.0,
                                                 "reliability": 5.0},
                    "would_host_again_share": 1.0},
    "grievances": {"total": 3,
                   "by_category": {"contract_substitution": 0, "discrimination": 0,
                                   "document_retention": 0, "fees_charged": 1,
                                   "harassment": 0, "health_safety": 0, "hours": 0,
                                   "housing": 2, "other": 0, "wages": 0},
                   "by_outcome": {"not_upheld": 0, "partly_upheld": 0, "unresolved": 1,
                                  "upheld": 2, "withdrawn": 0}},
}


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
    """One employer of the programme: who it is, its standing there and its evidence."""

    employer_id: uuid.UUID
    name: str
    country: str
    sector: str
    standing: Standing
    suspended_on: date | None = Field(description="Since when it is suspended, if it is.")
    review_on: date | None
    suspensions: int = Field(description="Suspensions ever recorded in the programme.")
    evidence: Evidence


class ProgrammeEmployerStanding(ResponseModel):
    """The standing of a programme's employers: companies by name, workers only as counts.

    For a ministry the counts of people are under disclosure control: 1 to 4 is null, and so is
    every count the others would give away; a mean or share is null with its count. Officers
    of the programme and admins read every figure. Suspension reasons are not shown here."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "programme_id": _PROGRAMME_ID, "employers_with_agreement": 12, "suspended_now": 1,
        "suspensions_recorded": 2, "evidence": _EVIDENCE,
        "employers": [{"employer_id": _EMPLOYER_ID, "name": "Nordlys Software",
                       "country": "FR", "sector": "ict", "standing": "suspended",
                       "suspended_on": "2026-11-30", "review_on": "2027-02-28",
                       "suspensions": 1, "evidence": _EVIDENCE}],
        "suppressed_cells": 0, "small_cell_threshold": None,
    }]})

    programme_id: uuid.UUID
    employers_with_agreement: int
    suspended_now: int
    suspensions_recorded: int = Field(description="Suspensions ever recorded in the programme, "
                                      "reinstated ones included.")
    evidence: Evidence = Field(description="The whole programme: each count is the sum of the "
                               "employers' own.")
    employers: list[EmployerStandingLine] = Field(
        description="Every employer with an agreement, placements or suspensions in the "
        "programme, by name.")
    suppressed_cells: int = Field(0, description="Counts withheld (null) for a ministry.")
    small_cell_threshold: int | None = Field(None, description=(
        f"{THRESHOLD} for a reader whose figures are suppressed; null for exact figures."))

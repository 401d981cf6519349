"""Wire formats of mentors, check-ins with their incidents and wage and housing checks, alerts
and evaluations."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Self, get_args

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, model_validator

from services.placements.vocabulary import Contact, CurrencyCode, LongText
from shared.i18n import _, declare_labels
from shared.schemas import ResponseModel, StrictModel

Severity = Literal["low", "medium", "high", "critical"]
IncidentType = Literal["accident", "health", "harassment", "housing", "workplace_conflict",
                       "legal", "missing", "other"]
# What a wage or housing check can find (services.placements.monitoring.checks).
DeviationKind = Literal["wage_shortfall", "excessive_deductions", "fee_deducted",
                        "overcrowded_housing"]
DeductionKind = Literal["housing", "food", "transport", "recruitment_fee", "other"]
Condition = Literal["ok", "issue"]

# Display names of the codes a client shows (GET /v1/labels/placements).
declare_labels("incident.severity", get_args(Severity))
declare_labels("incident.type", get_args(IncidentType))
declare_labels("check.deviation", get_args(DeviationKind))
declare_labels("check.deduction", get_args(DeductionKind))
declare_labels("check_in.housing", get_args(Condition))
Rating = Annotated[int, Field(ge=1, le=5)]
# An amount of money in the check's currency (a month's pay in forints or CFA francs runs
# to six digits).
Money = Annotated[Decimal, Field(ge=0, le=10_000_000, decimal_places=2)]


def _month(value: str) -> str:
    """The month YYYY-MM of ``value`` (YYYY-MM or YYYY-MM-01), a month of the calendar."""
    date.fromisoformat(f"{value[:7]}-01")  # a ValueError for year 0000: a 422
    return value[:7]


# A calendar month, YYYY-MM; its first day (YYYY-MM-01) is taken for it.
Month = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])(-01)?$"),
                  AfterValidator(_month)]

_PLACEMENT_ID = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"


class MentorCreate(Contact):
    """A mentor the employer names for the trainee."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "Luca Bianchi", "email": "luca.bianchi@nordlys.example",
        "phone": "+390212345678", "role": "Senior network engineer"}]})


class MentorOut(ResponseModel):
    """A mentor of a placement."""

    id: uuid.UUID
    placement_id: uuid.UUID
    name: str
    email: str
    phone: str | None
    role: str | None
    created_at: datetime


class MentorList(ResponseModel):
    """A placement's mentors, first named first."""

    items: list[MentorOut]


class Incident(StrictModel):
    """Something that happened to or around the trainee; high and critical ones alert the
    programme's officers."""

    type: IncidentType
    severity: Severity
    description: LongText | None = None


class Deduction(StrictModel):
    """An amount the employer kept from the month's pay, and what for."""

    kind: DeductionKind = Field(description="housing, food, transport, recruitment_fee (a fee "
                                "for the job itself: workers pay none) or other.")
    amount: Money


class WageCheckCreate(StrictModel):
    """What the worker was paid for one month, against what was agreed.

    ``agreed_amount`` and ``paid_amount`` are on the same basis (both before, or both after,
    the taxes and social contributions withheld by law, which are neither a shortfall nor a
    deduction here); the worker received ``paid_amount`` less the ``deductions``.
    """

    period: Month = Field(description="The month paid: YYYY-MM (or YYYY-MM-01), from the "
                          "arrival's month to the check-in's.")
    agreed_amount: Money | None = Field(
        None, description="The monthly pay agreed; defaults to the vacancy's stipend, which "
        "is a monthly amount. Above 0.")
    paid_amount: Money = Field(description="What the employer paid for the month, before the "
                               "deductions listed.")
    currency: CurrencyCode | None = Field(
        None, description="ISO 4217, of every amount of the check. Defaults to the vacancy's "
        "stipend currency, and must be it when agreed_amount is taken from the stipend.")
    deductions: list[Deduction] = Field(default_factory=list, max_length=20)


class HousingCheckCreate(StrictModel):
    """The dwelling the worker lives in: what it costs them and how much room they have."""

    rent_amount: Money | None = Field(None, description="The worker's own monthly rent or "
                                      "share of it; with currency.")
    currency: CurrencyCode | None = Field(None, description="ISO 4217, of rent_amount.")
    deducted_from_wages: bool = Field(False, description="The employer keeps the rent from "
                                      "the pay (needs rent_amount).")
    living_space_m2: Decimal | None = Field(
        None, gt=0, le=10_000, decimal_places=2,
        description="The dwelling's living floor space in m²; with occupants.")
    occupants: int | None = Field(None, ge=1, le=500,
                                  description="People sharing the dwelling, the worker included.")
    condition: Condition | None = Field(None, description="Defaults to the check-in's housing; "
                                        "if given, the same.")
    note: LongText | None = None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if (self.rent_amount is None) != (self.currency is None):
            raise ValueError(_("rent_amount and currency go together: give both or neither"))
        if (self.living_space_m2 is None) != (self.occupants is None):
            raise ValueError(_("living_space_m2 and occupants go together: give both or neither"))
        if self.rent_amount is None and self.living_space_m2 is None:
            raise ValueError(_("a housing check gives rent_amount, or living_space_m2 and "
                               "occupants, or all of them"))
        if self.deducted_from_wages and self.rent_amount is None:
            raise ValueError(_("deducted_from_wages needs rent_amount"))
        return self


class CheckInCreate(StrictModel):
    """A check-in during the stay (only while the placement is active), maybe with a wage check
    and a housing check."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "check_in_date": "2026-10-01", "wellbeing": 4, "housing": "issue",
        "housing_note": "Heating broken since last week.", "health_flag": False,
        "notes": "Settling in well at work.",
        "incidents": [{"type": "housing", "severity": "medium",
                       "description": "Landlord slow to repair the heating."}]}, {
        "check_in_date": "2026-11-03", "wellbeing": 2, "housing": "ok",
        "wage_check": {"period": "2026-10", "paid_amount": "900.00", "currency": "EUR",
                       "deductions": [{"kind": "housing", "amount": "250.00"}]},
        "housing_check": {"rent_amount": "250.00", "currency": "EUR",
                          "deducted_from_wages": True, "living_space_m2": "24",
                          "occupants": 4}}]})

    check_in_date: date | None = Field(None, description="Defaults to today; within the stay.")
    wellbeing: Rating = Field(description="1 (very poor) to 5 (very good).")
    housing: Condition
    housing_note: LongText | None = None
    health_flag: bool = Field(False, description="A health concern to follow up.")
    notes: LongText | None = None
    incidents: list[Incident] = Field(default_factory=list, max_length=20)
    wage_check: WageCheckCreate | None = Field(
        None, description="A month's pay against the agreed pay; a deviation alerts the "
        "programme's officers.")
    housing_check: HousingCheckCreate | None = Field(
        None, description="The dwelling; overcrowding alerts the programme's officers.")

    @model_validator(mode="after")
    def _one_condition(self) -> Self:
        if self.housing_check is not None and self.housing_check.condition not in (
                None, self.housing):
            raise ValueError(_("housing_check.condition contradicts housing: give the same "
                               "or leave it out"))
        return self


class DeviationOut(ResponseModel):
    """What a check found against a rule, as it was when the check was recorded; each raised an
    alert to the programme's officers."""

    kind: DeviationKind
    severity: Severity
    detail: str = Field(description="What was found, in numbers.")


class WageCheckOut(ResponseModel):
    """A month's pay as recorded, with the deviations found."""

    period: str = Field(description="The month paid, YYYY-MM.")
    agreed_amount: Decimal
    agreed_from: Literal["given", "vacancy_stipend"] = Field(
        description="Whether the agreed amount was given or taken from the vacancy's stipend.")
    paid_amount: Decimal
    currency: str
    deductions: list[Deduction]
    deductions_total: Decimal
    received_amount: Decimal = Field(description="paid_amount less the deductions (below 0: "
                                     "the worker ended the month owing).")
    deviations: list[DeviationOut]


class HousingCheckOut(ResponseModel):
    """The dwelling as recorded, with the deviations found."""

    rent_amount: Decimal | None
    currency: str | None
    deducted_from_wages: bool
    living_space_m2: Decimal | None
    occupants: int | None
    space_per_occupant_m2: Decimal | None = Field(description="living_space_m2 / occupants, "
                                                  "to 0.1 m².")
    condition: Condition
    note: str | None = None
    deviations: list[DeviationOut]


class CheckInOut(ResponseModel):
    """A recorded check-in, with its wage and housing checks and what they found."""

    id: uuid.UUID
    placement_id: uuid.UUID
    check_in_date: date
    wellbeing: int
    housing: Literal["ok", "issue"]
    housing_note: str | None
    health_flag: bool
    notes: str | None
    incidents: list[Incident]
    wage_check: WageCheckOut | None
    housing_check: HousingCheckOut | None
    recorded_by: str
    recorded_by_role: str = Field(description="employer, officer or admin; candidate: the "
                                  "trainee reported it themself.")
    created_at: datetime


class AlertOut(ResponseModel):
    """An alert raised by a high or critical incident, or by a deviation a wage or housing check
    found; read the check-in for its details."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "4f3e2d1c-0b9a-4876-9543-210fedcba987", "placement_id": _PLACEMENT_ID,
        "check_in_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "programme_id": _PROGRAMME_ID,
        "incident_type": "accident", "severity": "high", "created_at": "2026-10-01T09:00:00Z",
        "acknowledged_at": None, "acknowledged_by": None}]})

    id: uuid.UUID
    placement_id: uuid.UUID
    check_in_id: uuid.UUID
    programme_id: uuid.UUID
    incident_type: IncidentType | DeviationKind = Field(
        description="The incident's type, or the deviation's kind.")
    severity: Severity
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class EvaluationCreate(StrictModel):
    """The employer's final evaluation of the trainee, given once after the stay."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "technical_skills": 4, "communication": 5, "teamwork": 4, "reliability": 5,
        "would_host_again": True, "comments": "A valued member of the team."}]})

    technical_skills: Rating
    communication: Rating
    teamwork: Rating
    reliability: Rating
    would_host_again: bool
    comments: LongText | None = None


class EvaluationOut(ResponseModel):
    """A placement's evaluation."""

    id: uuid.UUID
    placement_id: uuid.UUID
    technical_skills: int
    communication: int
    teamwork: int
    reliability: int
    would_host_again: bool
    comments: str | None
    evaluator: str
    created_at: datetime


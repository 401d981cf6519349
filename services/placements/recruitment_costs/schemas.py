"""Wire formats of recruitment costs, earnings at destination, exchange-rate tables and SDG
indicator 10.7.1."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Self, get_args

from pydantic import ConfigDict, Field, model_validator

from services.placements.vocabulary import CurrencyCode, LongText, Reason, ShortText
from shared.i18n import _, declare_labels
from shared.schemas import ResponseModel, StrictModel

Category = Literal["recruitment_fee", "medical", "insurance", "skills_tests", "training",
                   "equipment", "travel_lodging", "administrative", "other"]
Payer = Literal["worker", "employer", "programme", "other"]
Reporter = Literal["worker", "officer"]

# Display names of the codes a client shows (GET /v1/labels/placements).
declare_labels("recruitment_cost.category", get_args(Category))
declare_labels("recruitment_cost.payer", get_args(Payer))
declare_labels("recruitment_cost.reporter", get_args(Reporter))
# Three decimals: the Tunisian dinar has millimes.
Amount = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=3)]
Earning = Annotated[Decimal, Field(gt=0, max_digits=15, decimal_places=3)]
Rate = Annotated[Decimal, Field(gt=0, max_digits=24, decimal_places=12)]

_PLACEMENT_ID = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"


class RecruitmentCostCreate(StrictModel):
    """One recruitment fee or related cost, as the ILO's 2019 definition counts them:
    ``recruitment_fee``, then the related costs by kind (``medical``, ``insurance``,
    ``skills_tests``, ``training``, ``equipment``, ``travel_lodging``, ``administrative``:
    visas, permits, passports and document fees; ``other``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "category": "recruitment_fee", "amount": "3000.00", "currency": "MAD",
        "incurred_on": "2026-05-12", "paid_by": "worker",
        "evidence_reference": "Receipt 2026-0117 of Agence Atlas Emploi",
        "note": "Paid in cash to the agency before the interview."}]})

    category: Category
    amount: Amount = Field(description="Zero or more, in ``currency``.")
    currency: CurrencyCode = Field(description="ISO 4217.")
    incurred_on: date = Field(description="When it was paid or charged; not in the future.")
    paid_by: Payer = Field(description="Who bore the cost: the worker, the employer, the "
                           "programme or someone else.")
    evidence_reference: ShortText | None = Field(
        None, description="Where the evidence is: a receipt's number, a document's name.")
    note: LongText | None = None


class RecruitmentCostWithdraw(StrictModel):
    """Why a cost line is withdrawn (a mistake): it stays in the record, marked withdrawn."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "reason": "Entered twice; the receipt is the same."}]})

    reason: Reason


class RecruitmentCostOut(ResponseModel):
    """A recorded cost line; ``withdrawn_at`` set once it was withdrawn."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a", "placement_id": _PLACEMENT_ID,
        "category": "recruitment_fee", "amount": "3000.000", "currency": "MAD",
        "incurred_on": "2026-05-12", "paid_by": "worker",
        "evidence_reference": "Receipt 2026-0117 of Agence Atlas Emploi",
        "note": "Paid in cash to the agency before the interview.",
        "recorded_by": "candidate-7f3a", "recorded_by_role": "candidate",
        "created_at": "2026-06-01T10:00:00Z", "withdrawn_at": None, "withdrawn_by": None,
        "withdrawal_reason": None}]})

    id: uuid.UUID
    placement_id: uuid.UUID
    category: Category
    amount: Decimal
    currency: str
    incurred_on: date
    paid_by: Payer
    evidence_reference: str | None
    note: str | None
    recorded_by: str
    recorded_by_role: str
    created_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawal_reason: str | None


class EarningsPut(StrictModel):
    """The worker's earnings in their first month at destination, as reported."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "monthly_amount": "1450.00", "currency": "EUR", "as_of": "2026-09-30"}]})

    monthly_amount: Earning = Field(description="Earnings of that month, above zero.")
    currency: CurrencyCode = Field(description="ISO 4217.")
    as_of: date = Field(description="A day of the month they were earned in (the first at "
                        "destination); not in the future.")


class EarningsOut(ResponseModel):
    """A placement's monthly earnings at destination as SDG 10.7.1 uses them: those reported
    (``source`` ``reported``), else the vacancy's monthly stipend (``vacancy``), else unknown
    (``source`` null). ``version`` is that of the reported earnings, 0 while none were
    reported: send it as ``If-Match`` to report them."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "placement_id": _PLACEMENT_ID, "monthly_amount": "1450.000", "currency": "EUR",
        "as_of": "2026-09-30", "source": "reported", "reported_by": "worker", "version": 1,
        "updated_at": "2026-10-02T08:00:00Z"}]})

    placement_id: uuid.UUID
    monthly_amount: Decimal | None
    currency: str | None
    as_of: date | None = Field(description="Reported earnings: a day of the month they are "
                               "for.")
    source: Literal["reported", "vacancy"] | None
    reported_by: Reporter | None
    version: int
    updated_at: datetime | None = Field(description="When the earnings were last reported.")


class ExchangeRatesCreate(StrictModel):
    """A programme's exchange rates valid on a date: what one unit of each currency is worth in
    the reporting currency (which is 1 to itself, given or not)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "programme_id": _PROGRAMME_ID, "reporting_currency": "EUR", "valid_on": "2026-06-30",
        "rates": {"MAD": "0.0921", "TND": "0.2950", "NGN": "0.00061", "XOF": "0.0015245"}}]})

    programme_id: uuid.UUID
    reporting_currency: CurrencyCode = Field(description="ISO 4217.")
    valid_on: date = Field(description="The date the rates are of; not in the future.")
    rates: dict[CurrencyCode, Rate] = Field(
        min_length=1, max_length=300,
        description="ISO 4217 code -> value of one unit in the reporting currency, above zero.")

    @model_validator(mode="after")
    def _reporting_is_one(self) -> Self:
        if self.rates.get(self.reporting_currency, Decimal(1)) != 1:
            raise ValueError(_("the reporting currency's own rate is 1"))
        return self


class ExchangeRateTableOut(ResponseModel):
    """A rate table a programme supplied (never changed; a newer one supersedes it)."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "6e5d4c3b-2a19-4f8e-8d7c-6b5a4f3e2d1c", "programme_id": _PROGRAMME_ID,
        "reporting_currency": "EUR", "valid_on": "2026-06-30",
        "rates": {"MAD": "0.0921", "TND": "0.2950"}, "created_at": "2026-07-01T09:00:00Z"}]})

    id: uuid.UUID
    programme_id: uuid.UUID
    reporting_currency: str
    valid_on: date
    rates: dict[str, Decimal]
    created_at: datetime


# --- SDG 10.7.1 -------------------------------------------------------------------------------

_WITHHELD = "Null when withheld (see `Sdg1071.suppressed_cells`)."


class RatioBands(ResponseModel):
    """How many counted workers spent how much of their first month's earnings at destination
    on being recruited; the bands add up to ``counted``. Each is null when withheld."""

    zero: int | None = Field(description="Paid nothing themselves.")
    up_to_half_month: int | None = Field(description="More than 0, up to 0.5 months.")
    half_to_one_month: int | None = Field(description="More than 0.5, up to 1 month.")
    one_to_two_months: int | None = Field(description="More than 1, up to 2 months.")
    over_two_months: int | None = Field(description="More than 2 months.")


class CostCell(ResponseModel):
    """SDG 10.7.1 over a group of workers (one counted placement each)."""

    workers: int | None = Field(description=f"Workers of the group. {_WITHHELD}")
    paid_any_fee: int | None = Field(
        description="Who paid any recruitment fee or related cost themselves (their "
        "placement's `zero_fee` is false).")
    paid_any_fee_share: float | None = Field(description="paid_any_fee / workers.")
    without_earnings: int | None = Field(
        description="Left out of the ratio: no earnings at destination known (none reported, "
        "no stipend on the vacancy).")
    without_earnings_paid_any_fee: int | None = Field(
        description="Of those, who paid any fee themselves.")
    unconverted: int | None = Field(
        description="Left out of the ratio: a cost they paid, or their earnings, in a "
        "currency the rate table lacks (or no table); they all paid a fee.")
    counted: int | None = Field(description="In the ratio: workers - without_earnings - "
                                "unconverted.")
    mean_ratio: float | None = Field(
        description="SDG 10.7.1: the mean over counted workers of the recruitment costs each "
        "bore, over their own monthly earnings at destination (1.0 = one month's earnings).")
    max_ratio: float | None = Field(description="One person's figure: null below officer.")
    bands: RatioBands


class CostGroup(CostCell):
    """One group of a breakdown (``unknown`` where nobody gave it)."""

    value: str


class Sdg1071(ResponseModel):
    """SDG indicator 10.7.1 of a programme — recruitment cost borne by employee as a proportion
    of monthly income earned in country of destination — with the share of workers who paid any
    fee, broken down by origin and destination country, sector and gender."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "programme_id": _PROGRAMME_ID, "computed_at": "2026-11-01T09:00:00Z",
        "reporting_currency": "EUR", "rates_valid_on": "2026-06-30",
        "rate_table_id": "6e5d4c3b-2a19-4f8e-8d7c-6b5a4f3e2d1c",
        "placement_statuses": ["accepted_by_candidate", "visa_pending", "visa_granted",
                               "active", "completed", "ended_early"],
        "small_cell_threshold": None, "suppressed_cells": 0,
        "total": {"workers": 40, "paid_any_fee": 12, "paid_any_fee_share": 0.3,
                  "without_earnings": 2, "without_earnings_paid_any_fee": 1,
                  "unconverted": 1, "counted": 37, "mean_ratio": 0.1554, "max_ratio": 2.4,
                  "bands": {"zero": 27, "up_to_half_month": 6, "half_to_one_month": 2,
                            "one_to_two_months": 1, "over_two_months": 1}},
        "by_origin_country": [], "by_destination_country": [], "by_sector": [],
        "by_gender": []}]})

    programme_id: uuid.UUID
    computed_at: datetime
    reporting_currency: str | None = Field(
        description="Of the rate table used: the programme's latest (by `rates_valid_on`); "
        "null while it supplied none (then every worker who paid something is "
        "`unconverted`).")
    rates_valid_on: date | None
    rate_table_id: uuid.UUID | None
    placement_statuses: list[str] = Field(
        description="The placement states a worker is counted in: from both parties' "
        "acceptance on, not declined nor refused a visa.")
    small_cell_threshold: int | None = Field(description=(
        "Null for officers, admins and services, who read every figure. For a ministry: "
        "counts of 1 to this minus 1 workers are withheld, totals included, with the group "
        "they are the size of (left out of its breakdown), and so is every count or ratio "
        "sum the shown ones would give away by the sums between them: each breakdown adds up "
        "to `total`; `workers = without_earnings + unconverted + counted`; the bands add up "
        "to `counted`; `paid_any_fee + bands.zero = counted + unconverted + "
        "without_earnings_paid_any_fee`. A ratio is null when its counts are withheld."))
    suppressed_cells: int
    total: CostCell
    by_origin_country: list[CostGroup]
    by_destination_country: list[CostGroup]
    by_sector: list[CostGroup]
    by_gender: list[CostGroup]

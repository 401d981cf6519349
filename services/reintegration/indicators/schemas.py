"""Wire formats of the outcome indicators."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.reintegration.support.schemas import Kind, Stage
from shared.disclosure import THRESHOLD

_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
_POINT: dict[str, Any] = {
    "point_months": 6, "due": 40, "answered": 38, "unreachable": 2, "missed": 2, "open": 3,
    "pending": 7, "responded": 36, "response_rate": 0.9, "employed_or_self_employed": 24,
    "employed_or_self_employed_share": 0.6667, "host_company": 5, "host_company_share": 0.1389,
    "abroad": 3, "abroad_share": 0.0833}
_SPEND: dict[str, Any] = {"currency": "MAD", "amount": "30000.00", "measures": 12, "people": 12}


class PointIndicators(BaseModel):
    """The follow-ups at one point of the schedule (months after a return): who was due, who
    answered, and what they said. Every point of the programme's schedule is listed, answered
    or not. Each follow-up is one stay's: a returnee of two seasons counts twice. Shares are
    over ``responded``, the response rate over ``due``; null when there is nobody to divide
    by."""

    point_months: int
    due: int = Field(description="Follow-ups answered or whose window passed: "
                     "answered + missed.")
    answered: int | None = Field(description=(
        "With an answer recorded, `unreachable` included. Here and below, null for a reader "
        "below officer when withheld (see `Indicators.suppressed_cells`); a share is null when "
        "a count it divides is."))
    unreachable: int | None = Field(description="Recorded by a caseworker: nobody answered.")
    missed: int | None = Field(description="The window passed without an answer.")
    open: int | None = Field(description="Answerable now, not answered yet.")
    pending: int | None = Field(description="Not due yet.")
    responded: int | None = Field(description="Answered by a returnee who was reached: "
                           "answered - unreachable.")
    response_rate: float | None
    employed_or_self_employed: int | None = Field(description="Working.")
    employed_or_self_employed_share: float | None
    host_company: int | None = Field(
        description="Employed by the host company of the placement.")
    host_company_share: float | None
    abroad: int | None = Field(
        description="Working abroad: still (or again) out of the country.")
    abroad_share: float | None


class Spend(BaseModel):
    """Money disbursed to returnees (measures of their cases), in one currency."""

    currency: str
    amount: Decimal | None = Field(description="Null when withheld.")
    measures: int | None = Field(description="Null when withheld.")
    people: int


class Money(BaseModel):
    """An amount disbursed, in one currency."""

    currency: str
    amount: Decimal | None = Field(description="Null when withheld.")


class SupportIndicators(BaseModel):
    """The support measures of one kind given at one stage (cancelled ones left out), and the
    money disbursed in them."""

    stage: Stage
    kind: Kind
    measures: int | None = Field(description="Null when withheld.")
    people: int = Field(description=(
        "Distinct people; a reader below officer does not see a row of 1 to 4."))
    spend: list[Money]


class IndicatorCell(BaseModel):
    """The indicators of a group of returnees."""

    returnees: int | None = Field(description=(
        "People: the same as `people`. Null only in the total, when a reader below officer "
        "may not see it (a group whose size is withheld is left out whole)."))
    people: int | None = Field(description="Distinct returnees.")
    stays: int | None = Field(description=(
        "Their returns: a returnee of two seasons counts twice."))
    businesses_created: int | None = Field(
        description="Returnees who reported being self-employed or having created a business "
        "at any follow-up.")
    by_point: list[PointIndicators]
    support_spend: list[Spend]


class GroupIndicators(IndicatorCell):
    """The indicators of the returnees of one gender, origin country, sector or destination
    country (a returnee is counted under their latest stay's sector and destination)."""

    value: str = Field(description="The group: a gender, an origin country, a sector, a "
                       "destination country, `unknown`, or for ministries `other`, the sectors "
                       "of fewer than five people each taken together.")


class Indicators(BaseModel):
    """A programme's reintegration indicators, computed now, broken down by gender, origin
    country, the placement's sector and the destination country; and its support measures by
    stage and kind."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "programme_id": _PROGRAMME_ID, "computed_at": "2027-09-01T08:00:00Z",
        "small_cell_threshold": THRESHOLD, "suppressed_cells": 2,
        "total": {"returnees": 50, "people": 50, "stays": 62, "businesses_created": 6,
                  "by_point": [_POINT], "support_spend": [_SPEND]},
        "by_gender": [{"value": "female", "returnees": 24, "people": 24, "stays": 30,
                       "businesses_created": 0, "by_point": [], "support_spend": []}],
        "by_origin_country": [], "by_sector": [], "by_destination_country": [],
        "support": [{"stage": "during_stay", "kind": "mentoring", "measures": 41,
                     "people": 41, "spend": []},
                    {"stage": "after_return", "kind": "micro_grant", "measures": 12,
                     "people": 12, "spend": [{"currency": "MAD", "amount": "30000.00"}]}]}]})

    programme_id: uuid.UUID
    computed_at: datetime
    small_cell_threshold: int | None = Field(description=(
        f"For readers below officer (ministries), {THRESHOLD}: a count of fewer people is "
        "withheld, totals included, because so small a group could name a person; sectors "
        "that small are taken together as `other` first. Null for roles that see every cell."))
    suppressed_cells: int = Field(0, description=(
        "How many counts are withheld: the small ones, every count of a group, point, "
        "currency or support row whose size is withheld (it is left out whole), and every "
        "count the shown ones would give away through the sums this response documents: "
        "each breakdown adds up to `total`, count by count; at a point `due = answered + "
        "missed` and `answered = responded + unreachable`; the support rows' money is the "
        "returnees' `support_spend` and what people without a case got. A withheld count is "
        "null, or absent with its group, point or row."))
    total: IndicatorCell
    by_gender: list[GroupIndicators]
    by_origin_country: list[GroupIndicators]
    by_sector: list[GroupIndicators]
    by_destination_country: list[GroupIndicators]
    support: list[SupportIndicators] = Field(description=(
        "Every support measure of the programme, returnee case or not, by stage and kind."))

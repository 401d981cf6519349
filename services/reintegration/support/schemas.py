"""Wire formats of support measures."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import ConfigDict, Field

from services.reintegration.vocabulary import CurrencyCode, LongText, Reason, ShortText
from shared.i18n import declare_labels
from shared.schemas import PatchModel, ResponseModel, StrictModel

Kind = Literal["mentoring", "social", "financial", "health", "housing", "language",
               "entrepreneurship_training", "scholarship", "award", "micro_grant", "micro_loan",
               "job_referral", "psychosocial_support", "income_generating_activity"]
Stage = Literal["before_departure", "during_stay", "after_return"]
MeasureStatus = Literal["planned", "in_progress", "completed", "cancelled"]
Outcome = Literal["successful", "partially_successful", "unsuccessful"]

# Display names of the codes a client shows (GET /v1/labels/reintegration).
declare_labels("support_measure.kind", get_args(Kind))
declare_labels("support_measure.stage", get_args(Stage))
declare_labels("support_measure.status", get_args(MeasureStatus))
declare_labels("support_measure.outcome", get_args(Outcome))
Amount = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]

_MEASURE_ID = "8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d"
_CASE_ID = "3f2e1d0c-9b8a-4765-8432-10fedcba9876"
_CANDIDATE_ID = "0b8e4d2a-3c5f-4e6a-8b7c-9d0e1f2a3b4c"
_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"


class MeasureCreate(StrictModel):
    """A support measure for a person of a programme, at a stage.

    Either for a returnee's open case (``case_id``; stage ``after_return`` unless given), or
    for anyone selected in the programme, returnee case or not (``candidate_id`` and
    ``programme_id``, with the ``stage``): the candidates service is asked, with the caller's
    token, whether the caller reads that person's application there (404 otherwise). Both may
    be given when they agree. Money (``amount``, ``currency``, ``disbursed_date``) only for
    financial support, scholarships, awards, micro-grants, micro-loans and income-generating
    activities."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"case_id": _CASE_ID, "kind": "micro_grant", "provider": "Fondation Hassan II",
         "amount": "2500.00", "currency": "MAD", "disbursed_date": "2027-04-15",
         "description": "Start-up grant for a web agency."},
        {"candidate_id": _CANDIDATE_ID, "programme_id": _PROGRAMME_ID, "stage": "during_stay",
         "kind": "mentoring", "provider": "Comune di Milano", "start_date": "2027-01-10"}]})

    case_id: uuid.UUID | None = Field(None, description="The returnee's open case.")
    candidate_id: uuid.UUID | None = Field(None, description="The person, with programme_id.")
    programme_id: uuid.UUID | None = Field(None, description="Their programme.")
    stage: Stage | None = Field(None, description=(
        "When the support is given; required without case_id, else `after_return`."))
    kind: Kind
    provider: ShortText | None = None
    description: LongText | None = Field(None, description="Free text, erased with the "
                                         "candidate.")
    amount: Amount | None = None
    currency: CurrencyCode | None = None
    disbursed_date: date | None = Field(None, description="Not in the future.")
    start_date: date | None = None
    end_date: date | None = None


class MeasureUpdate(PatchModel):
    """Changes to a measure: absent fields stay; the money rules of creation still hold."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"disbursed_date": "2027-04-15"}]})
    nullable_fields = frozenset({"provider", "description", "amount", "currency",
                                 "disbursed_date", "start_date", "end_date"})

    provider: ShortText | None = None
    description: LongText | None = None
    amount: Amount | None = None
    currency: CurrencyCode | None = None
    disbursed_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None


class StartBody(StrictModel):
    """When the measure began."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"start_date": "2027-04-01"}]})

    start_date: date | None = Field(None, description=(
        "Not in the future. Default: the planned start if it has come, else today (UTC)."))


class CompleteBody(StrictModel):
    """How the measure turned out."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"outcome": "successful", "outcome_note": "Business registered in May."}]})

    outcome: Outcome
    outcome_note: LongText | None = None
    end_date: date | None = Field(None, description="Not in the future, not before the start; "
                                  "defaults to today (UTC).")


class CancelBody(StrictModel):
    """Why the measure is dropped."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "Returnee moved."}]})

    note: Reason | None = None


class MeasureOut(ResponseModel):
    """A support measure of a person in a programme; ``status`` changes only through
    actions."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": _MEASURE_ID, "case_id": _CASE_ID, "candidate_id": _CANDIDATE_ID,
        "programme_id": _PROGRAMME_ID, "stage": "after_return",
        "kind": "micro_grant", "status": "completed", "provider": "Fondation Hassan II",
        "description": "Start-up grant for a web agency.", "amount": "2500.00",
        "currency": "MAD", "disbursed_date": "2027-04-15", "start_date": None,
        "end_date": "2027-04-15", "outcome": "successful", "outcome_note": None,
        "created_by": "officer-4711", "version": 3, "created_at": "2027-04-01T09:00:00Z",
        "updated_at": "2027-04-15T16:00:00Z"}]})

    id: uuid.UUID
    case_id: uuid.UUID | None = Field(description=(
        "The person's returnee case; null until they have one (it is set when it opens)."))
    candidate_id: uuid.UUID
    programme_id: uuid.UUID
    stage: Stage
    kind: Kind
    status: MeasureStatus
    provider: str | None
    description: str | None
    amount: Decimal | None
    currency: str | None
    disbursed_date: date | None
    start_date: date | None
    end_date: date | None
    outcome: Outcome | None
    outcome_note: str | None
    created_by: str
    version: int
    created_at: datetime
    updated_at: datetime

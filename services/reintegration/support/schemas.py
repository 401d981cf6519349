"""Wire formats of support measures."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from services.reintegration.vocabulary import CurrencyCode, LongText, Reason, ShortText
from shared.schemas import PatchModel, ResponseModel, StrictModel

Kind = Literal["entrepreneurship_training", "micro_grant", "micro_loan", "job_referral",
               "mentoring", "psychosocial_support"]
MeasureStatus = Literal["planned", "in_progress", "completed", "cancelled"]
Outcome = Literal["successful", "partially_successful", "unsuccessful"]
Amount = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]

_MEASURE_ID = "8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d"
_CASE_ID = "3f2e1d0c-9b8a-4765-8432-10fedcba9876"
_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"


class MeasureCreate(StrictModel):
    """A support measure for a returnee's open case. ``amount``, ``currency`` and
    ``disbursed_date`` are for micro-grants and micro-loans only."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"case_id": _CASE_ID, "kind": "micro_grant", "provider": "Fondation Hassan II",
         "amount": "2500.00", "currency": "MAD", "disbursed_date": "2027-04-15",
         "description": "Start-up grant for a web agency."},
        {"case_id": _CASE_ID, "kind": "mentoring", "start_date": "2027-04-01"}]})

    case_id: uuid.UUID
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


class CompleteBody(StrictModel):
    """How the measure turned out."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"outcome": "successful", "outcome_note": "Business registered in May."}]})

    outcome: Outcome
    outcome_note: LongText | None = None
    end_date: date | None = Field(None, description="Defaults to today (UTC).")


class CancelBody(StrictModel):
    """Why the measure is dropped."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "Returnee moved."}]})

    note: Reason | None = None


class MeasureOut(ResponseModel):
    """A support measure of a case; ``status`` changes only through actions."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": _MEASURE_ID, "case_id": _CASE_ID, "programme_id": _PROGRAMME_ID,
        "kind": "micro_grant", "status": "completed", "provider": "Fondation Hassan II",
        "description": "Start-up grant for a web agency.", "amount": "2500.00",
        "currency": "MAD", "disbursed_date": "2027-04-15", "start_date": None,
        "end_date": "2027-04-15", "outcome": "successful", "outcome_note": None,
        "created_by": "officer-4711", "version": 3, "created_at": "2027-04-01T09:00:00Z",
        "updated_at": "2027-04-15T16:00:00Z"}]})

    id: uuid.UUID
    case_id: uuid.UUID
    programme_id: uuid.UUID
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

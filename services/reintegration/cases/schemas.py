"""Wire formats of returnee cases."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal, get_args

from pydantic import ConfigDict, Field

from services.reintegration.vocabulary import LongText, Subject
from shared.i18n import declare_labels
from shared.schemas import PatchModel, ResponseModel, StrictModel

CaseStatus = Literal["open", "closed"]
StayType = Literal["work", "traineeship", "study", "seasonal"]
CloseReason = Literal["follow_up_finished", "declined_follow_up", "unreachable", "re_emigrated",
                      "deceased", "other"]
PlacementOutcome = Literal["completed", "ended_early"]

# Display names of the codes a client shows (GET /v1/labels/reintegration).
declare_labels("returnee_case.status", get_args(CaseStatus))
declare_labels("returnee_case.stay_type", get_args(StayType))
declare_labels("returnee_case.close_reason", get_args(CloseReason))
declare_labels("returnee_case.placement_outcome", get_args(PlacementOutcome))

_CASE_ID = "3f2e1d0c-9b8a-4765-8432-10fedcba9876"
_PLACEMENT_ID = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
_EARLIER_PLACEMENT_ID = "1e2d3c4b-5a69-4788-9a6b-5c4d3e2f1a0b"
_CANDIDATE_ID = "0b8e4d2a-3c5f-4e6a-8b7c-9d0e1f2a3b4c"
_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
_EMPLOYER_ID = "2c1b0a9f-8e7d-4c6b-9a5f-4e3d2c1b0a9f"


class StayOut(ResponseModel):
    """One stay abroad of the case's person, as placements reported its end."""

    model_config = ConfigDict(from_attributes=True)

    placement_id: uuid.UUID
    destination_country: str | None
    stay_type: StayType | None = Field(description="Null when placements did not say.")
    season: str | None = Field(description="The season of a seasonal programme, e.g. `2024`.")
    start_date: date | None = Field(description="The arrival, else the planned start.")
    return_date: date = Field(description="The actual end, else the planned end: the stay's "
                              "follow-ups are due from it.")
    end_reason: str | None


class CaseOut(ResponseModel):
    """A returnee's case in a programme, opened when their first stay ended and holding every
    stay since; ``status`` changes only by actions (and a new stay reopens it)."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": _CASE_ID, "placement_id": _PLACEMENT_ID, "candidate_id": _CANDIDATE_ID,
        "programme_id": _PROGRAMME_ID, "employer_id": _EMPLOYER_ID, "origin_country": "MA",
        "destination_country": "ES", "gender": "female", "sector": "agriculture",
        "return_date": "2027-07-01", "placement_outcome": "completed", "end_reason": None,
        "status": "open", "caseworker_subject": "officer-4711", "notes": None,
        "closed_at": None, "close_reason": None, "erased_at": None,
        "stays": [{"placement_id": _EARLIER_PLACEMENT_ID, "destination_country": "ES",
                   "stay_type": "seasonal", "season": "2026", "start_date": "2026-03-01",
                   "return_date": "2026-07-01", "end_reason": None},
                  {"placement_id": _PLACEMENT_ID, "destination_country": "ES",
                   "stay_type": "seasonal", "season": "2027", "start_date": "2027-03-01",
                   "return_date": "2027-07-01", "end_reason": None}],
        "version": 3, "created_at": "2026-07-01T10:00:00Z",
        "updated_at": "2027-07-02T08:00:00Z"}]})

    id: uuid.UUID
    placement_id: uuid.UUID = Field(description="The latest stay's placement.")
    candidate_id: uuid.UUID
    programme_id: uuid.UUID
    employer_id: uuid.UUID | None = Field(description="The latest stay's host.")
    origin_country: str | None
    destination_country: str | None = Field(description="The latest stay's.")
    gender: str | None
    sector: str | None = Field(description="The latest stay's placement sector.")
    return_date: date = Field(description="The latest return: the latest stay's actual end, "
                              "else its planned end.")
    placement_outcome: PlacementOutcome = Field(
        description="How the latest stay ended.")
    end_reason: str | None
    status: CaseStatus
    caseworker_subject: str | None = Field(description="The officer (token subject) assigned.")
    notes: str | None
    closed_at: datetime | None
    close_reason: CloseReason | None
    erased_at: datetime | None = Field(description="Set when the candidate's personal data was "
                                       "erased: free text is blank and stays so.")
    stays: list[StayOut] = Field(description="Every stay of the person in the programme, in "
                                 "the order they ended.")
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, case: Any, stays: Sequence[Any]) -> "CaseOut":
        """The case row with its stays as the API shows it."""
        values = {name: getattr(case, name) for name in cls.model_fields if name != "stays"}
        return cls(**values, stays=[StayOut.model_validate(s) for s in stays])


class CaseUpdate(PatchModel):
    """The caseworker's notes on the case (null clears them)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"notes": "Prefers to be called after 18:00."}]})
    nullable_fields = frozenset({"notes"})

    notes: LongText | None = None


class AssignBody(StrictModel):
    """The officer (their token's subject) who follows the case; null unassigns it."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"caseworker_subject": "officer-4711"}]})

    caseworker_subject: Subject | None


class CloseBody(StrictModel):
    """Why the case closes; its remaining follow-ups are cancelled."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "follow_up_finished"}]})

    reason: CloseReason

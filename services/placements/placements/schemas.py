"""Wire formats of placements, their actions, history and extensions."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Self, get_args

from pydantic import ConfigDict, Field, model_validator

from services.placements.vocabulary import (
    CountryCode,
    LongText,
    QualificationLevel,
    Reason,
    ShortText,
    StayType,
)
from shared.i18n import _, declare_labels
from shared.schemas import ResponseModel, StrictModel

Status = Literal["proposed", "accepted_by_employer", "accepted_by_candidate", "visa_pending",
                 "visa_granted", "visa_refused", "active", "completed", "ended_early",
                 "declined"]
Gender = Literal["female", "male", "other", "undisclosed"]
# The states a visa file is in once the visa was requested.
VisaStatus = Literal["visa_pending", "visa_granted", "visa_refused", "active", "completed",
                     "ended_early"]
EndReason = Literal["candidate_request", "employer_request", "misconduct", "health", "family",
                    "visa_or_permit", "force_majeure", "other"]
VisaDecision = Literal["granted", "refused"]

# Display names of the codes a client shows (GET /v1/labels/placements).
declare_labels("placement.status", get_args(Status))
declare_labels("placement.end_reason", get_args(EndReason))
declare_labels("placement.visa_decision", get_args(VisaDecision))

_PLACEMENT_ID = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
_CANDIDATE_ID = "0b8e4d2a-3c5f-4e6a-8b7c-9d0e1f2a3b4c"
_VACANCY_ID = "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918"
_EMPLOYER_ID = "2c1b0a9f-8e7d-4c6b-9a5f-4e3d2c1b0a9f"
_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"


class PlacementCreate(StrictModel):
    """A placement an officer proposes directly, without a matching run. Dates default to the
    vacancy's; status and ids other than the candidate's and vacancy's are never client-set."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "candidate_id": _CANDIDATE_ID, "vacancy_id": _VACANCY_ID, "origin_country": "MA",
        "start_date": "2026-09-01", "end_date": "2027-03-01",
    }]})

    candidate_id: uuid.UUID
    vacancy_id: uuid.UUID
    origin_country: CountryCode | None = Field(
        None, description="Where the trainee comes from and returns to.")
    gender: Gender | None = Field(
        None, description="The candidate's gender, for the programme's indicators; never "
        "shown to the employer.")
    start_date: date | None = None
    end_date: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValueError(_("end_date must be after start_date"))
        return self


class DeclineBody(StrictModel):
    """Why the employer or the candidate declines; kept in the history."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"reason": "Accepted another offer at home."}]})

    reason: Reason | None = None


class RequestVisaBody(StrictModel):
    """When the visa was applied for, if not today (an operator recording it afterwards)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"requested_on": "2026-06-20"}]})

    requested_on: date | None = Field(None, description="Defaults to today; not in the future.")


class VisaDecisionBody(StrictModel):
    """The ministry's decision on the trainee's visa."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"decision": "granted", "decision_date": "2026-07-15", "reference": "LT-VISA-2026-0042"},
        {"decision": "refused", "decision_date": "2026-07-15",
         "reason": "Incomplete documents."}]})

    decision: VisaDecision
    decision_date: date | None = Field(
        None, description="Defaults to today; not in the future, nor before the visa request "
        "(visa_requested_on).")
    reference: ShortText | None = None
    reason: Reason | None = None


class ArriveBody(StrictModel):
    """The trainee arrived: the placement becomes active."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"arrival_date": "2026-09-01"},
        {"arrival_date": "2026-09-14", "enrolment_reference": "UPM-2026-MRE-0117"}]})

    arrival_date: date = Field(description="The actual start date; not in the future, nor "
                               "before the visa was granted (visa_decision_date).")
    enrolment_reference: ShortText | None = Field(
        None, description="A study stay (required there, refused elsewhere): the student's "
        "enrolment at the study provider.")


class CompleteBody(StrictModel):
    """The stay ended as planned."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"end_date": "2027-03-01"}]})

    end_date: date | None = Field(None, description="Actual end; defaults to today.")


class EndEarlyBody(StrictModel):
    """The stay ended before its planned end."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"reason": "health", "note": "Returned home for treatment.", "end_date": "2026-11-20"}]})

    reason: EndReason
    note: Reason | None = Field(None, description="Kept in the history only.")
    end_date: date | None = Field(None, description="Actual end; defaults to today.")


class ExtendBody(StrictModel):
    """The employer offered to extend an active placement to a later end date."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"new_end_date": "2027-09-01", "offer_reference": "NORDLYS-EXT-0007",
         "offer_text": "Six more months in the network team, same stipend."}]})

    new_end_date: date
    offer_reference: ShortText | None = None
    offer_text: LongText | None = None

    @model_validator(mode="after")
    def _offer_named(self) -> Self:
        if self.offer_reference is None and not self.offer_text:
            raise ValueError(_("give the employer's offer_reference or offer_text"))
        return self


class HostOut(ResponseModel):
    """The host employer as its trainee sees it: name and address."""

    name: str
    city: str | None
    country: str


class PlacementOut(ResponseModel):
    """A placement as the API shows it; ``status`` changes only through actions."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": _PLACEMENT_ID, "candidate_id": _CANDIDATE_ID, "vacancy_id": _VACANCY_ID,
        "employer_id": _EMPLOYER_ID, "programme_id": _PROGRAMME_ID,
        "matching_run_id": None, "proposal_id": None, "score": None, "status": "active",
        "origin_country": "MA", "destination_country": "FR", "sector": "ict",
        "stay_type": "traineeship", "season": None, "region": "FR-ARA",
        "start_date": "2026-09-01", "end_date": "2027-03-01",
        "actual_start_date": "2026-09-03", "actual_end_date": None,
        "visa_requested_on": "2026-06-20", "visa_decision": "granted",
        "visa_decision_date": "2026-07-15", "visa_reference": "FR-2026-0042",
        "end_reason": None, "enrolment_reference": None, "zero_fee": True, "version": 7,
        "created_at": "2026-06-01T10:00:00Z", "updated_at": "2026-09-03T08:00:00Z",
    }]})

    id: uuid.UUID
    candidate_id: uuid.UUID
    vacancy_id: uuid.UUID
    employer_id: uuid.UUID
    programme_id: uuid.UUID
    matching_run_id: uuid.UUID | None
    proposal_id: uuid.UUID | None
    score: float | None = Field(description="The matching score of the proposal, if any.")
    status: Status
    origin_country: str | None
    destination_country: str = Field(description="The vacancy's country.")
    sector: str | None = Field(description="The vacancy's sector.")
    stay_type: StayType = Field(description="The vacancy's stay type.")
    season: str | None = Field(description="The vacancy's season (seasonal stays).")
    region: str | None = Field(description="The vacancy's region (ISO 3166-2), if given.")
    start_date: date = Field(description="Planned start.")
    end_date: date = Field(description="Planned end, extensions included.")
    actual_start_date: date | None
    actual_end_date: date | None
    visa_requested_on: date | None
    visa_decision: VisaDecision | None
    visa_decision_date: date | None
    visa_reference: str | None
    end_reason: EndReason | None
    enrolment_reference: str | None = Field(
        description="A study stay: the student's enrolment at the study provider.")
    zero_fee: bool | None = Field(
        description="False once the worker paid any recruitment fee or related cost "
        "themselves (a standing recruitment cost line paid by the worker, above zero; see "
        "`/v1/placements/{placement_id}/recruitment-costs`). Null for an employer, who reads "
        "no recruitment costs.")
    version: int
    created_at: datetime
    updated_at: datetime
    host: HostOut | None = Field(
        None, description="The host employer's name and address: shown to the candidate on "
        "their own placement once the employer accepted them; null otherwise.")


class TransitionOut(ResponseModel):
    """One status change in a placement's history (``from_status`` null: its creation)."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "action": "accept-employer", "from_status": "proposed",
        "to_status": "accepted_by_employer", "actor": "user-31", "actor_role": "employer",
        "reason": None, "at": "2026-06-02T09:30:00Z",
    }]})

    action: str
    from_status: Status | None
    to_status: Status
    actor: str
    actor_role: str
    reason: str | None
    at: datetime


class TransitionList(ResponseModel):
    """A placement's status changes, oldest first."""

    items: list[TransitionOut]


class ExtensionOut(ResponseModel):
    """One extension of a placement."""

    id: uuid.UUID
    previous_end_date: date
    new_end_date: date
    offer_reference: str | None
    offer_text: str | None
    actor: str
    created_at: datetime


class ExtensionList(ResponseModel):
    """A placement's extensions, oldest first."""

    items: list[ExtensionOut]


class VisaEmployerOut(ResponseModel):
    """The host employer as a visa file shows it."""

    id: uuid.UUID
    name: str
    kind: Literal["company", "study_provider"]
    city: str | None
    country: str


class VisaVacancyOut(ResponseModel):
    """The stay (job, traineeship, study, season) as a visa file shows it."""

    id: uuid.UUID
    title: str
    stay_type: StayType
    occupation_code: str | None = Field(description="ISCO-08 (optional for a study).")
    study_programme: str | None = Field(description="A study: the degree's title.")
    qualification_level: QualificationLevel | None = Field(description="A study: its level.")
    season: str | None = Field(description="A seasonal stay: its season.")
    sector: str | None
    city: str | None
    country: str
    stipend_amount: Decimal | None = Field(description="Monthly stipend or pay, if any.")
    stipend_currency: str | None


class VisaIdentityOut(ResponseModel):
    """Who the visa is for, as the candidate consented to share it."""

    given_name: str
    family_name: str
    date_of_birth: date
    nationality: str
    gender: str


class IdentityWithheld(ResponseModel):
    """The identity of a visa file is not shown: the consent it needs is not in force now."""

    type: Literal["/problems/consent-required"] = "/problems/consent-required"
    purpose: Literal["visa_file_sharing"] = "visa_file_sharing"
    consent_state: str = Field(description="The consent's state now: withdrawn, expired, "
                               "missing (or unchecked: no candidates service to ask).")
    detail: str


class VisaFileOut(ResponseModel):
    """What a visa decision needs, and nothing more: the placement, its programme and
    destination, the host, the job and the planned dates.

    ``candidate`` (the person's identity) is there only when the candidate had given their
    ``visa_file_sharing`` consent when the visa was requested (it is copied then from the
    candidates service, with the requesting officer's token, and blanked if the candidate is
    erased) *and* that consent is still in force when the file is read: the candidates service
    is asked at every read, so a withdrawal (or an expiry) takes effect on the next one, and
    ``candidate_withheld`` then says why. Without it, the applicant brings their identity to
    the visa desk themselves.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "placement_id": _PLACEMENT_ID, "programme_id": _PROGRAMME_ID, "status": "visa_pending",
        "destination_country": "FR", "start_date": "2026-09-01", "end_date": "2027-03-01",
        "employer": {"id": _EMPLOYER_ID, "name": "Nordlys Software", "kind": "company",
                     "city": "Lyon", "country": "FR"},
        "vacancy": {"id": _VACANCY_ID, "title": "Junior network engineer",
                    "stay_type": "traineeship", "occupation_code": "2523",
                    "study_programme": None, "qualification_level": None, "season": None,
                    "sector": "ict", "city": "Lyon", "country": "FR",
                    "stipend_amount": "1200.00", "stipend_currency": "EUR"},
        "visa_requested_on": "2026-06-20", "visa_decision": None, "visa_decision_date": None,
        "candidate": {"given_name": "Amina", "family_name": "Benali",
                      "date_of_birth": "2000-05-17", "nationality": "MA", "gender": "female"},
    }]})

    placement_id: uuid.UUID
    programme_id: uuid.UUID
    status: Status
    destination_country: str
    start_date: date = Field(description="Planned start.")
    end_date: date = Field(description="Planned end, extensions included.")
    employer: VisaEmployerOut
    vacancy: VisaVacancyOut
    visa_requested_on: date | None
    visa_decision: VisaDecision | None
    visa_decision_date: date | None
    candidate: VisaIdentityOut | None = Field(
        None, description="The candidate's identity, when they consented to share it "
        "(``visa_file_sharing``) before the visa was requested and that consent is in force "
        "now; null otherwise.")
    candidate_withheld: IdentityWithheld | None = Field(
        None, description="Why the identity this file held is not shown now; null when it is "
        "shown or was never shared.")


"""Wire formats of follow-ups and their answers."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from services.reintegration.followups.models import FollowUp
from services.reintegration.schedules.service import opens_at
from services.reintegration.vocabulary import LongText, Sector, ShortText
from shared.i18n import declare_labels
from shared.schemas import StrictModel

FollowUpStatus = Literal["scheduled", "completed", "overdue", "cancelled"]
EmploymentStatus = Literal["employed_host_company", "employed_other_employer", "self_employed",
                           "in_education", "seeking_work", "not_seeking_work", "unreachable"]
JobLocation = Literal["origin_country", "abroad"]
IncomeBand = Literal["none", "under_200", "200_499", "500_999", "1000_1999", "2000_or_more",
                     "not_disclosed"]
SkillsUse = Literal["not_at_all", "a_little", "somewhat", "a_lot"]
RecordedVia = Literal["app", "caseworker"]

# Display names of the codes a client shows (GET /v1/labels/reintegration); the choices of
# the follow-up's questions (services.reintegration.followups.questions) among them.
declare_labels("follow_up.status", get_args(FollowUpStatus))
declare_labels("follow_up.employment_status", get_args(EmploymentStatus))
declare_labels("follow_up.job_location", get_args(JobLocation))
declare_labels("follow_up.income_band", get_args(IncomeBand))
declare_labels("follow_up.skills_use", get_args(SkillsUse))
declare_labels("follow_up.recorded_via", get_args(RecordedVia))
Score = Annotated[Decimal, Field(ge=0, le=1, max_digits=4, decimal_places=3)]
Due = Literal["soon", "overdue"]

_FOLLOW_UP_ID = "6c5b4a39-2817-4f6e-9d5c-4b3a29180f7e"
_CASE_ID = "3f2e1d0c-9b8a-4765-8432-10fedcba9876"
_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
_ANSWER: JsonDict = {
    "employment_status": "employed_other_employer", "employer_name": "Atlas Digital SARL",
    "job_sector": "ict", "job_location": "origin_country", "income_band": "500_999",
    "skills_use": "a_lot", "satisfaction": 4,
    "sustainability": {"economic": 0.72, "social": 0.81, "psychosocial": 0.9},
    "notes": None,
}


class Sustainability(StrictModel):
    """Reintegration sustainability scores, 0 (none) to 1 (fully sustainable), on the three
    dimensions of IOM's reintegration sustainability survey."""

    economic: Score
    social: Score
    psychosocial: Score


class SustainabilityOut(BaseModel):
    """Reintegration sustainability scores, 0 to 1 per dimension."""

    economic: float
    social: float
    psychosocial: float


class AnswerIn(StrictModel):
    """A follow-up answer, from the returnee's app or recorded by a caseworker from a call.

    Working (employed by the host company or another employer, self-employed / business
    created): ``job_sector`` and ``job_location`` are required, and ``employer_name`` too when
    employed by another employer. Not working: no employer, sector or location. Everyone
    reached answers ``income_band``, ``skills_use``, ``satisfaction`` and ``sustainability``.
    ``unreachable`` is recorded by caseworkers only, with nothing but ``notes``.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [
        _ANSWER, {"employment_status": "unreachable", "notes": "Three calls, no answer.",
                  "answered_on": "2027-06-03"}]})

    employment_status: EmploymentStatus
    employer_name: ShortText | None = Field(None, description="The employer, or the business "
                                            "created; free text, erased with the candidate.")
    job_sector: Sector | None = None
    job_location: JobLocation | None = Field(
        None, description="Whether the job is in the origin country or abroad.")
    income_band: IncomeBand | None = Field(
        None, description="Monthly income in euro equivalents.")
    skills_use: SkillsUse | None = Field(
        None, description="How much the skills gained during the placement are used.")
    satisfaction: int | None = Field(None, ge=1, le=5,
                                     description="With the situation since return, 1 to 5.")
    sustainability: Sustainability | None = None
    notes: LongText | None = None
    answered_on: date | None = Field(None, description=(
        "The day the returnee answered, when a caseworker records it afterwards (admins and "
        "officers only; a returnee answers today): not in the future, not before the return, "
        "inside the follow-up's window, which is checked against this day instead of the "
        "clock. Default: today (UTC)."))


class AnswerOut(BaseModel):
    """The answer of a completed follow-up."""

    employment_status: EmploymentStatus
    employer_name: str | None
    job_sector: str | None
    job_location: JobLocation | None
    income_band: IncomeBand | None
    skills_use: SkillsUse | None
    satisfaction: int | None
    sustainability: SustainabilityOut | None
    notes: str | None
    recorded_via: RecordedVia
    answered_on: date | None = Field(description="The day the returnee answered.")


class FollowUpOut(BaseModel):
    """A follow-up of a case: when it is due, until when an answer counts, and the answer."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": _FOLLOW_UP_ID, "case_id": _CASE_ID, "programme_id": _PROGRAMME_ID,
        "point_months": 3, "due_date": "2027-06-01", "opens_at": "2027-06-01T00:00:00Z",
        "window_closes_at": "2027-07-02T00:00:00Z", "status": "completed",
        "completed_at": "2027-06-04T17:12:00Z", "overdue_at": None, "cancelled_at": None,
        "answer": {**_ANSWER, "recorded_via": "app", "answered_on": "2027-06-04"},
        "version": 2,
        "created_at": "2027-03-01T10:00:00Z", "updated_at": "2027-06-04T17:12:00Z"}]})

    id: uuid.UUID
    case_id: uuid.UUID
    programme_id: uuid.UUID
    point_months: int = Field(description="Months after the return date.")
    due_date: date
    opens_at: datetime = Field(description="The due date's start, UTC.")
    window_closes_at: datetime = Field(description="Answers count until this instant "
                                       "(exclusive): the end of the window's last day, UTC.")
    status: FollowUpStatus
    completed_at: datetime | None
    overdue_at: datetime | None
    cancelled_at: datetime | None
    answer: AnswerOut | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: FollowUp) -> "FollowUpOut":
        """The follow-up row as the API shows it."""
        answer = None
        if row.status == "completed":
            economic, social, psychosocial = (row.sustainability_economic,
                                              row.sustainability_social,
                                              row.sustainability_psychosocial)
            answer = AnswerOut(
                employment_status=row.employment_status,
                employer_name=row.employer_name, job_sector=row.job_sector,
                job_location=row.job_location, income_band=row.income_band,
                skills_use=row.skills_use, satisfaction=row.satisfaction,
                sustainability=None
                if economic is None or social is None or psychosocial is None
                else SustainabilityOut(economic=float(economic), social=float(social),
                                       psychosocial=float(psychosocial)),
                notes=row.notes, recorded_via=row.recorded_via, answered_on=row.answered_on)
        values: dict[str, Any] = {name: getattr(row, name) for name in (
            "id", "case_id", "programme_id", "point_months", "due_date", "window_closes_at",
            "status", "completed_at", "overdue_at", "cancelled_at", "version", "created_at",
            "updated_at")}
        return cls(**values, opens_at=opens_at(row.due_date), answer=answer)


class FollowUpList(BaseModel):
    """A case's follow-ups, earliest due first."""

    items: list[FollowUpOut]


class FollowUpPage(BaseModel):
    """One page of follow-ups; pass ``next_cursor`` back as ``cursor`` for the next."""

    items: list[FollowUpOut]
    next_cursor: str | None = None


class Choice(BaseModel):
    """One answer a question offers: the code to send, and its name in the reader's language."""

    code: str
    label: str


class Question(BaseModel):
    """One question of the follow-up questionnaire, in the reader's language."""

    code: str = Field(description="The answer's field it fills (`sustainability.economic`: "
                      "that score of `sustainability`); never translated.")
    text: str = Field(description="The question, in the language of `Content-Language`.")
    kind: Literal["choice", "text", "code", "scale", "score"] = Field(
        description="`choice`: one of `choices`; `text`: free text; `code`: a code (a "
        "sector); `scale`: a whole number from `minimum` to `maximum`; `score`: a number "
        "from `minimum` to `maximum`.")
    choices: list[Choice] | None = None
    minimum: int | None = None
    maximum: int | None = None
    only_for: list[EmploymentStatus] | None = Field(
        description="Asked only when `employment_status` is one of these; null: whenever the "
        "returnee is reached.")
    required: bool


class Questionnaire(BaseModel):
    """The questions of every follow-up, one per field of the answer, in the reader's
    language (``Accept-Language``, else the account's saved language)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "language": "fr", "questions": [{
            "code": "job_location", "text": "Où se trouve votre emploi ?", "kind": "choice",
            "choices": [{"code": "origin_country", "label": "Dans le pays d'origine"},
                        {"code": "abroad", "label": "À l'étranger"}],
            "minimum": None, "maximum": None,
            "only_for": ["employed_host_company", "employed_other_employer", "self_employed"],
            "required": True}]}]})

    language: str = Field(description="The language of the texts (also `Content-Language`).")
    questions: list[Question]

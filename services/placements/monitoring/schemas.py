"""Wire formats of mentors, check-ins and incidents, alerts and evaluations."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from services.placements.vocabulary import Contact, LongText
from shared.schemas import ResponseModel, StrictModel

Severity = Literal["low", "medium", "high", "critical"]
IncidentType = Literal["accident", "health", "harassment", "housing", "workplace_conflict",
                       "legal", "missing", "other"]
Rating = Annotated[int, Field(ge=1, le=5)]

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


class CheckInCreate(StrictModel):
    """A check-in during the stay (only while the placement is active)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "check_in_date": "2026-10-01", "wellbeing": 4, "housing": "issue",
        "housing_note": "Heating broken since last week.", "health_flag": False,
        "notes": "Settling in well at work.",
        "incidents": [{"type": "housing", "severity": "medium",
                       "description": "Landlord slow to repair the heating."}]}]})

    check_in_date: date | None = Field(None, description="Defaults to today; within the stay.")
    wellbeing: Rating = Field(description="1 (very poor) to 5 (very good).")
    housing: Literal["ok", "issue"]
    housing_note: LongText | None = None
    health_flag: bool = Field(False, description="A health concern to follow up.")
    notes: LongText | None = None
    incidents: list[Incident] = Field(default_factory=list, max_length=20)


class CheckInOut(ResponseModel):
    """A recorded check-in."""

    id: uuid.UUID
    placement_id: uuid.UUID
    check_in_date: date
    wellbeing: int
    housing: Literal["ok", "issue"]
    housing_note: str | None
    health_flag: bool
    notes: str | None
    incidents: list[Incident]
    recorded_by: str
    recorded_by_role: str
    created_at: datetime


class AlertOut(ResponseModel):
    """An alert raised by a high or critical incident; read the check-in for its details."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "4f3e2d1c-0b9a-4876-9543-210fedcba987", "placement_id": _PLACEMENT_ID,
        "check_in_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "programme_id": _PROGRAMME_ID,
        "incident_type": "accident", "severity": "high", "created_at": "2026-10-01T09:00:00Z",
        "acknowledged_at": None, "acknowledged_by": None}]})

    id: uuid.UUID
    placement_id: uuid.UUID
    check_in_id: uuid.UUID
    programme_id: uuid.UUID
    incident_type: IncidentType
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


"""Wire formats of pre-departure training: modules, enrolments, attendance and status."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from services.candidates.vocabulary import LongText, ShortText
from shared.schemas import PatchModel, ResponseModel, StrictModel

ModuleCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,39}$")]
# Numeric(6, 2) in the table; a module longer than 1000 hours is a typo, not a curriculum.
ModuleHours = Annotated[Decimal, Field(gt=0, le=1000, decimal_places=2)]
SessionHours = Annotated[Decimal, Field(ge=0, le=24, decimal_places=2,
                                        description="Hours attended at this session, 0 to 24.")]
Position = Annotated[int, Field(ge=0, le=10_000, description="Order in the curriculum.")]
# Kept in step with models.ENROLMENT_STATUSES, which the table's check constraint enforces.
EnrolmentStatus = Literal["enrolled", "completed", "dropped"]


class TrainingModuleCreate(StrictModel):
    """A new module of a programme's pre-departure curriculum."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "code": "LANG-FR-B2", "title": "Professional French (B2)",
        "description": "Workplace French: meetings, e-mail, safety instructions.",
        "hours": "40", "required": True, "position": 1,
    }]})

    code: ModuleCode
    title: ShortText
    description: LongText | None = None
    hours: ModuleHours
    required: bool = True
    position: Position = 0


class TrainingModuleUpdate(PatchModel):
    """A partial change to a module; absent fields stay as they are."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"hours": "48", "position": 2}]})
    nullable_fields = frozenset({"description"})

    code: ModuleCode | None = None
    title: ShortText | None = None
    description: LongText | None = None
    hours: ModuleHours | None = None
    required: bool | None = None
    position: Position | None = None


class TrainingModuleOut(ResponseModel):
    """A training module as the API shows it."""

    id: uuid.UUID
    programme_id: uuid.UUID
    code: str
    title: str
    description: str | None
    hours: Decimal
    required: bool
    position: int
    version: int
    created_at: datetime
    updated_at: datetime


class EnrolmentCreate(StrictModel):
    """Enrol a candidate in a module."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "candidate_id": "0b7f7c1e-4a8e-4c53-9a53-1f2a3b4c5d6e", "enrolled_on": "2026-04-06",
    }]})

    candidate_id: uuid.UUID
    enrolled_on: date | None = Field(
        None, description="The day the candidate began the module; default today, never in "
        "the future (earlier when entering a past training).")


class CompleteBody(StrictModel):
    """When the candidate completed the module."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"completed_on": "2026-05-29"}]})

    completed_on: date | None = Field(
        None, description="Default today; not in the future, not before the enrolment.")


class EnrolmentOut(ResponseModel):
    """A candidate's enrolment in a module and where it stands."""

    id: uuid.UUID
    module_id: uuid.UUID
    candidate_id: uuid.UUID
    status: EnrolmentStatus
    enrolled_on: date = Field(description="The day the candidate began the module.")
    completed_on: date | None = Field(description="The day they completed it.")
    enrolled_at: datetime = Field(description="When the enrolment was recorded.")
    completed_at: datetime | None = Field(description="When the completion was recorded.")


class AttendanceCreate(StrictModel):
    """Presence at one session of the module; one record per session date."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "session_date": "2026-04-14", "present": True, "hours": "3.5",
    }]})

    session_date: date = Field(
        description="The day of the session: not in the future, not before the enrolment.")
    present: bool
    hours: SessionHours = Decimal(0)

    @model_validator(mode="after")
    def _absent_attends_nothing(self) -> Self:
        if not self.present and self.hours > 0:
            raise ValueError("an absent candidate cannot have attended hours")
        return self


class AttendanceOut(ResponseModel):
    """One attendance record."""

    id: uuid.UUID
    enrolment_id: uuid.UUID
    session_date: date
    present: bool
    hours: Decimal
    recorded_at: datetime


class ProgrammeTrainingStatus(ResponseModel):
    """Where a candidate stands in one programme's pre-departure training."""

    programme_id: uuid.UUID
    required_modules: int = Field(description="Modules of the programme marked required.")
    completed_required_modules: int
    missing_required_modules: list[str] = Field(
        description="Codes of the required modules not yet completed, in curriculum order.")
    hours_attended: Decimal = Field(
        description="Hours present at sessions of any of the programme's modules.")
    complete: bool = Field(description="Every required module is completed.")
    training_required_before_departure: bool
    ready_for_departure: bool = Field(
        description="True when the programme does not require training before departure, "
        "otherwise the same as `complete`.")


class CandidateTrainingOut(ResponseModel):
    """A candidate's training status, one summary per programme."""

    candidate_id: uuid.UUID
    programmes: list[ProgrammeTrainingStatus]

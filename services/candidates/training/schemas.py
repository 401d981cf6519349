"""Wire formats of pre-departure training: modules, enrolments, attendance and status."""

import uuid
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from services.candidates.vocabulary import LongText, ShortText
from shared.i18n import _
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
            raise ValueError(_("an absent candidate cannot have attended hours"))
        return self


class AttendanceOut(ResponseModel):
    """One attendance record."""

    id: uuid.UUID
    enrolment_id: uuid.UUID
    session_date: date
    present: bool
    hours: Decimal
    recorded_at: datetime


# A register is one call per session and module; a class of a few hundred is already a lecture
# hall. More than this is a 422 naming ``attendees``: send the register in parts.
MAX_SESSION_ATTENDEES = 500
_ENROLMENT_IDS = ("3c9e1a52-7b4d-4f0e-8a61-2d5c9b7e1f30", "a1f4c8e2-5d3b-4e7a-9c06-8b2e4d6f1a93",
                  "e7b2d9c4-1a6f-4c38-b5e0-3f9a7c1d2e84")


class SessionAttendee(StrictModel):
    """One person present at the session, with the hours they attended when not all of it."""

    enrolment_id: uuid.UUID
    hours: SessionHours | None = Field(
        None, description="Hours this person attended (arrived late, left early); default the "
        "session's hours.")


class TrainingSessionCreate(StrictModel):
    """A session's register: who was there (and who was not), recorded in one call."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "session_date": "2026-04-14", "hours": "8",
        "attendees": [_ENROLMENT_IDS[0], {"enrolment_id": _ENROLMENT_IDS[1], "hours": "4"}],
        "absent": [_ENROLMENT_IDS[2]],
    }]})

    session_date: date = Field(
        description="The day of the session: not in the future, not before any listed "
        "person's enrolment.")
    hours: SessionHours = Field(description="How long the session ran, 0 to 24 hours: what each "
                                "attendee attended unless they say otherwise.")
    attendees: Annotated[list[uuid.UUID | SessionAttendee],
                         Field(max_length=MAX_SESSION_ATTENDEES)] = Field(
        description="The enrolments (in this module) present: an enrolment id, or "
        f"`{{enrolment_id, hours}}`. At most {MAX_SESSION_ATTENDEES} per call.")
    absent: Annotated[list[uuid.UUID], Field(max_length=MAX_SESSION_ATTENDEES)] = Field(
        default_factory=list, description="The enrolments (in this module) absent from it.")

    @model_validator(mode="after")
    def _each_once(self) -> Self:
        named = [self.enrolment_of(a) for a in self.attendees] + self.absent
        if not named:
            raise ValueError(_("a register names at least one enrolment (attendees or absent)"))
        if len(named) > MAX_SESSION_ATTENDEES:
            raise ValueError(_("a register names at most {most} enrolments "
                               "(attendees and absent together); send it in parts",
                               most=MAX_SESSION_ATTENDEES))
        if repeated := sorted(str(i) for i, n in Counter(named).items() if n > 1):
            raise ValueError(_("each enrolment appears once in a register: {repeated}",
                               repeated=', '.join(repeated)))
        return self

    @staticmethod
    def enrolment_of(attendee: "uuid.UUID | SessionAttendee") -> uuid.UUID:
        """The enrolment id of an entry of ``attendees``, in either of its forms."""
        return attendee if isinstance(attendee, uuid.UUID) else attendee.enrolment_id

    def attendance(self) -> dict[uuid.UUID, tuple[bool, Decimal]]:
        """Enrolment id -> (present, hours), in the order the register lists them."""
        found = {self.enrolment_of(a): (True, self.hours if isinstance(a, uuid.UUID)
                                        or a.hours is None else a.hours)
                 for a in self.attendees}
        return found | {enrolment_id: (False, Decimal(0)) for enrolment_id in self.absent}


class TrainingSessionOut(ResponseModel):
    """A recorded session: one attendance record per enrolment of the register."""

    module_id: uuid.UUID
    session_date: date
    hours: Decimal
    present: int = Field(description="Attendees recorded present.")
    absent: int = Field(description="Enrolments recorded absent.")
    attendance: list[AttendanceOut] = Field(description="The records, in the register's order.")


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

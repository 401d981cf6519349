"""Wire formats of planned training sessions."""

import uuid
from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from shared.i18n import _
from shared.schemas import PatchModel, ResponseModel, StrictModel

# Short: the reminder's text names it, and a text message holds 160 characters.
Place = Annotated[str, StringConstraints(min_length=1, max_length=80)]


def _local_minute(value: time) -> time:
    if value.tzinfo is not None or value.second or value.microsecond:
        raise ValueError(_("a local time of day as HH:MM, without seconds or time zone"))
    return value


# A local time of day, "HH:MM": the time at the place, whatever the time zone (a JSON Schema
# "time" would demand seconds and an offset).
StartTime = Annotated[time, AfterValidator(_local_minute),
                      PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str,
                                      when_used="json"),
                      WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$",
                                      "examples": ["09:30"]})]
# Kept in step with models.SESSION_STATUSES, which the table's check constraint enforces.
SessionStatus = Literal["planned", "cancelled"]

_DAY = Field(description="The day of the session: today or later. Its register is the one "
             "recorded for the module on that day (`POST /v1/training-modules/{id}/sessions`).")
_START = Field(description="When it starts, local time at the place (`HH:MM`).")
_PLACE = Field(description="Where, in a few words (at most 80 characters): the reminder "
               "names it.")


class PlannedSessionCreate(StrictModel):
    """A session of the module planned ahead."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "session_date": "2027-03-10", "start_time": "09:30",
        "place": "ANAPEC Casablanca, room 4"}]})

    session_date: date = _DAY
    start_time: StartTime | None = Field(None, description=_START.description)
    place: Place | None = Field(None, description=_PLACE.description)


class PlannedSessionUpdate(PatchModel):
    """A rescheduled session: the fields that change; ``null`` clears the start or place."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "session_date": "2027-03-11", "start_time": "14:00"}]})
    nullable_fields = frozenset({"start_time", "place"})

    session_date: date | None = Field(None, description=_DAY.description)
    start_time: StartTime | None = Field(None, description=_START.description)
    place: Place | None = Field(None, description=_PLACE.description)


class PlannedSessionOut(ResponseModel):
    """A planned session as the API shows it."""

    id: uuid.UUID
    module_id: uuid.UUID
    session_date: date
    start_time: StartTime | None
    place: str | None
    status: SessionStatus
    recorded: bool = Field(description="A register was recorded for the module on its day.")
    version: int
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None

"""Wire formats of notices, their schedules and preferences."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from services.candidates.notices.kinds import Channel, Kind, Language
from shared.schemas import ResponseModel, StrictModel

_PROGRAMME = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
_CANDIDATE = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"


class KindSettingIn(StrictModel):
    """One kind's place in a programme's schedule."""

    kind: Kind
    offset_days: int = Field(ge=0, le=365, description=(
        "Days before the date a reminder is about (follow-up due, placement start, training "
        "session), or after the event of a notice sent on an event (visa decided, follow-up "
        "overdue; 0: at once)."))
    enabled: bool = Field(True, description="False: the programme sends no notice of this kind.")


class ScheduleIn(StrictModel):
    """The settings a programme changes; kinds left out follow the defaults."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"kinds": [
        {"kind": "followup.due_soon", "offset_days": 5, "enabled": True},
        {"kind": "training.session_upcoming", "offset_days": 1, "enabled": False}]}]})

    kinds: list[KindSettingIn] = Field(min_length=1, max_length=20)


class KindSetting(ResponseModel):
    """One kind as the programme sends it."""

    kind: Kind
    offset_days: int
    enabled: bool
    counted: Literal["before", "after"] = Field(description=(
        "before: offset_days before the date it reminds of; after: after the event."))
    essential: bool = Field(description="True: a person cannot stop it.")
    is_default: bool = Field(description="True: the programme did not set this kind.")


class ScheduleOut(ResponseModel):
    """A programme's notice schedule, every kind."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "programme_id": _PROGRAMME, "version": 0, "updated_at": None, "kinds": [
            {"kind": "followup.due_soon", "offset_days": 3, "enabled": True,
             "counted": "before", "essential": False, "is_default": True}]}]})

    programme_id: uuid.UUID
    kinds: list[KindSetting]
    version: int = Field(description="The ETag's version; 0 while every kind is the default.")
    updated_at: datetime | None


class PreferencesIn(StrictModel):
    """How the person wants to be told."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "language": "fr", "channel": "whatsapp", "stopped_kinds": ["training.session_upcoming"]}]})

    language: Language
    channel: Channel = Field(description="none: no notice at all.")
    stopped_kinds: list[Kind] = Field(default_factory=list, max_length=10, description=(
        "Kinds not to be sent; essential kinds cannot be stopped (422)."))


class PreferencesOut(ResponseModel):
    """The person's notice preferences; the defaults (``is_default``) until they set theirs:
    the first of their profile's languages among en, fr and ar (else en), SMS when their
    profile has a phone, else e-mail."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "candidate_id": _CANDIDATE, "language": "fr", "channel": "sms", "stopped_kinds": [],
        "essential_kinds": ["followup.overdue", "placement.visa_decided"],
        "is_default": True, "version": 0, "updated_at": None}]})

    candidate_id: uuid.UUID
    language: Language
    channel: Channel
    stopped_kinds: list[str]
    essential_kinds: list[str]
    is_default: bool
    version: int
    updated_at: datetime | None


class NoticeOut(ResponseModel):
    """One notice: when it falls or fell due, and what became of it."""

    id: uuid.UUID
    kind: Kind
    programme_id: uuid.UUID
    status: Literal["pending", "sent", "withheld", "cancelled"]
    reason: str | None = Field(description=(
        "Why it was not sent: stopped, channel_none, no_address, erased, programme_off, "
        "too_late; or cancelled: answered, closed, started, ended, refused, rescheduled (a "
        "training session moved: a new notice replaces it), session_cancelled, dropped (the "
        "person left the training module)."))
    due_at: datetime
    sent_at: datetime | None
    channel: Channel | None
    language: Language | None
    params: dict[str, Any]


class NoticeList(ResponseModel):
    """The person's notices, latest due first."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [{
        "id": "6c7d8e9f-0a1b-4c2d-9e3f-4a5b6c7d8e9f", "kind": "followup.due_soon",
        "programme_id": _PROGRAMME, "status": "sent", "reason": None,
        "due_at": "2027-03-07T09:00:00Z", "sent_at": "2027-03-07T09:00:41Z",
        "channel": "sms", "language": "fr", "params": {"due_date": "2027-03-10"}}]}]})

    items: list[NoticeOut]

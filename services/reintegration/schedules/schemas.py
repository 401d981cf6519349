"""Wire formats of follow-up schedules."""

import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import ConfigDict, Field, model_validator

from services.reintegration.schedules.models import (
    DEFAULT_POINTS,
    DEFAULT_VERSION,
    DEFAULT_WINDOW_DAYS,
)
from shared.i18n import _
from shared.schemas import ResponseModel, StrictModel

Point = Annotated[int, Field(ge=0, le=120)]


class ScheduleIn(StrictModel):
    """When a programme's returnees are followed up, in months after their return, and how
    many days after each due date an answer still counts."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"points_months": [0, 1, 3, 6, 12, 24], "window_days": 30}]})

    points_months: list[Point] = Field(
        min_length=1, max_length=24,
        description="Months after the return date, increasing; 0 is the return itself.")
    window_days: int = Field(
        ge=1, le=365, description="An answer counts from the due date until the end (UTC) of "
        "the day this many days later.")

    @model_validator(mode="after")
    def _increasing(self) -> Self:
        if any(b <= a for a, b in zip(self.points_months, self.points_months[1:], strict=False)):
            raise ValueError(_("points_months must be strictly increasing"))
        return self


class ScheduleOut(ResponseModel):
    """A programme's follow-up schedule; ``is_default`` when the programme never set one."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "programme_id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
        "points_months": list(DEFAULT_POINTS), "window_days": DEFAULT_WINDOW_DAYS,
        "is_default": True, "version": DEFAULT_VERSION, "updated_at": None}]})

    programme_id: uuid.UUID
    points_months: list[int]
    window_days: int
    is_default: bool
    version: int = Field(description="The ETag's version; 0 for the default schedule.")
    updated_at: datetime | None

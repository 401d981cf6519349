"""The events the reintegration service publishes and the ones it reads.

Published payloads carry ids, statuses and dates only, never answers or personal data: they go
to other services and to partner ministries alike. What it reads from placements and
candidates are this service's own copies of their payloads, holding only the fields it uses.
"""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from services.reintegration.database import event_tables
from shared.events.outbox import Outbox

FOLLOWUP_SCHEDULED = "followup.scheduled"
FOLLOWUP_COMPLETED = "followup.completed"
FOLLOWUP_OVERDUE = "followup.overdue"
CASE_CLOSED = "case.closed"

# What partners may subscribe to, with the description their docs show. ``followup.scheduled``
# is not among them: it goes to the candidates service only, which reminds the returnee.
EVENT_TYPES = {
    FOLLOWUP_COMPLETED: "A returnee's follow-up was answered (by the returnee or a caseworker).",
    FOLLOWUP_OVERDUE: "A follow-up's answer window passed without an answer.",
    CASE_CLOSED: "A returnee case was closed; its remaining follow-ups are cancelled.",
}

outbox = Outbox(event_tables)


class _FollowUpOfCase(BaseModel):
    """What every follow-up event names: the follow-up, its case and when it is due."""

    follow_up_id: uuid.UUID
    case_id: uuid.UUID
    programme_id: uuid.UUID
    candidate_id: uuid.UUID
    point_months: int
    due_date: date


class FollowUpEvent(_FollowUpOfCase):
    """Payload of ``followup.completed`` and ``followup.overdue`` (subject: the case)."""

    status: str
    at: datetime
    # followup.completed: the day the returnee answered (recorded at ``at``, maybe later).
    answered_on: date | None = None


class FollowUpScheduled(_FollowUpOfCase):
    """Payload of ``followup.scheduled`` (subject: the case): a follow-up a case's stay was
    given, answerable from ``due_date`` until ``window_closes_at`` (internal only)."""

    window_closes_at: datetime


class CaseClosed(BaseModel):
    """Payload of ``case.closed`` (subject: the case)."""

    case_id: uuid.UUID
    placement_id: uuid.UUID
    programme_id: uuid.UUID
    candidate_id: uuid.UUID
    close_reason: str
    closed_at: datetime


# --- read from other services ---------------------------------------------------------------


class PlacementEnded(BaseModel):
    """What this service reads of ``placement.completed`` and ``placement.ended_early``."""

    model_config = ConfigDict(extra="ignore")

    placement_id: uuid.UUID
    candidate_id: uuid.UUID
    programme_id: uuid.UUID
    employer_id: uuid.UUID | None = None
    status: str | None = None
    start_date: date | None = None
    actual_start_date: date | None = None
    end_date: date
    actual_end_date: date | None = None
    end_reason: str | None = None
    origin_country: str | None = None
    destination_country: str | None = None
    # Sent by placements from the candidate's profile and the vacancy; may be absent.
    gender: str | None = None
    sector: str | None = None
    # The vacancy's kind of stay and season (a seasonal programme's), when placements says;
    # plain text here, so that a value this service does not know never loses the event.
    stay_type: str | None = None
    season: str | None = None

    @property
    def return_date(self) -> date:
        """When the returnee came home: the actual end, else the planned one."""
        return self.actual_end_date or self.end_date

    @property
    def stay_start(self) -> date | None:
        """When the stay began: the arrival, else the planned start."""
        return self.actual_start_date or self.start_date


class CandidateErased(BaseModel):
    """What this service reads of ``candidate.erased``."""

    model_config = ConfigDict(extra="ignore")

    candidate_id: uuid.UUID

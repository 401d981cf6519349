"""The events the candidates service publishes: their types, payloads and the outbox.

Payloads carry ids and statuses only, never personal data: they go to other services and to
partner ministries alike.
"""

import uuid

from pydantic import BaseModel

from services.candidates.database import event_tables
from shared.events.outbox import Outbox

APPLICATION_SUBMITTED = "application.submitted"
APPLICATION_SELECTED = "application.selected"
APPLICATION_WITHDRAWN = "application.withdrawn"
CANDIDATE_ERASED = "candidate.erased"

# Which application status reached publishes which event.
APPLICATION_EVENTS = {"submitted": APPLICATION_SUBMITTED, "selected": APPLICATION_SELECTED,
                      "withdrawn": APPLICATION_WITHDRAWN}

# What partners may subscribe to, with the description their docs show.
EVENT_TYPES = {
    APPLICATION_SUBMITTED: "An application was submitted to a programme.",
    APPLICATION_SELECTED: "An application won a seat in a programme's cohort.",
    APPLICATION_WITHDRAWN: "An application was withdrawn.",
    CANDIDATE_ERASED: "A candidate's personal data was erased; forget what you hold on them.",
}

outbox = Outbox(event_tables)


class ApplicationEvent(BaseModel):
    """Payload of ``application.*`` events (subject: the application)."""

    application_id: uuid.UUID
    candidate_id: uuid.UUID
    programme_id: uuid.UUID
    status: str
    previous_status: str
    action: str


class CandidateErased(BaseModel):
    """Payload of ``candidate.erased`` (subject: the candidate)."""

    candidate_id: uuid.UUID

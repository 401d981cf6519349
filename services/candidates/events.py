"""The events the candidates service publishes: their types, payloads and the outbox.

Payloads carry ids and statuses only, never personal data: they go to other services and to
partner ministries alike. The one exception are notices (``notice.*``): they go only to a
programme's notification partner and carry the channel's address and the text to send, declared
as personal data (services/candidates/notices/personal.py).
"""

import uuid
from typing import Any

from pydantic import BaseModel, Field

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
    "notice.followup.due_soon": "Send a returnee a reminder that a follow-up survey is due "
    "(notification partners only; carries the address and the text).",
    "notice.followup.overdue": "Send a returnee word that a follow-up survey's window closed "
    "unanswered (notification partners only).",
    "notice.training.session_upcoming": "Send a trainee a reminder of a training session "
    "(notification partners only).",
    "notice.placement.visa_decided": "Send a person word that their visa was decided "
    "(notification partners only).",
    "notice.placement.starting_soon": "Send a person a reminder that their placement starts "
    "soon (notification partners only).",
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


class NoticeEvent(BaseModel):
    """Payload of ``notice.*`` (subject: the notice): one message for the programme's
    notification partner to send. ``candidate_id`` stays inside (no partner grant receives
    it); ``address`` and ``text`` are the person's data, delivered only while the person may
    still be reached by this notice."""

    notice_id: uuid.UUID
    candidate_id: uuid.UUID
    programme_id: uuid.UUID
    kind: str
    language: str
    channel: str
    address: str = Field(description="E.164 phone number (sms, whatsapp) or e-mail address.")
    text: str = Field(description="The message, in ``language``, short enough for one SMS.")
    params: dict[str, Any] = Field(description="The dates and codes the text names.")

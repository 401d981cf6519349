"""The events the placements service publishes: their types, payloads and the outbox.

Payloads carry ids, statuses, dates and codes, never a name, contact or birth date: they go to
other services and to partner ministries alike. Placement events also carry the trainee's
gender (as the candidate declared it), the vacancy's sector, stay type, season and region,
which the reintegration service's cases and indicators break down by (gender balance is a
programme goal; a seasonal worker's stays are told apart by their season).
"""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from services.placements.database import event_tables
from shared.events.outbox import Outbox

PLACEMENT_CONFIRMED = "placement.confirmed"
PLACEMENT_STARTED = "placement.started"
PLACEMENT_EXTENDED = "placement.extended"
PLACEMENT_COMPLETED = "placement.completed"
PLACEMENT_ENDED_EARLY = "placement.ended_early"
INCIDENT_REPORTED = "placement.incident_reported"
VISA_REQUESTED = "placement.visa_requested"
VISA_DECIDED = "placement.visa_decided"
EMPLOYER_SUSPENDED = "employer.suspended"
EMPLOYER_REINSTATED = "employer.reinstated"
GRIEVANCE_FILED = "grievance.filed"
GRIEVANCE_ESCALATED = "grievance.escalated"
GRIEVANCE_RESOLVED = "grievance.resolved"

# Which placement action publishes which event (creating a placement publishes "confirmed").
ACTION_EVENTS = {"request-visa": VISA_REQUESTED, "visa-decision": VISA_DECIDED,
                 "arrive": PLACEMENT_STARTED, "extend": PLACEMENT_EXTENDED,
                 "complete": PLACEMENT_COMPLETED, "end-early": PLACEMENT_ENDED_EARLY}

# What partners may subscribe to, with the description their docs show; which of them each
# partner's grant may see, and what of their payload, is shared.events.grants. Incident
# reports stay internal: they concern the trainee's safety and health.
EVENT_TYPES = {
    VISA_REQUESTED: "Both parties accepted and the visa was requested: the destination's visa "
    "authority reads the visa file (GET /v1/placements/{id}/visa-file).",
    VISA_DECIDED: "The visa was granted or refused (visa_decision).",
    PLACEMENT_CONFIRMED: "A placement was confirmed (proposed to employer and candidate); "
    "visa processing can be prepared.",
    PLACEMENT_STARTED: "The trainee arrived: the placement is active.",
    PLACEMENT_EXTENDED: "An active placement was extended to a later end date.",
    PLACEMENT_COMPLETED: "The placement ended as planned.",
    PLACEMENT_ENDED_EARLY: "The placement ended before its planned end; see reason.",
    EMPLOYER_SUSPENDED: "An employer was suspended in the programme: its open vacancies there "
    "were closed; it takes no new placement there until reinstated.",
    EMPLOYER_REINSTATED: "A suspended employer was reinstated in the programme (its vacancies "
    "stay closed until reopened).",
    GRIEVANCE_FILED: "A worker's grievance was filed (category, severity, the level handling "
    "it first); no placement, person or words.",
    GRIEVANCE_ESCALATED: "A grievance's deadline passed unresolved: it moved up a level "
    "(employer, programme, ministry).",
    GRIEVANCE_RESOLVED: "A grievance was resolved, with its outcome.",
}

outbox = Outbox(event_tables)


class PlacementEvent(BaseModel):
    """Payload of ``placement.*`` lifecycle events (subject: the placement)."""

    placement_id: uuid.UUID
    candidate_id: uuid.UUID
    programme_id: uuid.UUID
    vacancy_id: uuid.UUID
    employer_id: uuid.UUID
    matching_run_id: uuid.UUID | None
    proposal_id: uuid.UUID | None
    status: str
    previous_status: str | None
    start_date: date = Field(description="Planned start.")
    end_date: date = Field(description="Planned end, extensions included.")
    actual_start_date: date | None
    actual_end_date: date | None
    end_reason: str | None = Field(description="ended_early only: the reason code.")
    origin_country: str | None
    destination_country: str
    gender: str | None = Field(None, description="female, male, other or undisclosed; "
                               "null when the placement was made without it.")
    sector: str | None = Field(None, description="The vacancy's sector.")
    stay_type: str = Field("work", description="work, traineeship, study or seasonal.")
    season: str | None = Field(None, description="A seasonal stay's season (e.g. \"2024\").")
    region: str | None = Field(None, description="The vacancy's ISO 3166-2 region, if given.")
    visa_decision: str | None = Field(None, description="granted or refused, once decided.")
    visa_decision_date: date | None = None


class IncidentReported(BaseModel):
    """Payload of ``placement.incident_reported`` (subject: the placement): a high or critical
    incident in a check-in, or a deviation its wage or housing check found (``incident_type``:
    the deviation's kind, e.g. ``wage_shortfall``). No description, no amounts and no
    candidate id: officers read those in the check-in itself."""

    placement_id: uuid.UUID
    programme_id: uuid.UUID
    employer_id: uuid.UUID
    check_in_id: uuid.UUID
    alert_id: uuid.UUID
    incident_type: str
    severity: str


class EmployerSuspensionEvent(BaseModel):
    """Payload of ``employer.suspended`` and ``employer.reinstated`` (subject: the employer):
    ids and dates only; the reasons stay with the programme's officers and the employer."""

    suspension_id: uuid.UUID
    employer_id: uuid.UUID
    programme_id: uuid.UUID
    suspended_on: date
    review_on: date | None
    reinstated_on: date | None = Field(description="employer.reinstated: the day it took "
                                       "effect; null on employer.suspended.")
    closed_vacancy_ids: list[uuid.UUID] = Field(description="The open vacancies the suspension "
                                                "closed.")


class GrievanceEvent(BaseModel):
    """Payload of ``grievance.*`` events (subject: the grievance). Codes only: no placement,
    employer or candidate id and no words, since the grievance itself is the person's (an
    employer with one trainee would single them out); officers read the grievance."""

    grievance_id: uuid.UUID
    programme_id: uuid.UUID
    category: str
    severity: str
    level: str = Field(description="employer, programme or ministry: who handles it now.")
    previous_level: str | None = Field(None, description="escalated only: the level before.")
    status: str = Field(description="open, in_progress or resolved.")
    outcome: str | None = Field(None, description="resolved only: upheld, partly_upheld, "
                                "not_upheld or withdrawn.")
    due_at: datetime = Field(description="When it must be resolved at its level.")

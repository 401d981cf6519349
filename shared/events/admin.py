"""Operations view of a service's events: outbox lag, failures, dead letters and their replay.

The figures come from the database, so any replica answers for all of them; ``relay`` adds
what this process's own relay did since it started. The routes serve the service's own event
tables (:mod:`service_events`).
"""

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from shared.auth import Forbidden
from shared.db import SessionDep
from shared.errors import NotFound, responses
from shared.events import repository
from shared.events.access import EventsClient, events_client
from shared.events.service_events import ServiceEventsDep
from shared.i18n import _


class SubscriberLag(BaseModel):
    """Delivery state of one subscription."""

    subscription_id: uuid.UUID
    kind: str
    name: str | None
    url: str
    active: bool
    pending: int
    failing: int  # pending deliveries that failed at least once
    dead: int
    oldest_pending_age_seconds: float | None


class EventsLag(BaseModel):
    """Outbox lag of the service: the oldest undelivered event's age, failures, dead letters."""

    service: str
    oldest_pending_age_seconds: float | None
    pending: int
    failing: int
    dead: int
    subscribers: list[SubscriberLag]
    relay: dict[str, Any] | None


class DeadLetter(BaseModel):
    """A delivery that ran out of attempts."""

    id: int
    event_id: uuid.UUID
    event_type: str
    subject_id: str
    subscription_id: uuid.UUID
    subscriber: str
    attempts: int
    last_error: str | None
    occurred_at: datetime


class EventNotFound(NotFound):
    slug, title = "dead-letter-not-found", "Dead letter not found"


def _require_admin(client: EventsClient) -> None:
    if not client.is_admin:
        raise Forbidden(_("Only operators see the events' state."))


router = APIRouter(prefix="/admin/events", tags=["operations"])
ClientDep = Annotated[EventsClient, Depends(events_client)]


@router.get("/lag", response_model=EventsLag)
async def events_lag(request: Request, session: SessionDep, events: ServiceEventsDep,
                     client: ClientDep) -> EventsLag:
    """Per subscriber: pending, failing and dead deliveries and the oldest pending age."""
    _require_admin(client)
    rows = await repository.lag(session, events.tables)
    subscribers = [SubscriberLag(**{**r, "oldest_pending_age_seconds": (
        float(r["oldest_pending_age_seconds"])
        if r["oldest_pending_age_seconds"] is not None else None)}) for r in rows]
    ages = [s.oldest_pending_age_seconds for s in subscribers
            if s.oldest_pending_age_seconds is not None]
    relay = getattr(request.app.state, "relay", None)
    return EventsLag(
        service=request.app.state.settings.service_name,
        oldest_pending_age_seconds=max(ages) if ages else None,
        pending=sum(s.pending for s in subscribers),
        failing=sum(s.failing for s in subscribers),
        dead=sum(s.dead for s in subscribers), subscribers=subscribers,
        relay=None if relay is None else {
            "delivered": relay.stats.delivered, "rounds": relay.stats.rounds,
            "failed_attempts": relay.stats.failed_attempts,
            "dead_lettered": relay.stats.dead_lettered,
            "last_error": relay.stats.last_error})


@router.get("/dead-letters", response_model=list[DeadLetter])
async def list_dead_letters(
    session: SessionDep, events: ServiceEventsDep, client: ClientDep,
    after: Annotated[int, Query(ge=0, description="Only ids after this one (paging).")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeadLetter]:
    """Deliveries that ran out of attempts, oldest first."""
    _require_admin(client)
    rows = await repository.dead_letters(session, events.tables, after=after, limit=limit)
    return [DeadLetter(**r) for r in rows]


@router.post("/dead-letters/{delivery_id}/replay", status_code=202,
             responses=responses(EventNotFound))
async def replay_dead_letter(delivery_id: int, session: SessionDep, events: ServiceEventsDep,
                             client: ClientDep) -> dict[str, Any]:
    """Put a dead letter back in the queue with a fresh set of attempts."""
    _require_admin(client)
    if not await repository.requeue_dead_letter(session, events.tables, delivery_id):
        raise EventNotFound(_("No dead letter {delivery_id}.", delivery_id=delivery_id))
    return {"id": delivery_id, "status": "pending"}

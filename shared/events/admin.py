"""Operations view of a service's events: outbox lag, failures, dead letters and their replay.

The figures come from the database, so any replica answers for all of them; ``relay`` adds
what this process's own relay did since it started.
"""

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import text

from shared.auth import Forbidden
from shared.db import SessionDep
from shared.errors import NotFound, responses
from shared.events.access import EventsClient, events_client
from shared.events.tables import EventTables


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
        raise Forbidden("Only operators see the events' state.")


def admin_router(tables: EventTables) -> APIRouter:
    """``/admin/events/…`` for ``tables``' service."""
    router = APIRouter(prefix="/admin/events", tags=["operations"])
    t = tables
    lag_sql = text(f"""
        SELECT s.id AS subscription_id, s.kind, s.name, s.url, s.active,
               count(d.id) FILTER (WHERE d.status = 'pending') AS pending,
               count(d.id) FILTER (WHERE d.status = 'pending' AND d.attempts > 0) AS failing,
               count(d.id) FILTER (WHERE d.status = 'dead') AS dead,
               extract(epoch FROM now() - min(d.created_at) FILTER (WHERE d.status = 'pending'))
                   AS oldest_pending_age_seconds
        FROM {t.name(t.subscription)} s
        LEFT JOIN {t.name(t.delivery)} d ON d.subscription_id = s.id AND d.status <> 'delivered'
        GROUP BY s.id ORDER BY s.kind, s.name, s.created_at
    """)
    dead_sql = text(f"""
        SELECT d.id, d.event_id, o.type AS event_type, d.subject_id, d.subscription_id,
               coalesce(s.name, s.url) AS subscriber, d.attempts, d.last_error, o.occurred_at
        FROM {t.name(t.delivery)} d
        JOIN {t.name(t.outbox)} o ON o.id = d.event_id
        JOIN {t.name(t.subscription)} s ON s.id = d.subscription_id
        WHERE d.status = 'dead' AND d.id > :after
        ORDER BY d.id LIMIT :limit
    """)
    replay_sql = text(f"""
        UPDATE {t.name(t.delivery)}
        SET status = 'pending', attempts = 0, next_attempt_at = now()
        WHERE id = :id AND status = 'dead'
        RETURNING id
    """)

    @router.get("/lag", response_model=EventsLag)
    async def events_lag(request: Request, session: SessionDep,
                         client: Annotated[EventsClient, Depends(events_client)]) -> EventsLag:
        """Per subscriber: pending, failing and dead deliveries and the oldest pending age."""
        _require_admin(client)
        rows = (await session.execute(lag_sql)).mappings().all()
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
        session: SessionDep, client: Annotated[EventsClient, Depends(events_client)],
        after: Annotated[int, Query(ge=0, description="Only ids after this one (paging).")] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[DeadLetter]:
        """Deliveries that ran out of attempts, oldest first."""
        _require_admin(client)
        rows = (await session.execute(dead_sql, {"after": after, "limit": limit})).mappings()
        return [DeadLetter(**r) for r in rows.all()]

    @router.post("/dead-letters/{delivery_id}/replay", status_code=202,
                 responses=responses(EventNotFound))
    async def replay_dead_letter(
        delivery_id: int, session: SessionDep,
        client: Annotated[EventsClient, Depends(events_client)],
    ) -> dict[str, Any]:
        """Put a dead letter back in the queue with a fresh set of attempts."""
        _require_admin(client)
        row = (await session.execute(replay_sql, {"id": delivery_id})).first()
        if row is None:
            raise EventNotFound(f"No dead letter {delivery_id}.")
        await session.execute(text("SELECT pg_notify(:channel, '')"),
                              {"channel": t.channel})
        return {"id": delivery_id, "status": "pending"}

    return router

"""Record events in the service's outbox, in the caller's transaction.

``Outbox.record`` inserts the event and one delivery row per active subscription that wants its
type (and, for a partner, whose grant covers the event's programme and destination country), in
one statement on the session's connection (:func:`delivery_repository.record_events`), and
``pg_notify``s the relay: Postgres sends the notification only if and when the transaction
commits. So an event exists exactly when the change that caused it does.

Order per subject: deliveries are numbered (``event_delivery.id``) when the event is recorded.
A caller must hold the subject's row lock when it records (state transitions do: they lock the
row they change), so two transactions never record events of the same subject concurrently and
the numbers follow the order of the changes.

Each event keeps the W3C ``traceparent`` of the work that recorded it (the current span when
tracing is on, else the request's incoming one): its delivery continues that trace.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver_connection
from shared.events import delivery_repository as repository
from shared.events.tables import EventTables
from shared.logs import current_traceparent, request_id_var


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to record: its type, subject and JSON payload (ids and statuses only)."""

    type: str
    subject_id: str | uuid.UUID
    payload: dict[str, Any]
    version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)


class Outbox:
    """A service's outbox: records events through the caller's session."""

    def __init__(self, tables: EventTables) -> None:
        self.tables = tables

    async def record(self, session: AsyncSession, *, type: str, subject_id: str | uuid.UUID,
                     payload: dict[str, Any], version: int = 1) -> uuid.UUID:
        """Record one event in the session's transaction; return its id."""
        event = NewEvent(type=type, subject_id=subject_id, payload=payload, version=version)
        await self.record_many(session, [event])
        return event.id

    async def record_many(self, session: AsyncSession, events: Sequence[NewEvent]) -> int:
        """Record events, in order, in one statement; return how many deliveries they made."""
        if not events:
            return 0
        return await self.record_many_on(await driver_connection(session), events)

    async def record_many_on(self, connection: repository.Connection,
                             events: Sequence[NewEvent]) -> int:
        """:meth:`record_many` on an asyncpg connection, in its transaction (work that runs its
        own, such as a bulk import's ``COPY``)."""
        if not events:
            return 0
        request_id = request_id_var.get()
        return await repository.record_events(
            connection, self.tables,
            ids=[e.id for e in events], types=[e.type for e in events],
            versions=[e.version for e in events],
            subject_ids=[str(e.subject_id) for e in events],
            payloads=[orjson.dumps(e.payload).decode() for e in events],
            request_id=None if request_id == "-" else request_id,
            traceparent=current_traceparent())

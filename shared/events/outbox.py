"""Record events in the service's outbox, in the caller's transaction.

``Outbox.record`` inserts the event and one delivery row per active subscription that wants its
type (and, for a partner, whose grant covers the event's programme and destination country), in
one statement on the session's connection, and ``pg_notify``s the relay: Postgres sends the
notification only if and when the transaction commits. So an event exists exactly when the
change that caused it does.

Order per subject: deliveries are numbered (``event_delivery.id``) when the event is recorded.
A caller must hold the subject's row lock when it records (state transitions do: they lock the
row they change), so two transactions never record events of the same subject concurrently and
the numbers follow the order of the changes.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver_connection
from shared.events.tables import EventTables
from shared.logs import request_id_var, traceparent_var

# The W3C trace context of the current request, when the gateway's tracing sets it.


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
        t = tables
        self._insert = f"""
            WITH u AS (
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::text[])
                    WITH ORDINALITY AS u(id, type, version, subject_id, payload, n)
            ), e AS (
                INSERT INTO {t.name(t.outbox)}
                    (id, type, version, subject_id, payload, request_id, traceparent)
                SELECT id, type, version, subject_id, payload::jsonb, $6, $7 FROM u ORDER BY n
                RETURNING id
            ), d AS (
                INSERT INTO {t.name(t.delivery)} (event_id, subscription_id, subject_id)
                SELECT u.id, s.id, u.subject_id
                FROM u JOIN {t.name(t.subscription)} s
                  ON s.active AND (u.type = ANY(s.event_types) OR '*' = ANY(s.event_types))
                 -- a partner's grant (shared.events.grants): its programmes, its country;
                 -- a partner row without a scope (older than grants) gets nothing
                 AND (s.kind = 'internal' OR s.role = 'admin' OR (
                      u.payload::jsonb ->> 'programme_id' = ANY(s.programme_ids::text[])
                      AND (s.country IS NULL
                           OR u.payload::jsonb ->> 'destination_country' = s.country)))
                ORDER BY u.n, s.id
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM e) AS events, (SELECT count(*) FROM d) AS deliveries,
                   CASE WHEN EXISTS (SELECT 1 FROM d) THEN pg_notify($8, '') END AS notified
        """

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
        connection = await driver_connection(session)
        request_id = request_id_var.get()
        row = await connection.fetchrow(
            self._insert,
            [e.id for e in events], [e.type for e in events], [e.version for e in events],
            [str(e.subject_id) for e in events],
            [orjson.dumps(e.payload).decode() for e in events],
            None if request_id == "-" else request_id, traceparent_var.get(),
            self.tables.channel,
        )
        assert row is not None
        return int(row["deliveries"])

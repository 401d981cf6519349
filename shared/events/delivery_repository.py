"""Every query of recording and delivering events on a service's event tables: the outbox insert
with its delivery rows (:class:`outbox.Outbox`), and the relay's claims, marks and internal
subscription sync (:class:`relay.Relay`). What the statements guarantee, order per subject and
claims that replicas never share, is told in those two modules' docstrings.

The relay works on plain asyncpg connections (no ORM session); the outbox on the caller's session.
"""

import uuid
from collections.abc import Mapping, Sequence
from typing import TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from shared.events.tables import EventTables
from shared.settings import EventSubscriber

# What the relay's pool lends, or a connection of its own (tests, the subscription sync).
Connection: TypeAlias = asyncpg.Connection | PoolConnectionProxy

# --- outbox -----------------------------------------------------------------------------------


async def record_events(connection: Connection, tables: EventTables, *,
                        ids: list[uuid.UUID], types: list[str], versions: list[int],
                        subject_ids: list[str], payloads: list[str], request_id: str | None,
                        traceparent: str | None) -> int:
    """Insert events (``ids[n]`` of type ``types[n]``…, payloads as JSON text), in order, with
    one delivery row per subscription that may see each, and notify the relay when the
    connection's transaction commits; how many deliveries they made."""
    t = tables
    row = await connection.fetchrow(f"""
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
    """, ids, types, versions, subject_ids, payloads, request_id, traceparent, t.channel)
    assert row is not None
    return int(row["deliveries"])


# --- relay ------------------------------------------------------------------------------------


async def sync_subscriptions(connection: Connection, tables: EventTables,
                             subscribers: Sequence[EventSubscriber]) -> None:
    """Make the internal subscriptions match ``subscribers``: upsert by name, deactivate the
    rest. Run it in a transaction, so no round sees half of it."""
    table = tables.name(tables.subscription)
    for subscriber in subscribers:
        await connection.execute(
            f"""INSERT INTO {table} (kind, name, url, event_types)
                VALUES ('internal', $1, $2, $3)
                ON CONFLICT (name) DO UPDATE
                SET url = EXCLUDED.url, event_types = EXCLUDED.event_types, active = true""",
            subscriber.name, subscriber.url, subscriber.events)
    await connection.execute(
        f"UPDATE {table} SET active = false "
        "WHERE kind = 'internal' AND active AND NOT (name = ANY($1::text[]))",
        [s.name for s in subscribers])


async def claim_due(connection: Connection, tables: EventTables, *,
                    limit: int) -> list[asyncpg.Record]:
    """Lock up to ``limit`` due deliveries to active subscriptions (``SKIP LOCKED``: rows
    another replica holds are passed over), keeping those with no earlier open delivery of the
    same subject to the same subscriber outside this claim; each with its event and
    subscription, in delivery order. Run it in the transaction that marks them."""
    t = tables
    return await connection.fetch(f"""
        WITH c AS (
            SELECT d.id, d.event_id, d.subscription_id, d.subject_id
            FROM {t.name(t.delivery)} d
            WHERE d.status = 'pending' AND d.next_attempt_at <= now()
              AND EXISTS (SELECT 1 FROM {t.name(t.subscription)} s
                          WHERE s.id = d.subscription_id AND s.active)
              AND NOT EXISTS (
                  SELECT 1 FROM {t.name(t.delivery)} p
                  WHERE p.subscription_id = d.subscription_id
                    AND p.subject_id = d.subject_id AND p.id < d.id
                    AND p.status <> 'delivered'
                    AND (p.status = 'dead' OR p.next_attempt_at > now()))
            ORDER BY d.id
            LIMIT $1
            FOR UPDATE OF d SKIP LOCKED
        )
        SELECT c.id, c.subscription_id, c.subject_id, o.id AS event_id, o.type, o.version,
               o.payload::text AS payload, o.occurred_at, o.request_id, o.traceparent,
               s.kind, s.name, s.url, s.secret, s.role
        FROM c
        JOIN {t.name(t.outbox)} o ON o.id = c.event_id
        JOIN {t.name(t.subscription)} s ON s.id = c.subscription_id
        WHERE NOT EXISTS (
            SELECT 1 FROM {t.name(t.delivery)} p
            WHERE p.subscription_id = c.subscription_id AND p.subject_id = c.subject_id
              AND p.id < c.id AND p.status <> 'delivered'
              AND p.id NOT IN (SELECT id FROM c))
        ORDER BY c.id
    """, limit)


async def mark_delivered(connection: Connection, tables: EventTables,
                         delivery_ids: list[int]) -> None:
    """Mark the deliveries acknowledged."""
    await connection.execute(f"""
        UPDATE {tables.name(tables.delivery)}
        SET status = 'delivered', delivered_at = now(), attempts = attempts + 1,
            last_error = NULL
        WHERE id = ANY($1::bigint[])
    """, delivery_ids)


async def mark_failed(connection: Connection, tables: EventTables, errors: Mapping[int, str], *,
                      max_attempts: int, backoff_base_seconds: float,
                      backoff_max_seconds: float) -> int:
    """Record a failed attempt of each delivery (``errors``: its id and what went wrong): dead
    at ``max_attempts``, else due again after an exponential backoff with jitter; how many went
    dead."""
    rows = await connection.fetch(f"""
        UPDATE {tables.name(tables.delivery)} d
        SET attempts = d.attempts + 1, last_error = f.error,
            status = CASE WHEN d.attempts + 1 >= $3 THEN 'dead' ELSE 'pending' END,
            next_attempt_at = now() + make_interval(secs =>
                least($5::float8, $4::float8 * power(2, d.attempts))
                * (0.5 + random() * 0.5))
        FROM unnest($1::bigint[], $2::text[]) AS f(id, error)
        WHERE d.id = f.id
        RETURNING d.status
    """, list(errors), list(errors.values()), max_attempts, backoff_base_seconds,
        backoff_max_seconds)
    return sum(1 for row in rows if row["status"] == "dead")

"""Every query of the events routes (operations view, partner subscriptions, inbox) on a
service's event tables. Recording and delivering events (the outbox insert, the relay's claims
and marks) have theirs in :mod:`shared.events.delivery_repository`."""

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, func, insert, select, text, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver_connection
from shared.events.access import EventsClient
from shared.events.tables import EventTables

# --- operations view --------------------------------------------------------------------------


async def lag(session: AsyncSession, tables: EventTables) -> Sequence[RowMapping]:
    """Per subscription: its pending, failing and dead deliveries and the oldest pending age."""
    t = tables
    return (await session.execute(text(f"""
        SELECT s.id AS subscription_id, s.kind, s.name, s.url, s.active,
               count(d.id) FILTER (WHERE d.status = 'pending') AS pending,
               count(d.id) FILTER (WHERE d.status = 'pending' AND d.attempts > 0) AS failing,
               count(d.id) FILTER (WHERE d.status = 'dead') AS dead,
               extract(epoch FROM now() - min(d.created_at) FILTER (WHERE d.status = 'pending'))
                   AS oldest_pending_age_seconds
        FROM {t.name(t.subscription)} s
        LEFT JOIN {t.name(t.delivery)} d ON d.subscription_id = s.id AND d.status <> 'delivered'
        GROUP BY s.id ORDER BY s.kind, s.name, s.created_at
    """))).mappings().all()


async def dead_letters(session: AsyncSession, tables: EventTables, *, after: int,
                       limit: int) -> Sequence[RowMapping]:
    """Up to ``limit`` dead deliveries with ids after ``after``, oldest first."""
    t = tables
    return (await session.execute(text(f"""
        SELECT d.id, d.event_id, o.type AS event_type, d.subject_id, d.subscription_id,
               coalesce(s.name, s.url) AS subscriber, d.attempts, d.last_error, o.occurred_at
        FROM {t.name(t.delivery)} d
        JOIN {t.name(t.outbox)} o ON o.id = d.event_id
        JOIN {t.name(t.subscription)} s ON s.id = d.subscription_id
        WHERE d.status = 'dead' AND d.id > :after
        ORDER BY d.id LIMIT :limit
    """), {"after": after, "limit": limit})).mappings().all()


async def requeue_dead_letter(session: AsyncSession, tables: EventTables,
                              delivery_id: int) -> bool:
    """Make the dead delivery pending again with a fresh set of attempts, and wake the relay
    when the transaction commits; whether there was such a dead letter."""
    t = tables
    row = (await session.execute(text(f"""
        UPDATE {t.name(t.delivery)}
        SET status = 'pending', attempts = 0, next_attempt_at = now()
        WHERE id = :id AND status = 'dead'
        RETURNING id
    """), {"id": delivery_id})).first()
    if row is None:
        return False
    await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": t.channel})
    return True


# --- partner subscriptions --------------------------------------------------------------------


def _subscription_columns(tables: EventTables) -> tuple[ColumnElement[object], ...]:
    table = tables.subscription
    return (table.c.id, table.c.url, table.c.event_types, table.c.active, table.c.created_at,
            table.c.role, table.c.programme_ids, table.c.country)


def _readable(tables: EventTables, client: EventsClient) -> ColumnElement[bool]:
    """The partner subscriptions ``client`` sees: its own, every one for an admin."""
    table = tables.subscription
    condition = table.c.kind == "partner"
    return condition if client.is_admin else condition & (table.c.owner == client.id)


async def add_partner_subscription(
    session: AsyncSession, tables: EventTables, *, owner: str, url: str,
    event_types: list[str], secret: str, role: str, programme_ids: list[uuid.UUID] | None,
    country: str | None,
) -> RowMapping:
    """Insert a partner subscription; the new row (without its secret)."""
    table = tables.subscription
    return (await session.execute(insert(table).values(
        kind="partner", owner=owner, url=url, event_types=event_types, secret=secret,
        role=role, programme_ids=programme_ids, country=country,
    ).returning(*_subscription_columns(tables)))).mappings().one()


async def partner_subscriptions(session: AsyncSession, tables: EventTables,
                                client: EventsClient) -> Sequence[RowMapping]:
    """The partner subscriptions ``client`` sees, oldest first, at most 500."""
    table = tables.subscription
    return (await session.execute(
        select(*_subscription_columns(tables)).where(_readable(tables, client))
        .order_by(table.c.created_at, table.c.id).limit(500))).mappings().all()


async def partner_subscription(session: AsyncSession, tables: EventTables,
                               client: EventsClient,
                               subscription_id: uuid.UUID) -> RowMapping | None:
    """The partner subscription, if ``client`` sees it."""
    table = tables.subscription
    return (await session.execute(select(*_subscription_columns(tables)).where(
        _readable(tables, client), table.c.id == subscription_id))).mappings().first()


async def delete_partner_subscription(session: AsyncSession, tables: EventTables,
                                      client: EventsClient,
                                      subscription_id: uuid.UUID) -> bool:
    """Delete the partner subscription (its deliveries cascade) if ``client`` sees it;
    whether it did."""
    table = tables.subscription
    deleted = (await session.execute(delete(table).where(
        _readable(tables, client), table.c.id == subscription_id)
        .returning(table.c.id))).first()
    return deleted is not None


# --- inbox ------------------------------------------------------------------------------------


async def record_received(session: AsyncSession, tables: EventTables, *,
                          ids: list[uuid.UUID], types: list[str]) -> set[uuid.UUID]:
    """Record received events (``ids[n]`` of type ``types[n]``) in the inbox, in the session's
    transaction; the ids it had not recorded before."""
    connection = await driver_connection(session)
    rows = await connection.fetch(
        f"INSERT INTO {tables.name(tables.inbox)} (event_id, type) "
        "SELECT * FROM unnest($1::uuid[], $2::text[]) "
        "ON CONFLICT DO NOTHING RETURNING event_id", ids, types)
    return {row["event_id"] for row in rows}


# --- sealed secrets (``pathways reseal``) -----------------------------------------------------


async def table_exists(session: AsyncSession, tables: EventTables) -> bool:
    """Whether this schema has the subscription table (a service without events has none)."""
    return await session.scalar(
        select(func.to_regclass(tables.name(tables.subscription)))) is not None


async def partner_secrets(session: AsyncSession,
                          tables: EventTables) -> Sequence[tuple[uuid.UUID, str]]:
    """Every partner subscription's id and stored (sealed, or plain from before sealing)
    secret, locked until the transaction ends."""
    table = tables.subscription
    return [(row.id, row.secret) for row in (await session.execute(
        select(table.c.id, table.c.secret).where(table.c.secret.is_not(None))
        .order_by(table.c.id).with_for_update())).all()]


async def set_partner_secret(session: AsyncSession, tables: EventTables,
                             subscription_id: uuid.UUID, secret: str) -> None:
    """Store a subscription's secret as given (sealed by the caller)."""
    table = tables.subscription
    await session.execute(update(table).where(table.c.id == subscription_id)
                          .values(secret=secret))

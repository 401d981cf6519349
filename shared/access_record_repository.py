"""Every query on a service's ``access_record`` table (see :mod:`shared.access_record`).

Raw SQL on the request's asyncpg connection: the append is three short statements under the
table's advisory lock, and the reads are keyset pages by sequence number.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver_connection

GENESIS = "0" * 64
# The table's columns in order; the last two are the hashes.
COLUMNS = ("seq", "recorded_at", "actor_subject", "actor_role", "actor_organisation",
            "on_behalf_of", "candidate_id", "resource_type", "resource_id", "action", "method",
            "route", "purpose", "request_id", "previous_hash", "hash")


def _name(table: Table) -> str:
    return f'"{table.schema or "public"}"."{table.name}"'


# The chain's last sequence number and hash (none when empty) and the database's clock.
_TAIL = ("SELECT clock_timestamp() AS now, tail.seq, tail.hash FROM (SELECT 1) AS one "
         "LEFT JOIN (SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1) AS tail ON true")


async def lock_and_tail(session: AsyncSession,
                        table: Table) -> tuple[asyncpg.Connection, int, str, datetime]:
    """Take the table's transaction-level advisory lock (appends queue here, across replicas),
    then read the chain's last sequence number and hash (0 and the genesis hash when empty) and
    the database's clock; with the session's asyncpg connection for the insert.

    The lock goes through the session, which opens its transaction there (asyncpg's
    transaction is begun by SQLAlchemy on its first statement: a raw statement before it would
    run in autocommit and let the lock go at once). Two statements: the read must see what
    committed while the lock was awaited.
    """
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"),
                          {"name": _name(table)})
    connection = await driver_connection(session)
    row = await connection.fetchrow(_TAIL.format(table=_name(table)))
    assert row is not None  # one row, always
    return connection, int(row["seq"] or 0), str(row["hash"] or GENESIS), row["now"]


async def begin_locked(connection: asyncpg.Connection,
                       table: Table) -> tuple[int, str, datetime]:
    """:func:`lock_and_tail` on a bare asyncpg connection (no session): begin a transaction
    holding the table's lock, in one round trip, then read the tail and the clock. The caller
    commits or rolls back. Each round trip of a batch of reads is one more turn of a busy event
    loop that all the batch's readers wait for."""
    # Simple-query protocol: two statements in one message, the name a quoted literal of ours.
    name = _name(table).replace("'", "''")
    await connection.execute(
        f"BEGIN; SELECT pg_advisory_xact_lock(hashtextextended('{name}', 0))")
    row = await connection.fetchrow(_TAIL.format(table=_name(table)))
    assert row is not None  # one row, always
    return int(row["seq"] or 0), str(row["hash"] or GENESIS), row["now"]


async def insert(connection: asyncpg.Connection, table: Table,
                 rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert entries, each a tuple of the table's columns in order (COPY: a batch of reads
    appends hundreds, which row by row INSERTs cost the database several times more)."""
    await connection.copy_records_to_table(table.name, schema_name=table.schema or "public",
                                           columns=COLUMNS, records=rows)


async def chain_batch(connection: asyncpg.Connection, table: Table, *, after: int,
                      limit: int) -> list[asyncpg.Record]:
    """Up to ``limit`` entries after sequence number ``after``, in chain order."""
    return list(await connection.fetch(
        f"SELECT {', '.join(COLUMNS)} FROM {_name(table)} WHERE seq > $1 ORDER BY seq LIMIT $2",
        after, limit))


@dataclass(frozen=True, slots=True)
class EntryFilters:
    """What a list of entries is narrowed to."""

    candidate_id: uuid.UUID | None = None
    actor_subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def page(connection: asyncpg.Connection, table: Table, filters: EntryFilters, *,
               before: int | None, limit: int) -> list[asyncpg.Record]:
    """Up to ``limit`` entries matching ``filters``, newest first, below sequence ``before``."""
    clauses, args = [], []
    for column, operator, value in (("candidate_id", "=", filters.candidate_id),
                                    ("actor_subject", "=", filters.actor_subject),
                                    ("recorded_at", ">=", filters.since),
                                    ("recorded_at", "<", filters.until),
                                    ("seq", "<", before)):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} {operator} ${len(args)}")
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    args.append(limit)
    return list(await connection.fetch(
        f"SELECT {', '.join(COLUMNS)} FROM {_name(table)} {where} ORDER BY seq DESC "
        f"LIMIT ${len(args)}", *args))

"""Every query of bulk imports: on a raw asyncpg connection of their own, the COPY included."""

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from services.candidates.imports.records import IMPORT_COLUMNS

_REGISTERED = ("SELECT lower(email) FROM candidates.candidate "
               "WHERE lower(email) = ANY($1::text[])")


async def registered(connection: asyncpg.Connection, emails: list[str]) -> set[str]:
    """Those of ``emails`` (lower-cased) that a candidate already has."""
    # Prepared for this call, not taken from the connection's statement cache: Postgres plans
    # a prepared statement's first five runs for the values at hand (an index probe per
    # email). The cached one could then switch to a generic plan, made without knowing the
    # array; made while the table was small, it scanned every row against every email, which
    # on the benchmark's 20,000 rows cost Postgres three times the COPY itself.
    statement = await connection.prepare(_REGISTERED)
    return {row[0] for row in await statement.fetch(emails)}


async def programme_exists(connection: asyncpg.Connection, programme_id: uuid.UUID) -> bool:
    """Whether the programme exists (an import may register its people for it)."""
    return bool(await connection.fetchval(
        "SELECT EXISTS (SELECT 1 FROM candidates.programme WHERE id = $1)", programme_id))


async def institution_exists(connection: asyncpg.Connection,
                             institution_id: uuid.UUID) -> bool:
    """Whether the institution exists (an import may register its students)."""
    return bool(await connection.fetchval(
        "SELECT EXISTS (SELECT 1 FROM candidates.institution WHERE id = $1)", institution_id))


async def copy_candidates(connection: asyncpg.Connection,
                          rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (``records.record`` tuples) with one ``COPY``, in one transaction: a
    unique email already taken raises ``asyncpg.UniqueViolationError`` and writes none."""
    async with connection.transaction():
        await connection.copy_records_to_table("candidate", schema_name="candidates",
                                               columns=IMPORT_COLUMNS, records=rows)

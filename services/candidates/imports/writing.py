"""Writing one batch of validated lines: new emails only, one ``COPY``, one transaction."""

import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from services.candidates.imports.records import COLUMNS, ID, IMPORT_COLUMNS

_ATTEMPTS = 3
_REGISTERED = ("SELECT lower(email) FROM candidates.candidate "
               "WHERE lower(email) = ANY($1::text[])")

Line = tuple[int, tuple[Any, ...]]  # line number, COPY row (records.record)
EMAIL = COLUMNS.index("email")


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
    return await connection.fetchval(
        "SELECT EXISTS (SELECT 1 FROM candidates.programme WHERE id = $1)", programme_id)


async def institution_exists(connection: asyncpg.Connection,
                             institution_id: uuid.UUID) -> bool:
    """Whether the institution exists (an import may register its students)."""
    return await connection.fetchval(
        "SELECT EXISTS (SELECT 1 FROM candidates.institution WHERE id = $1)", institution_id)


@dataclass
class Written:
    """What writing a batch did, once its transaction committed (if it needed one)."""

    imported: int = 0
    taken: list[int] = field(default_factory=list)  # line numbers refused for their email
    claimed: set[str] = field(default_factory=set)  # the emails it registered
    ids: list[uuid.UUID] = field(default_factory=list)  # the candidates created, in line order


def _sort(batch: list[Line], emails: list[str], taken: set[str],
          seen: set[str]) -> tuple[list[tuple[Any, ...]], Written]:
    rows = []
    written = Written()
    for (number, row), email in zip(batch, emails, strict=True):
        if email in taken or email in seen or email in written.claimed:
            written.taken.append(number)
        else:
            written.claimed.add(email)
            rows.append(row)
            written.ids.append(row[ID])
    written.imported = len(rows)
    return rows, written


async def write_batch(connection: asyncpg.Connection, batch: list[Line], *, emails: list[str],
                      taken: set[str], seen: set[str]) -> Written:
    """Copy the lines of ``batch`` whose email is new, in one transaction.

    ``emails`` are the lines' emails lower-cased; ``taken`` those already registered (from
    :func:`registered`), ``seen`` those earlier batches imported; a line repeating an email
    earlier in the batch is refused too. Should someone register one of the emails before the
    COPY, the batch rolls back whole and is checked and written again.
    """
    attempt = 1
    while True:
        rows, written = _sort(batch, emails, taken, seen)
        if not rows:
            return written
        try:
            async with connection.transaction():
                await connection.copy_records_to_table("candidate", schema_name="candidates",
                                                       columns=IMPORT_COLUMNS,
                                                       records=rows)
            return written
        except asyncpg.UniqueViolationError:
            if attempt == _ATTEMPTS:
                raise
            attempt += 1
            taken = await registered(connection, emails)

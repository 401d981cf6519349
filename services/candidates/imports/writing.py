"""Writing one batch of validated lines: new emails only, one ``COPY``, one transaction."""

import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from services.candidates.imports import repository
from services.candidates.imports.records import COLUMNS, ID

_ATTEMPTS = 3

Line = tuple[int, tuple[Any, ...]]  # line number, COPY row (records.record)
EMAIL = COLUMNS.index("email")


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
    :func:`repository.registered`), ``seen`` those earlier batches imported; a line repeating
    an email earlier in the batch is refused too. Should someone register one of the emails
    before the COPY, the batch rolls back whole and is checked and written again.
    """
    attempt = 1
    while True:
        rows, written = _sort(batch, emails, taken, seen)
        if not rows:
            return written
        try:
            await repository.copy_candidates(connection, rows)
            return written
        except asyncpg.UniqueViolationError:
            if attempt == _ATTEMPTS:
                raise
            attempt += 1
            taken = await repository.registered(connection, emails)

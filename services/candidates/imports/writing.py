"""Writing one batch of validated lines: new emails only, one ``COPY``, one transaction (with
the lines' applications, in an import of applications, and the flags of their likely
duplicates)."""

import uuid
from dataclasses import dataclass, field

import asyncpg

from services.candidates.duplicates import service as duplicates_service
from services.candidates.imports import repository
from services.candidates.imports.filing import Filing, LineErrors
from services.candidates.imports.records import COLUMNS, ID, Line, person

_ATTEMPTS = 3

# Lines are told apart, and checked against the registered, by their e-mail's keyed digest.
EMAIL_DIGEST = COLUMNS.index("email_digest")


@dataclass
class Written:
    """What writing a batch did, once its transaction committed (if it needed one)."""

    imported: int = 0
    taken: list[int] = field(default_factory=list)  # line numbers refused for their email
    claimed: set[str] = field(default_factory=set)  # the emails it registered
    ids: list[uuid.UUID] = field(default_factory=list)  # the candidates created, in line order
    # Lines whose application the programme refused (an import of applications), and why.
    refused: dict[int, LineErrors] = field(default_factory=dict)
    application_ids: list[uuid.UUID] = field(default_factory=list)  # in line order
    flagged: int = 0  # likely duplicates flagged for an officer's review


def _sort(batch: list[Line], emails: list[str], taken: set[str], seen: set[str],
          refused: dict[int, LineErrors]) -> tuple[list[Line], Written]:
    lines = []
    written = Written(refused=refused)
    for line, email in zip(batch, emails, strict=True):
        number, row, application = line
        if number in refused:
            continue
        if email in taken or email in seen or email in written.claimed:
            written.taken.append(number)
        else:
            written.claimed.add(email)
            lines.append(line)
            written.ids.append(row[ID])
            if application is not None:
                written.application_ids.append(application.id)
    written.imported = len(lines)
    return lines, written


async def write_batch(connection: asyncpg.Connection, batch: list[Line], *, emails: list[str],
                      taken: set[str], seen: set[str], filing: Filing | None = None) -> Written:
    """Copy the lines of ``batch`` whose email is new, in one transaction; with ``filing``,
    those whose application the programme takes, and their applications.

    ``emails`` are the digests of the lines' emails; ``taken`` those already registered (from
    :func:`repository.registered`), ``seen`` those earlier batches imported; a line repeating
    an email earlier in the batch is refused too. Should someone register one of the emails
    before the COPY, the batch rolls back whole and is checked and written again.
    """
    attempt = 1
    while True:
        try:
            async with connection.transaction():
                refused = {} if filing is None else await filing.refusals(connection, batch)
                lines, written = _sort(batch, emails, taken, seen, refused)
                if lines:
                    await repository.copy_candidates(connection, [row for _, row, _ in lines])
                    if filing is not None:
                        await filing.write(connection, lines)
                    # As a sign-up is checked: with the batch's own lines, the earlier
                    # batches' and every other record; flagged, never refused.
                    written.flagged = await duplicates_service.detect_many(
                        connection, [(row[ID], person(row)) for _, row, _ in lines],
                        found_by="import")
            return written
        except asyncpg.UniqueViolationError:
            if attempt == _ATTEMPTS:
                raise
            attempt += 1
            taken = await repository.registered(connection, emails)


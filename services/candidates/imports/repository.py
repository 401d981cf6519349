"""Every query of bulk imports: on a raw asyncpg connection of their own, the COPY included."""

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from services.candidates.imports.records import IMPORT_COLUMNS
from services.candidates.programmes.models import Programme

_REGISTERED = ("SELECT email_digest FROM candidates.candidate "
               "WHERE email_digest = ANY($1::text[])")


async def registered(connection: asyncpg.Connection, emails: list[str]) -> set[str]:
    """Those of ``emails`` (keyed digests of e-mails) that a candidate already has."""
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
    """Insert ``rows`` (``records.record`` tuples) with one ``COPY``, in the caller's
    transaction: a unique email already taken raises ``asyncpg.UniqueViolationError`` and
    writes none."""
    await connection.copy_records_to_table("candidate", schema_name="candidates",
                                           columns=IMPORT_COLUMNS, records=rows)


# --- an import of applications ------------------------------------------------------------------

_TERMS = ("SELECT code, intake_opens_at, intake_closes_at, suspended_origins, required_consents "
          "FROM candidates.programme WHERE id = $1 FOR SHARE")


async def programme_terms(connection: asyncpg.Connection,
                          programme_id: uuid.UUID) -> Programme | None:
    """What a submission to the programme is checked against (its code, intake window,
    suspended origins and required consents), share-locked until the transaction ends: a
    concurrent change of them (an origin suspended, the window moved) waits for the batch, and
    then sees its applications. A Programme attached to no session, None for no programme."""
    row = await connection.fetchrow(_TERMS, programme_id)
    return None if row is None else Programme(**dict(row.items()))


# Columns of the rows an import of applications writes beside the candidates, in their order
# (filing.py makes the rows); the others take their defaults.
CONSENT_COLUMNS = ("candidate_id", "purpose", "text_version", "action", "method",
                   "given_by_subject", "given_by_role", "jurisdiction")
APPLICATION_COLUMNS = ("id", "candidate_id", "programme_id", "status", "motivation",
                       "submitted_at", "version")
TRANSITION_COLUMNS = ("application_id", "action", "from_status", "to_status", "reason")
NOMINATION_COLUMNS = ("institution_id", "candidate_id", "programme_id", "note")


async def copy_applications(connection: asyncpg.Connection, *,
                            consents: Sequence[tuple[Any, ...]],
                            applications: Sequence[tuple[Any, ...]],
                            transitions: Sequence[tuple[Any, ...]],
                            nominations: Sequence[tuple[Any, ...]]) -> None:
    """Insert the rows of filed applications (in the ``*_COLUMNS`` orders), one ``COPY`` per
    table, in the caller's transaction (that of their candidates' ``COPY``)."""
    for table, columns, rows in (("consent", CONSENT_COLUMNS, consents),
                                 ("application", APPLICATION_COLUMNS, applications),
                                 ("application_transition", TRANSITION_COLUMNS, transitions),
                                 ("nomination", NOMINATION_COLUMNS, nominations)):
        if rows:
            await connection.copy_records_to_table(table, schema_name="candidates",
                                                   columns=columns, records=rows)

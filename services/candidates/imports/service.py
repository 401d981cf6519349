"""Bulk import of candidates: validate every line, import the good ones batch by batch.

Each line is validated exactly as ``POST /v1/candidates`` validates a body. A batch of good lines
is written with one ``COPY`` in its own transaction, so a failure late in a large file keeps what
was already imported and the report says precisely which lines went in. Emails must be new: a
line whose email is already registered, or repeats an earlier line's, is rejected.
"""

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson
from pydantic import ValidationError

from services.candidates.imports.parsing import read_lines
from services.candidates.imports.schemas import ImportReport, LineError, candidate_row
from shared.db import Database

MAX_REPORTED_ERRORS = 1000
_ATTEMPTS = 3
_YIELD_EVERY = 50
COLUMNS = ("given_name", "family_name", "email", "phone", "date_of_birth", "gender",
           "nationality", "residence_country", "residence_city", "education", "skills",
           "skill_keys", "languages", "preferred_sectors", "preferred_countries",
           "available_from_date", "available_until_date")


@dataclass
class _Report:
    format: str
    lines: int = 0
    imported: int = 0
    rejected: int = 0
    batches: int = 0
    errors: list[LineError] = field(default_factory=list)

    def reject(self, line: int, errors: list[dict[str, Any]]) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(LineError(line=line, errors=errors))

    def result(self) -> ImportReport:
        return ImportReport(format=self.format, lines=self.lines, imported=self.imported,
                            rejected=self.rejected, batches=self.batches,
                            errors=sorted(self.errors, key=lambda e: e.line),
                            errors_truncated=self.rejected > len(self.errors))


def _field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    # Location and message only: echoing the input would copy personal data into the report.
    return [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"]} for e in exc.errors()]


def _keys(skills: list[dict[str, Any]]) -> list[str]:
    # As candidates.service.skill_keys, on the import's plain dicts.
    keys: dict[str, None] = {}
    for skill in skills:
        for name in (skill["uri"], skill["label"]):
            if name is not None:
                keys[name.lower()] = None
    return list(keys)


def record(row: dict[str, Any]) -> tuple[Any, ...]:
    """The COPY row of a validated line, in :data:`COLUMNS` order.

    JSONB lists are written in their full output shape (absent keys as null), as the
    candidates service writes them, so the read paths can emit them as stored.
    """
    education = [{"institution": e["institution"], "level": e["level"],
                  "field": e.get("field"), "year": e["year"]} for e in row.get("education", ())]
    skills = [{"uri": s.get("uri"), "label": s.get("label")} for s in row.get("skills", ())]
    return (
        row["given_name"], row["family_name"], row["email"], row.get("phone"),
        row["date_of_birth"], row["gender"], row["nationality"], row["residence_country"],
        row.get("residence_city"), orjson.dumps(education).decode(),
        orjson.dumps(skills).decode(), _keys(skills),
        orjson.dumps(row.get("languages", [])).decode(), row.get("preferred_sectors", []),
        row.get("preferred_countries", []), row.get("available_from_date"),
        row.get("available_until_date"),
    )


def _validated(lines: Iterable[tuple[int, dict[str, Any] | str]],
               report: _Report) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, document in lines:
        report.lines += 1
        if isinstance(document, str):
            report.reject(number, [{"loc": [], "msg": document}])
            continue
        try:
            yield number, candidate_row.validate_python(document)
        except ValidationError as exc:
            report.reject(number, _field_errors(exc))


async def _write_batch(connection: asyncpg.Connection,
                       batch: list[tuple[int, dict[str, Any]]], seen: set[str],
                       report: _Report) -> None:
    emails = [row["email"].lower() for _, row in batch]
    rejected: list[tuple[int, list[dict[str, Any]]]] = []
    claimed: set[str] = set()
    async with connection.transaction():
        taken = {row[0] for row in await connection.fetch(
            "SELECT lower(email) FROM candidates.candidate WHERE lower(email) = ANY($1::text[])",
            emails)}
        rows = []
        for (number, row), email in zip(batch, emails, strict=True):
            if email in taken or email in seen or email in claimed:
                rejected.append((number, [{"loc": ["email"], "msg": "email already registered"}]))
                continue
            claimed.add(email)
            rows.append(record(row))
        if rows:
            await connection.copy_records_to_table("candidate", schema_name="candidates",
                                                   columns=COLUMNS, records=rows)
    # Only once the batch committed: a retried batch must not count its lines twice.
    seen |= claimed
    for number, errors in rejected:
        report.reject(number, errors)
    report.imported += len(rows)
    report.batches += 1


async def _next_batch(good: Iterator[tuple[int, dict[str, Any]]],
                      size: int) -> list[tuple[int, dict[str, Any]]]:
    batch: list[tuple[int, dict[str, Any]]] = []
    for item in good:
        batch.append(item)
        if len(batch) == size:
            break
        if len(batch) % _YIELD_EVERY == 0:
            # Let the previous batch's COPY move its data meanwhile (see import_candidates).
            await asyncio.sleep(0)
    return batch


async def _write_with_retries(connection: asyncpg.Connection,
                              batch: list[tuple[int, dict[str, Any]]], seen: set[str],
                              report: _Report) -> None:
    for attempt in range(_ATTEMPTS):
        try:
            await _write_batch(connection, batch, seen, report)
            return
        except asyncpg.UniqueViolationError:
            # Someone registered one of these emails between our check and the COPY; the
            # batch rolled back whole, so check again and write it again.
            if attempt == _ATTEMPTS - 1:
                raise


async def import_candidates(database: Database, *, content: bytes, file_format: str,
                            batch_size: int) -> ImportReport:
    """Import the candidates of ``content`` (CSV or NDJSON) and report line by line.

    While Postgres ingests one batch, the next is parsed and validated: the two run on
    different cores, so a large import costs about the larger of the two, not their sum.
    """
    report = _Report(format=file_format)
    seen: set[str] = set()
    good = _validated(read_lines(content, file_format), report)
    async with database.engine.connect() as sa_connection:
        raw = await sa_connection.get_raw_connection()
        connection: asyncpg.Connection = raw.driver_connection  # type: ignore[assignment]
        writing: asyncio.Task[None] | None = None
        try:
            while batch := await _next_batch(good, batch_size):
                if writing is not None:
                    await writing
                writing = asyncio.create_task(
                    _write_with_retries(connection, batch, seen, report))
            if writing is not None:
                await writing
        finally:
            if writing is not None and not writing.done():
                writing.cancel()
    return report.result()

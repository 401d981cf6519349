"""Bulk import of candidates: validate every line, import the good ones batch by batch.

Each line is validated exactly as ``POST /v1/candidates`` validates a body. A batch of good lines
is written with one ``COPY`` in its own transaction, so a failure late in a large file keeps what
was already imported and the report says precisely which lines went in. Emails must be new: a
line whose email is already registered, or repeats an earlier line's, is rejected. Each batch
flags the likely duplicates of its people (``duplicates.service.detect_many``), among the file's
lines and with every other record, in its transaction; a likely duplicate is never rejected.

An import of applications (:mod:`filing`) also files each line's application to a programme,
in the same batches: a line whose application the programme refuses is rejected whole.
"""

import asyncio
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from services.candidates.candidates.service import Registration
from services.candidates.imports import repository
from services.candidates.imports.filing import Filing
from services.candidates.imports.parsing import read_lines
from services.candidates.imports.records import COLUMNS as COLUMNS  # bench/reads.py's import
from services.candidates.imports.records import Line, application, owner, record
from services.candidates.imports.schemas import (
    ApplicationImportReport,
    ImportReport,
    LineError,
    applicant_row,
    candidate_row,
    stripped_applicant_row,
    stripped_candidate_row,
)
from services.candidates.imports.writing import EMAIL_DIGEST, Written, write_batch
from services.candidates.institutions.exceptions import InstitutionNotFound
from services.candidates.programmes.exceptions import ProgrammeNotFound
from shared.db import Database
from shared.errors import field_message
from shared.i18n import N_, _, translate
from shared.text import MESSAGE as NUL_MESSAGE
from shared.text import nul_path

MAX_REPORTED_ERRORS = 1000
# Lines read between two turns of the event loop: each round trip of the COPY under way waits
# for one, so this bounds how long Postgres may wait for its next message (~1 ms).
_YIELD_EVERY = 20
_TAKEN = N_("email already registered")
# The CSV reader strips every string it yields; NDJSON values arrive as they were sent.
_ADAPTERS = {"csv": stripped_candidate_row, "ndjson": candidate_row}
_APPLICANT_ADAPTERS = {"csv": stripped_applicant_row, "ndjson": applicant_row}


@dataclass
class _Report:
    format: str
    lines: int = 0
    imported: int = 0
    rejected: int = 0
    batches: int = 0
    duplicates_flagged: int = 0
    errors: list[LineError] = field(default_factory=list)
    created_ids: list[uuid.UUID] = field(default_factory=list)
    application_ids: list[uuid.UUID] = field(default_factory=list)

    def reject(self, line: int, errors: list[dict[str, Any]]) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(LineError(line=line, errors=errors))

    def committed(self, written: Written) -> None:
        self.imported += written.imported
        self.created_ids += written.ids
        self.application_ids += written.application_ids
        self.batches += 1
        self.duplicates_flagged += written.flagged
        for number in written.taken:
            self.reject(number, [{"loc": ["email"], "msg": translate(_TAKEN)}])
        for number, errors in written.refused.items():
            self.reject(number, errors)

    def result(self) -> ImportReport:
        return ImportReport(format=self.format, lines=self.lines, imported=self.imported,
                            created_ids=self.created_ids,
                            rejected=self.rejected, batches=self.batches,
                            duplicates_flagged=self.duplicates_flagged,
                            errors=sorted(self.errors, key=lambda e: e.line),
                            errors_truncated=self.rejected > len(self.errors))

    def filed(self, programme_id: uuid.UUID) -> ApplicationImportReport:
        return ApplicationImportReport(**dict(self.result()), programme_id=programme_id,
                                       application_ids=self.application_ids)


def _field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    # Location and message only: echoing the input would copy personal data into the report.
    return [{"loc": [str(p) for p in e["loc"]], "msg": field_message(e)} for e in exc.errors()]


def _valid_rows(lines: Iterable[tuple[int, dict[str, Any] | str]], file_format: str,
                report: _Report, *, may_hold_nul: bool, links: Registration,
                applications: bool) -> Iterator[Line]:
    # Line by line, straight to the COPY row: the documents and validated dicts die young, and
    # only the rows (tuples the GC soon stops tracking) wait for their batch.
    adapters = _APPLICANT_ADAPTERS if applications else _ADAPTERS
    validate = adapters[file_format].validator.validate_python  # skips the adapter's wrapper
    for number, document in lines:
        report.lines += 1
        if isinstance(document, str):
            report.reject(number, [{"loc": [], "msg": document}])
            continue
        # Postgres stores no NUL: such a line is refused here, not by the COPY of its batch.
        if may_hold_nul and (where := nul_path(document)) is not None:
            report.reject(number, [{"loc": where.replace("[", ".").replace("]", "").split(".")
                                    if where else [], "msg": translate(NUL_MESSAGE)}])
            continue
        try:
            row = validate(document)
        except ValidationError as exc:
            report.reject(number, _field_errors(exc))
            continue
        yield (number, record(row, owner(links.programme_id, links.institution_id)),
               application(row) if applications else None)


async def _next_batch(good: Iterator[Line], size: int) -> list[Line]:
    batch: list[Line] = []
    for item in good:
        batch.append(item)
        if len(batch) == size:
            break
        if len(batch) % _YIELD_EVERY == 0:
            await asyncio.sleep(0)  # the previous batch's COPY goes on meanwhile
    return batch


async def _settle(*tasks: asyncio.Task[Any] | None) -> None:
    # Gone on an error or a cancellation: stop the queries under way, and let them end before
    # their connections go back to the pool.
    running = [task for task in tasks if task is not None and not task.done()]
    for task in running:
        task.cancel()
    if running:
        await asyncio.wait(running)


async def ensure_links(database: Database, *, links: Registration) -> None:
    """ProgrammeNotFound or InstitutionNotFound unless the programme and institution an import
    registers its people for exist (whether the caller may name them is ``access``'s rule).

    Checked once, before the file is read; the foreign keys hold them afterwards.
    """
    if links.programme_id is None and links.institution_id is None:
        return
    async with database.raw_connection() as connection:
        if links.programme_id is not None and \
                not await repository.programme_exists(connection, links.programme_id):
            raise ProgrammeNotFound(_("No programme {programme_id}.",
                                      programme_id=links.programme_id))
        if links.institution_id is not None and \
                not await repository.institution_exists(connection, links.institution_id):
            raise InstitutionNotFound(_("No institution {institution_id}.",
                                        institution_id=links.institution_id))


async def import_candidates(database: Database, *, content: bytes, file_format: str,
                            batch_size: int,
                            links: Registration | None = None) -> ImportReport:
    """Import the candidates of ``content`` (CSV or NDJSON) and report line by line.

    Every row is registered for the programme or institution of ``links`` (which the caller
    checked); the report lists the new ids in line order (made here: the COPY cannot return
    them).
    """
    report = await _import(database, content=content, file_format=file_format,
                           batch_size=batch_size, links=links or Registration())
    return report.result()


async def import_applications(database: Database, *, content: bytes, file_format: str,
                              batch_size: int, links: Registration,
                              filing: Filing) -> ApplicationImportReport:
    """:func:`import_candidates`, each line also filing its application as ``filing`` says;
    the report lists the applications' ids beside the people's."""
    report = await _import(database, content=content, file_format=file_format,
                           batch_size=batch_size, links=links, filing=filing)
    return report.filed(filing.programme_id)


async def _import(database: Database, *, content: bytes, file_format: str, batch_size: int,
                  links: Registration, filing: Filing | None = None) -> _Report:
    """Import the lines of ``content`` batch by batch.

    While Postgres ingests one batch, the next is parsed, validated and its emails looked up
    (on a second connection, so that the COPYs wait for no other query): Postgres and this
    process work on different cores, and a large import costs about the larger of the two.
    """
    report = _Report(format=file_format)
    seen: set[str] = set()  # the emails of the lines imported so far
    # One scan of the bytes (a millisecond) spares the per-line check in nearly every file.
    may_hold_nul = b"\x00" in content or b"\\u0000" in content
    good = _valid_rows(read_lines(content, file_format), file_format, report,
                       may_hold_nul=may_hold_nul, links=links, applications=filing is not None)
    async with database.raw_connection() as writer, database.raw_connection() as checker:
        checking: asyncio.Task[set[str]] | None = None
        writing: asyncio.Task[Written] | None = None
        try:
            while batch := await _next_batch(good, batch_size):
                emails = [row[EMAIL_DIGEST] for _, row, _ in batch]
                checking = asyncio.create_task(repository.registered(checker, emails))
                if writing is not None:
                    written = await writing
                    seen |= written.claimed  # before the next batch is sorted against it
                    report.committed(written)
                taken = await checking
                writing = asyncio.create_task(write_batch(
                    writer, batch, emails=emails, taken=taken, seen=seen, filing=filing))
            if writing is not None:
                report.committed(await writing)
        finally:
            await _settle(checking, writing)
    return report

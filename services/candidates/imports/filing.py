"""Filing applications with an import: beside each line's person, the consents their form gives
and their application to the import's programme, submitted.

A line is held to the rules of the one-by-one path (``applications.service.ensure_submittable``:
the submission not in the future and inside the intake window, from an origin the programme has
not suspended, with every consent it requires given by the line itself), checked in its batch's
transaction against the programme read there, share-locked. A line that fails is reported with
the problem's slug, and nothing of it is stored. Only staff date a submission (``submitted_at``);
an institution's lines are submitted at the import's time, each nominated by the institution
(the relation through which a partner follows the applications it filed).

What a line stores is what the one-by-one path would have: the consent events (given), the
application in ``submitted`` with its transition from ``draft`` (version 2: created, then
submitted) and its ``application.submitted`` event, and the institution's nomination.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.candidates.applications.exceptions import (
    ConsentRequired,
    HistoricalEntryForbidden,
    IntakeClosed,
    InvalidDates,
    OriginSuspended,
)
from services.candidates.applications.service import ensure_submittable
from services.candidates.events import APPLICATION_SUBMITTED, ApplicationEvent, outbox
from services.candidates.imports import repository
from services.candidates.imports.records import ID, NATIONALITY, RESIDENCE, Application, Line
from services.candidates.programmes.exceptions import ProgrammeNotFound
from services.candidates.programmes.models import Programme
from shared.errors import ProblemError
from shared.events.outbox import NewEvent
from shared.i18n import N_, _, translate

LineErrors = list[dict[str, Any]]
# The field of the line each refusal of ensure_submittable names.
_FIELD: dict[type[ProblemError], str] = {InvalidDates: "submitted_at", IntakeClosed: "submitted_at",
          OriginSuspended: "nationality", ConsentRequired: "consents"}
_DATED_BY_STAFF_ONLY = N_("only staff record a past submission: an institution's lines are "
                          "submitted now (leave submitted_at out)")
# The transition's reason, in the application's history: how it was filed.
FILED = "filed by an import of applications"
NOMINATED = "filed with the institution's import of applications"


def _problem(exc: ProblemError) -> LineErrors:
    return [{"loc": [_FIELD[type(exc)]], "type": exc.slug,
             "msg": exc.detail or translate(exc.title)}]


@dataclass(frozen=True, slots=True)
class Filing:
    """Who files an import's applications, to which programme, at what time."""

    programme_id: uuid.UUID
    now: datetime  # the import's time: the submission of lines that give none
    staff: bool  # admin or officer: may date a line's submission (submitted_at)
    nominated_by: uuid.UUID | None = None  # the institution filing: it nominates each line
    # Who files it (subject, role): the consent records name them as recording on the
    # people's behalf (ISO/IEC TS 27560's "given by"), by the method ``import``.
    filed_by: tuple[str, str] | None = None

    def refusal(self, programme: Programme, row: tuple[Any, ...],
                application: Application) -> LineErrors | None:
        """Why the line's application may not be filed, or None."""
        if application.submitted_at is not None and not self.staff:
            return [{"loc": ["submitted_at"], "type": HistoricalEntryForbidden.slug,
                     "msg": translate(_DATED_BY_STAFF_ONLY)}]
        try:
            ensure_submittable(
                programme, at=application.submitted_at or self.now, now=self.now,
                dated=application.submitted_at is not None, nationality=row[NATIONALITY],
                consents=dict.fromkeys(application.consents, "given"))
        except (InvalidDates, IntakeClosed, OriginSuspended, ConsentRequired) as exc:
            return _problem(exc)
        return None

    async def refusals(self, connection: asyncpg.Connection,
                       batch: Sequence[Line]) -> dict[int, LineErrors]:
        """The lines of ``batch`` (by number) whose application may not be filed, and why;
        the programme share-locked until the caller's transaction ends."""
        programme = await repository.programme_terms(connection, self.programme_id)
        if programme is None:
            raise ProgrammeNotFound(_("No programme {programme_id}.",
                                      programme_id=self.programme_id))
        refused = {}
        for number, row, application in batch:
            assert application is not None  # every line of an import of applications has one
            if (why := self.refusal(programme, row, application)) is not None:
                refused[number] = why
        return refused

    async def write(self, connection: asyncpg.Connection, lines: Sequence[Line]) -> None:
        """Store the consents, applications, transitions, nominations and events of ``lines``
        (whose candidates were just copied), in the caller's transaction."""
        consents, applications, transitions, nominations, events = [], [], [], [], []
        for _number, row, application in lines:
            assert application is not None
            candidate = row[ID]
            subject, role = self.filed_by or (None, None)
            consents += [(candidate, purpose, application.consent_text_version, "given",
                          "import", subject, role, row[RESIDENCE])
                         for purpose in application.consents]
            applications.append((application.id, candidate, self.programme_id, "submitted",
                                 application.motivation, application.submitted_at or self.now,
                                 2))
            transitions.append((application.id, "submit", "draft", "submitted", FILED))
            if self.nominated_by is not None:
                nominations.append((self.nominated_by, candidate, self.programme_id, NOMINATED))
            events.append(NewEvent(
                type=APPLICATION_SUBMITTED, subject_id=application.id, payload=ApplicationEvent(
                    application_id=application.id, candidate_id=candidate,
                    programme_id=self.programme_id, status="submitted",
                    previous_status="draft", action="submit").model_dump(mode="json")))
        await repository.copy_applications(connection, consents=consents,
                                           applications=applications, transitions=transitions,
                                           nominations=nominations)
        await outbox.record_many_on(connection, events)

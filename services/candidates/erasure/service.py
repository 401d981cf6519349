"""Erasure of a candidate's personal data (GDPR art. 17), announced to the other services.

The candidates service forgets at once; the others forget when they apply
``candidate.erased``. A subscriber's inbox acknowledges an event only once its handler has
committed (``shared.events.inbox``), so the event's delivery rows here are the others'
acknowledgements: :func:`status` reads them.
"""

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates.exceptions import CandidateNotFound
from services.candidates.erasure import repository
from services.candidates.erasure.exceptions import (
    AlreadyErased,
    ErasureNotFound,
    FreeTextAboutErased,
)
from services.candidates.erasure.models import CandidateErasure
from services.candidates.events import CANDIDATE_ERASED, CandidateErased, outbox
from services.candidates.notices import service as notices
from shared.i18n import _

# A delivery's state as the requester reads it.
DELIVERY_STATES = {"delivered": "done", "dead": "dead"}


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """Where one service that must forget the person stands."""

    service: str
    status: str  # pending, failing (an attempt failed, retrying), done, dead
    attempts: int
    acknowledged_at: datetime | None


@dataclass(frozen=True, slots=True)
class ErasureStatus:
    """An erasure and the other services' acknowledgements of it."""

    candidate_id: uuid.UUID
    erased_at: datetime
    services: list[Acknowledgement] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every service that must forget the person has done so."""
        return all(s.status == "done" for s in self.services)


async def erase(session: AsyncSession, *, candidate_id: uuid.UUID) -> CandidateErasure:
    """Anonymise the profile, blank the free text about the person, drop stored answers naming
    them, record the erasure and emit ``candidate.erased``, or 404/409."""
    if not await repository.lock_candidate(session, candidate_id):
        raise CandidateNotFound(_("No candidate {candidate_id}.", candidate_id=candidate_id))
    erasure = await repository.record_erasure(session, candidate_id)
    if erasure is None:
        raise AlreadyErased(_("Candidate {candidate_id} was already erased.",
                              candidate_id=candidate_id))
    await repository.anonymise(session, candidate_id)
    application_ids = await repository.blank_free_text(session, candidate_id)
    await repository.forget_stored_answers(session, [candidate_id, *application_ids])
    await notices.forget(session, candidate_id)
    await outbox.record(session, type=CANDIDATE_ERASED, subject_id=candidate_id,
                        payload=CandidateErased(candidate_id=candidate_id).model_dump(mode="json"))
    return erasure


async def is_erased(session: AsyncSession, *, candidate_id: uuid.UUID) -> bool:
    """Whether the candidate's personal data was erased (no free text is kept about them)."""
    return await repository.is_erased(session, candidate_id)


async def refuse_free_text(session: AsyncSession, *, candidate_id: uuid.UUID,
                           texts: Iterable[str | None], doing: str) -> None:
    """409 when any of ``texts`` is given about an erased candidate: none is kept."""
    if any(texts) and await repository.is_erased(session, candidate_id):
        raise FreeTextAboutErased(_("The candidate's personal data was erased: send no {field}.",
                                    field=doing))


def _digest(receipt: str) -> str:
    return hashlib.sha256(receipt.encode()).hexdigest()


async def issue_receipt(session: AsyncSession, *, candidate_id: uuid.UUID) -> str:
    """A new random receipt for the candidate's erasure, returned this once and kept hashed:
    whoever holds it may follow the erasure without an account."""
    receipt = "er_" + secrets.token_urlsafe(32)
    await repository.set_receipt(session, candidate_id, _digest(receipt))
    return receipt


async def status(session: AsyncSession, *, candidate_id: uuid.UUID,
                 receipt: str | None = None) -> ErasureStatus:
    """The erasure and the acknowledgements of ``candidate.erased``; 404 when the candidate was
    not erased or, when a ``receipt`` is given, it is not this erasure's."""
    erasure = await repository.get_erasure(session, candidate_id)
    if erasure is None or (receipt is not None and not (
            erasure.receipt_hash is not None
            and hmac.compare_digest(erasure.receipt_hash, _digest(receipt)))):
        raise ErasureNotFound(_("No erasure of candidate {candidate_id} for this caller.",
                                candidate_id=candidate_id))
    rows = await repository.acknowledgements(session, candidate_id, CANDIDATE_ERASED)
    return ErasureStatus(
        candidate_id=candidate_id, erased_at=erasure.erased_at,
        services=[Acknowledgement(
            service=row["service"], attempts=row["attempts"], acknowledged_at=row["delivered_at"],
            status=DELIVERY_STATES.get(row["status"], "failing" if row["failed"] else "pending"))
            for row in rows])

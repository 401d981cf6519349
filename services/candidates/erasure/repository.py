"""Queries of erasure."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.applications.models import Application, ApplicationTransition
from services.candidates.candidates.models import Candidate
from services.candidates.candidates.repository import CandidateChanges
from services.candidates.database import event_tables, idempotency_keys
from services.candidates.erasure.models import CandidateErasure
from services.candidates.institutions.models import Nomination

# What replaces the personal data. Gender, nationality and residence country stay: they are not
# identifying on their own and the programme's aggregate indicators (gender balance, origin)
# count them. Consents stay too: they are the legal record of what the person agreed to.
PLACEHOLDER_NAME = "erased"
PLACEHOLDER_BIRTH_DATE = date(1900, 1, 1)


def anonymised(candidate_id: uuid.UUID) -> CandidateChanges:
    """The column values of an erased profile."""
    return {
        "given_name": PLACEHOLDER_NAME, "family_name": PLACEHOLDER_NAME, "name_key": None,
        # Unique and not null: a reserved domain (RFC 2606) that can never receive mail.
        "email": f"erased-{candidate_id}@erased.invalid", "phone": None,
        "email_digest": None,  # the real address's keyed digest goes too
        "date_of_birth": PLACEHOLDER_BIRTH_DATE, "residence_city": None,
        "education": [], "skills": [], "skill_keys": [], "languages": [],
        "preferred_sectors": [], "preferred_countries": [],
        "available_from_date": None, "available_until_date": None,
    }


async def lock_candidate(session: AsyncSession, candidate_id: uuid.UUID) -> bool:
    """Lock the candidate's row; False when there is no such candidate."""
    found = await session.scalar(select(Candidate.id).where(Candidate.id == candidate_id)
                                 .with_for_update())
    return found is not None


async def record_erasure(session: AsyncSession, candidate_id: uuid.UUID) -> CandidateErasure | None:
    """Insert the erasure record; None when the candidate was erased before."""
    statement = (insert(CandidateErasure).values(candidate_id=candidate_id)
                 .on_conflict_do_nothing().returning(CandidateErasure))
    return (await session.execute(statement)).scalar_one_or_none()


async def is_erased(session: AsyncSession, candidate_id: uuid.UUID) -> bool:
    """Whether the candidate's personal data was erased."""
    found = await session.scalar(select(CandidateErasure.candidate_id)
                                 .where(CandidateErasure.candidate_id == candidate_id))
    return found is not None


async def anonymise(session: AsyncSession, candidate_id: uuid.UUID) -> None:
    """Overwrite the profile's personal data and bump its version."""
    await session.execute(update(Candidate).where(Candidate.id == candidate_id)
                          # The account it was linked to goes too (the gateway's handler).
                          .values(**anonymised(candidate_id), account_subject=None,
                                  version=Candidate.version + 1)
                          .execution_options(synchronize_session=False))


async def blank_free_text(session: AsyncSession, candidate_id: uuid.UUID) -> list[uuid.UUID]:
    """Blank what was written about the candidate in free text: their applications' motivation
    and decision reasons, the reasons of their applications' transitions and institutions'
    nomination notes; their application ids.

    Statuses, dates, scores and the screening's rule outcomes (written by the rules, never by a
    person) stay: the programme's indicators count them."""
    application_ids = list((await session.scalars(
        update(Application).where(Application.candidate_id == candidate_id)
        .values(motivation=None, decision_reason=None, version=Application.version + 1)
        .returning(Application.id)
        .execution_options(synchronize_session=False))).all())
    if application_ids:
        await session.execute(update(ApplicationTransition)
                              .where(ApplicationTransition.application_id.in_(application_ids),
                                     ApplicationTransition.reason.is_not(None))
                              .values(reason=None))
    await session.execute(update(Nomination).where(Nomination.candidate_id == candidate_id,
                                                   Nomination.note.is_not(None))
                          .values(note=None))
    return application_ids


async def forget_stored_answers(session: AsyncSession, ids: list[uuid.UUID]) -> int:
    """Delete the answers kept for idempotent retries that name any of ``ids`` (the person's
    profile, applications…): they are copies of what was erased; how many."""
    if not ids:
        return 0
    table = idempotency_keys
    result = await session.execute(delete(table).where(or_(
        *(table.c.response_body.contains(str(i)) for i in ids))))
    return int(getattr(result, "rowcount", 0) or 0)


async def set_receipt(session: AsyncSession, candidate_id: uuid.UUID, receipt_hash: str) -> None:
    """Keep the hash of the erasure's receipt."""
    await session.execute(update(CandidateErasure)
                          .where(CandidateErasure.candidate_id == candidate_id)
                          .values(receipt_hash=receipt_hash))


async def get_erasure(session: AsyncSession, candidate_id: uuid.UUID) -> CandidateErasure | None:
    """The erasure record of the candidate, if erased."""
    return await session.get(CandidateErasure, candidate_id)


async def acknowledgements(session: AsyncSession, candidate_id: uuid.UUID,
                           event_type: str) -> list[dict[str, Any]]:
    """Per internal subscriber, the delivery of the candidate's ``event_type`` event: its
    status, attempts, last delivery time and whether an attempt failed (oldest event first)."""
    t = event_tables
    statement = (
        select(t.subscription.c.name.label("service"), t.delivery.c.status,
               t.delivery.c.attempts, t.delivery.c.delivered_at,
               (t.delivery.c.last_error.is_not(None)).label("failed"))
        .select_from(t.outbox.join(t.delivery, t.delivery.c.event_id == t.outbox.c.id)
                     .join(t.subscription, t.subscription.c.id == t.delivery.c.subscription_id))
        .where(t.outbox.c.type == event_type,
               t.outbox.c.subject_id == str(candidate_id),
               t.subscription.c.kind == "internal")
        .order_by(t.outbox.c.occurred_at, t.subscription.c.name))
    return [dict(row) for row in (await session.execute(statement)).mappings().all()]

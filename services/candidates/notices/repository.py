"""Every query of notices, their schedules and the people's preferences."""

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, literal, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates.models import Candidate
from services.candidates.database import event_tables
from services.candidates.erasure.models import CandidateErasure
from services.candidates.notices.models import Notice, NoticePreference, NoticeSchedule
from shared.db import one_or_none

# --- notices --------------------------------------------------------------------------------


async def plan(session: AsyncSession, *, candidate_id: uuid.UUID, programme_id: uuid.UUID,
               kind: str, source_id: uuid.UUID, parent_id: uuid.UUID | None, due_at: datetime,
               not_after: datetime | None, params: dict[str, Any]) -> bool:
    """Add the notice of ``kind`` about ``source_id``, or move it while it is still pending
    (a later event said another date); nothing for a person this service does not hold.
    Whether a notice is now pending with these values."""
    values = select(
        literal(candidate_id), literal(programme_id), literal(kind), literal(source_id),
        literal(parent_id, type_=Notice.parent_id.type), literal(due_at, type_=Notice.due_at.type),
        literal(not_after, type_=Notice.not_after.type), literal(params, type_=Notice.params.type),
    ).where(exists().where(Candidate.id == candidate_id))
    new = insert(Notice).from_select(
        ["candidate_id", "programme_id", "kind", "source_id", "parent_id", "due_at", "not_after",
         "params"], values)
    statement = new.on_conflict_do_update(
        index_elements=[Notice.kind, Notice.source_id],
        set_={"due_at": new.excluded.due_at, "not_after": new.excluded.not_after,
              "params": new.excluded.params, "updated_at": func.now()},
        where=Notice.status == "pending",
    ).returning(Notice.id)
    return (await session.execute(statement)).first() is not None


async def cancel(session: AsyncSession, *, kinds: Collection[str], reason: str,
                 source_id: uuid.UUID | None = None,
                 parent_id: uuid.UUID | None = None) -> int:
    """Cancel the pending notices of ``kinds`` about ``source_id`` (or whose parent is
    ``parent_id``); how many."""
    about = Notice.source_id == source_id if source_id is not None else \
        Notice.parent_id == parent_id
    result = await session.execute(
        update(Notice).where(Notice.status == "pending", Notice.kind.in_(kinds), about)
        .values(status="cancelled", reason=reason, updated_at=func.now()))
    return result.rowcount  # type: ignore[attr-defined, no-any-return]


async def claim_due(session: AsyncSession, *, now: datetime, limit: int) -> list[Notice]:
    """Up to ``limit`` pending notices due by ``now``, earliest first, locked; those another
    transaction holds are skipped."""
    rows = await session.scalars(
        select(Notice).where(Notice.status == "pending", Notice.due_at <= now)
        .order_by(Notice.due_at, Notice.id).limit(limit)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True))
    return list(rows)


async def people(session: AsyncSession,
                 candidate_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Candidate]:
    """The profiles of these people, by id."""
    rows = await session.scalars(select(Candidate).where(Candidate.id.in_(candidate_ids)))
    return {row.id: row for row in rows}


async def erased(session: AsyncSession,
                 candidate_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Those of these people whose personal data was erased."""
    rows = await session.scalars(select(CandidateErasure.candidate_id)
                                 .where(CandidateErasure.candidate_id.in_(candidate_ids)))
    return set(rows)


async def of_person(session: AsyncSession, candidate_id: uuid.UUID, *,
                    limit: int) -> list[Notice]:
    """The person's notices, latest due first."""
    rows = await session.scalars(select(Notice).where(Notice.candidate_id == candidate_id)
                                 .order_by(Notice.due_at.desc(), Notice.id).limit(limit))
    return list(rows)


async def reachable(session: AsyncSession, notice_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Those of these sent notices whose person may still be reached by them now: not erased,
    the same channel chosen, the kind not stopped (or essential: never stopped)."""
    preference = NoticePreference
    rows = await session.scalars(
        select(Notice.id)
        .outerjoin(preference, preference.candidate_id == Notice.candidate_id)
        .where(Notice.id.in_(notice_ids), Notice.status == "sent",
               ~exists().where(CandidateErasure.candidate_id == Notice.candidate_id),
               or_(preference.candidate_id.is_(None),
                   (preference.channel == Notice.channel)
                   & ~Notice.kind.op("=")(func.any(preference.stopped_kinds)))))
    return set(rows)


async def forget(session: AsyncSession, candidate_id: uuid.UUID) -> None:
    """An erased person's notices: the pending ones cancelled, and the address and text of
    those recorded for sending taken out of the outbox (the events themselves stay, without
    the person's data)."""
    await session.execute(
        update(Notice).where(Notice.candidate_id == candidate_id, Notice.status == "pending")
        .values(status="cancelled", reason="erased", updated_at=func.now()))
    outbox = event_tables.outbox
    mine = select(func.cast(Notice.id, outbox.c.subject_id.type)).where(
        Notice.candidate_id == candidate_id, Notice.status == "sent")
    await session.execute(
        update(outbox).where(outbox.c.type.like("notice.%"), outbox.c.subject_id.in_(mine))
        .values(payload=outbox.c.payload.op("-")(text("'address'")).op("-")(text("'text'"))))


# --- schedules ------------------------------------------------------------------------------


async def schedule(session: AsyncSession, programme_id: uuid.UUID, *,
                   for_update: bool = False) -> list[NoticeSchedule]:
    """The programme's own settings, by kind."""
    statement = select(NoticeSchedule).where(NoticeSchedule.programme_id == programme_id)
    if for_update:
        statement = statement.with_for_update()
    return list(await session.scalars(statement.order_by(NoticeSchedule.kind)))


async def setting(session: AsyncSession, programme_id: uuid.UUID,
                  kind: str) -> NoticeSchedule | None:
    """The programme's own setting for ``kind``, if it made one."""
    return await one_or_none(session, select(NoticeSchedule).where(
        NoticeSchedule.programme_id == programme_id, NoticeSchedule.kind == kind))


async def disabled(session: AsyncSession,
                   programme_ids: Collection[uuid.UUID]) -> set[tuple[uuid.UUID, str]]:
    """The (programme, kind) pairs of these programmes that send nothing."""
    rows = await session.execute(select(NoticeSchedule.programme_id, NoticeSchedule.kind).where(
        NoticeSchedule.programme_id.in_(programme_ids), NoticeSchedule.enabled.is_(False)))
    return {(row[0], row[1]) for row in rows}


async def replace_schedule(session: AsyncSession, programme_id: uuid.UUID,
                           entries: Sequence[dict[str, Any]], version: int) -> None:
    """Replace the programme's settings by ``entries`` (kind, offset_days, enabled), all at
    ``version``."""
    await session.execute(delete(NoticeSchedule)
                          .where(NoticeSchedule.programme_id == programme_id))
    await session.execute(insert(NoticeSchedule), [
        {**entry, "programme_id": programme_id, "version": version} for entry in entries])


# --- preferences ----------------------------------------------------------------------------


async def preference(session: AsyncSession, candidate_id: uuid.UUID, *,
                     for_update: bool = False) -> NoticePreference | None:
    """The person's preferences, if they set any."""
    return await one_or_none(session, select(NoticePreference).where(
        NoticePreference.candidate_id == candidate_id).execution_options(
        populate_existing=True), for_update=for_update)


async def preferences(session: AsyncSession, candidate_ids: Collection[uuid.UUID]
                      ) -> dict[uuid.UUID, NoticePreference]:
    """The preferences these people set, by person."""
    rows = await session.scalars(select(NoticePreference)
                                 .where(NoticePreference.candidate_id.in_(candidate_ids)))
    return {row.candidate_id: row for row in rows}


async def save_preference(session: AsyncSession, *, candidate_id: uuid.UUID, language: str,
                          channel: str, stopped_kinds: list[str]) -> NoticePreference:
    """Create the person's preferences or replace them, bumping their version."""
    new = insert(NoticePreference).values(candidate_id=candidate_id, language=language,
                                          channel=channel, stopped_kinds=stopped_kinds)
    statement = new.on_conflict_do_update(
        index_elements=[NoticePreference.candidate_id],
        set_={"language": new.excluded.language, "channel": new.excluded.channel,
              "stopped_kinds": new.excluded.stopped_kinds,
              "version": NoticePreference.version + 1, "updated_at": func.now()},
    ).returning(NoticePreference).execution_options(populate_existing=True)
    return (await session.execute(statement)).scalar_one()


async def mark(session: AsyncSession, notice_id: uuid.UUID, **values: Any) -> None:
    """Set the outcome of a claimed notice."""
    await session.execute(update(Notice).where(Notice.id == notice_id)
                          .values(**values, updated_at=func.now()))

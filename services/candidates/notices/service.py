"""Notices: planned from other services' events, sent by the notices job as events to the
programme's notification partner, each person's preferences and each programme's schedule.

Nothing here commits: a notice planned or cancelled shares the inbox's transaction, a notice
sent and its ``notice.<kind>`` event the job's.
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates import service as candidates_service
from services.candidates.candidates.models import Candidate
from services.candidates.events import NoticeEvent, outbox
from services.candidates.notices import repository, texts
from services.candidates.notices.exceptions import DuplicateKinds, EssentialNotice
from services.candidates.notices.kinds import (
    DEFAULT_LANGUAGE,
    DEFAULT_VERSION,
    DEFAULTS,
    ESSENTIAL,
    KINDS,
    LANGUAGES,
    PHONE_CHANNELS,
    SEND_HOUR_UTC,
    event_type,
)
from services.candidates.notices.models import Notice, NoticePreference
from services.candidates.notices.schemas import (
    KindSetting,
    PreferencesIn,
    PreferencesOut,
    ScheduleIn,
    ScheduleOut,
)
from services.candidates.programmes.exceptions import ProgrammeNotFound
from services.candidates.programmes.repository import get as get_programme
from shared import access, concurrency
from shared.auth import Principal
from shared.events.outbox import NewEvent
from shared.i18n import N_, _

# --- when -----------------------------------------------------------------------------------


def morning_of(day: date) -> datetime:
    """The hour reminders of ``day`` are sent (:data:`SEND_HOUR_UTC`)."""
    return datetime.combine(day, time(SEND_HOUR_UTC), UTC)


def end_of(day: date) -> datetime:
    """The end of ``day`` (UTC): a reminder of it is too late after."""
    return datetime.combine(day + timedelta(days=1), time(0), UTC)


async def offset_days(session: AsyncSession, programme_id: uuid.UUID, kind: str) -> int:
    """The programme's offset for ``kind``: its own, else the default."""
    row = await repository.setting(session, programme_id, kind)
    return row.offset_days if row is not None else DEFAULTS[kind].offset_days


async def remind_before(session: AsyncSession, *, kind: str, candidate_id: uuid.UUID,
                        programme_id: uuid.UUID, source_id: uuid.UUID, day: date,
                        params: dict[str, Any], parent_id: uuid.UUID | None = None,
                        not_after: datetime | None = None) -> bool:
    """Plan (or move) the reminder of ``kind`` of ``day``: the programme's offset before it.
    Whether one is pending now (none for a person this service does not hold)."""
    days = await offset_days(session, programme_id, kind)
    return await repository.plan(
        session, candidate_id=candidate_id, programme_id=programme_id, kind=kind,
        source_id=source_id, parent_id=parent_id, due_at=morning_of(day - timedelta(days=days)),
        not_after=not_after or end_of(day), params=params)


async def tell_after(session: AsyncSession, *, kind: str, candidate_id: uuid.UUID,
                     programme_id: uuid.UUID, source_id: uuid.UUID, at: datetime,
                     params: dict[str, Any], parent_id: uuid.UUID | None = None) -> bool:
    """Plan the notice of ``kind`` of something that happened ``at``: the programme's offset
    after it (0: at once)."""
    days = await offset_days(session, programme_id, kind)
    return await repository.plan(
        session, candidate_id=candidate_id, programme_id=programme_id, kind=kind,
        source_id=source_id, parent_id=parent_id, due_at=at + timedelta(days=days),
        not_after=None, params=params)


async def cancel(session: AsyncSession, *, kinds: Collection[str], reason: str,
                 source_id: uuid.UUID | None = None, parent_id: uuid.UUID | None = None) -> int:
    """Cancel the pending notices of ``kinds`` about ``source_id`` (or under ``parent_id``)."""
    return await repository.cancel(session, kinds=kinds, reason=reason, source_id=source_id,
                                   parent_id=parent_id)


# --- sending --------------------------------------------------------------------------------


def default_language(person: Candidate | None) -> str:
    """The first language of the person's profile that notices are written in, else English."""
    for entry in (person.languages if person is not None else []) or []:
        code = str(entry.get("language", "")).lower()
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def default_channel(person: Candidate | None) -> str:
    """SMS to the profile's phone, else e-mail."""
    return "sms" if person is not None and person.phone else "email"


@dataclass(frozen=True, slots=True)
class Choice:
    """How one person wants to be told."""

    language: str
    channel: str
    stopped: frozenset[str]


def choice_of(person: Candidate | None, preference: NoticePreference | None) -> Choice:
    """The person's preferences, or the defaults from their profile."""
    if preference is None:
        return Choice(default_language(person), default_channel(person), frozenset())
    return Choice(preference.language, preference.channel, frozenset(preference.stopped_kinds))


def address_of(person: Candidate, channel: str) -> str | None:
    """Where ``channel`` reaches the person: their phone (E.164) or e-mail, if they have it."""
    return person.phone if channel in PHONE_CHANNELS else person.email


@dataclass(frozen=True, slots=True)
class Context:
    """What deciding a batch of notices reads, once per batch."""

    people: dict[uuid.UUID, Candidate]
    preferences: dict[uuid.UUID, NoticePreference]
    erased: set[uuid.UUID]
    disabled: set[tuple[uuid.UUID, str]]


def withheld_because(notice: Notice, context: Context, choice: Choice,
                     now: datetime) -> str | None:
    """Why the notice must not be sent now (None: send it)."""
    person = context.people.get(notice.candidate_id)
    if person is None or notice.candidate_id in context.erased:
        return "erased"
    if (notice.programme_id, notice.kind) in context.disabled:
        return "programme_off"
    if notice.kind in choice.stopped and notice.kind not in ESSENTIAL:
        return "stopped"
    if choice.channel == "none":
        return "channel_none"
    if not address_of(person, choice.channel):
        return "no_address"
    if notice.not_after is not None and now >= notice.not_after:
        return "too_late"
    return None


async def send_due(session: AsyncSession, *, now: datetime, batch_size: int) -> int:
    """Send (or withhold) up to ``batch_size`` notices due by ``now``, each once: a sent one
    is recorded with its ``notice.<kind>`` event in this transaction. How many were decided."""
    due = await repository.claim_due(session, now=now, limit=batch_size)
    if not due:
        return 0
    people = {n.candidate_id for n in due}
    context = Context(
        people=await repository.people(session, people),
        preferences=await repository.preferences(session, people),
        erased=await repository.erased(session, people),
        disabled=await repository.disabled(session, {n.programme_id for n in due}))
    events = []
    for notice in due:
        choice = choice_of(context.people.get(notice.candidate_id),
                           context.preferences.get(notice.candidate_id))
        reason = withheld_because(notice, context, choice, now)
        if reason is not None:
            await repository.mark(session, notice.id, status="withheld", reason=reason)
            continue
        person = context.people[notice.candidate_id]
        await repository.mark(session, notice.id, status="sent", sent_at=now,
                              channel=choice.channel, language=choice.language)
        events.append(NewEvent(type=event_type(notice.kind), subject_id=notice.id,
                               payload=NoticeEvent(
            notice_id=notice.id, candidate_id=notice.candidate_id,
            programme_id=notice.programme_id, kind=notice.kind, language=choice.language,
            channel=choice.channel, address=address_of(person, choice.channel) or "",
            text=texts.render(notice.kind, choice.language, notice.params),
            params=notice.params).model_dump(mode="json")))
    await outbox.record_many(session, events)
    return len(due)


async def reachable(session: AsyncSession, notice_ids: Collection[str]) -> set[str]:
    """Of these sent notices, those their person may still be reached by now (not erased,
    the channel unchanged, the kind not stopped since)."""
    ids = set()
    for value in notice_ids:
        try:
            ids.add(uuid.UUID(value))
        except ValueError:
            continue
    return {str(i) for i in await repository.reachable(session, ids)} if ids else set()


async def forget(session: AsyncSession, candidate_id: uuid.UUID) -> None:
    """The person was erased: no notice is sent to them any more, and the address and text
    of those recorded for sending leave the outbox."""
    await repository.forget(session, candidate_id)


# --- the programme's schedule ---------------------------------------------------------------


async def _programme(session: AsyncSession, principal: Principal,
                     programme_id: uuid.UUID) -> None:
    access.ensure_programmes_visible(principal, [programme_id], ProgrammeNotFound)
    if await get_programme(session, programme_id) is None:
        raise ProgrammeNotFound(_("No programme {programme_id}.", programme_id=programme_id))


async def schedule(session: AsyncSession, *, principal: Principal,
                   programme_id: uuid.UUID) -> ScheduleOut:
    """The programme's notice schedule: its own settings, the defaults for the other kinds."""
    await _programme(session, principal, programme_id)
    return _schedule_out(programme_id, await repository.schedule(session, programme_id))


def _schedule_out(programme_id: uuid.UUID, rows: list[Any]) -> ScheduleOut:
    own = {row.kind: row for row in rows}
    settings = []
    for kind in KINDS:
        row, default = own.get(kind), DEFAULTS[kind]
        settings.append(KindSetting(
            kind=kind, offset_days=row.offset_days if row else default.offset_days,
            enabled=row.enabled if row else True, is_default=row is None,
            essential=kind in ESSENTIAL, counted="before" if default.before else "after"))
    return ScheduleOut(
        programme_id=programme_id, kinds=settings,
        version=max((row.version for row in rows), default=DEFAULT_VERSION),
        updated_at=max((row.updated_at for row in rows), default=None))


async def set_schedule(session: AsyncSession, *, principal: Principal, programme_id: uuid.UUID,
                       data: ScheduleIn, expected_version: int | None) -> ScheduleOut:
    """Set the programme's settings of the kinds given (the others follow the defaults);
    notices planned from now on follow them, and every pending one is sent or withheld by the
    ``enabled`` in force when it falls due."""
    await _programme(session, principal, programme_id)
    kinds = [entry.kind for entry in data.kinds]
    if len(set(kinds)) != len(kinds):
        raise DuplicateKinds(_("Each kind may appear once."))
    rows = await repository.schedule(session, programme_id, for_update=True)
    version = max((row.version for row in rows), default=DEFAULT_VERSION)
    concurrency.ensure_version(expected_version, version,
                               N_("The schedule changed since version {version}; read it again."))
    await repository.replace_schedule(session, programme_id,
                                      [entry.model_dump() for entry in data.kinds], version + 1)
    return _schedule_out(programme_id, await repository.schedule(session, programme_id))


# --- the person's preferences and notices ---------------------------------------------------


async def _person(session: AsyncSession, principal: Principal,
                  candidate_id: uuid.UUID) -> Candidate:
    await candidates_service.ensure_visible(session, principal=principal,
                                            candidate_id=candidate_id)
    return await candidates_service.get(session, candidate_id=candidate_id)


def _preferences_out(candidate_id: uuid.UUID, person: Candidate,
                     row: NoticePreference | None) -> PreferencesOut:
    choice = choice_of(person, row)
    return PreferencesOut(
        candidate_id=candidate_id, language=choice.language, channel=choice.channel,
        stopped_kinds=sorted(choice.stopped), essential_kinds=sorted(ESSENTIAL),
        is_default=row is None, version=row.version if row else DEFAULT_VERSION,
        updated_at=row.updated_at if row else None)


async def preferences(session: AsyncSession, *, principal: Principal,
                      candidate_id: uuid.UUID) -> PreferencesOut:
    """The person's notice preferences (the defaults until they set theirs)."""
    person = await _person(session, principal, candidate_id)
    return _preferences_out(candidate_id, person,
                            await repository.preference(session, candidate_id))


async def set_preferences(session: AsyncSession, *, principal: Principal,
                          candidate_id: uuid.UUID, data: PreferencesIn,
                          expected_version: int | None) -> PreferencesOut:
    """Set the person's language, channel and stopped kinds; an essential kind cannot be
    stopped (422, nothing changed)."""
    person = await _person(session, principal, candidate_id)
    essential = sorted(set(data.stopped_kinds) & ESSENTIAL)
    if essential:
        raise EssentialNotice(_("These notices cannot be stopped: {kinds}.",
                                kinds=", ".join(essential)),
                              kinds=essential, essential_kinds=sorted(ESSENTIAL))
    current = await repository.preference(session, candidate_id, for_update=True)
    version = current.version if current else DEFAULT_VERSION
    concurrency.ensure_version(expected_version, version,
                               N_("The preferences changed since version {version}"
                                  "; read them again."))
    row = await repository.save_preference(
        session, candidate_id=candidate_id, language=data.language, channel=data.channel,
        stopped_kinds=sorted(set(data.stopped_kinds)))
    return _preferences_out(candidate_id, person, row)


async def notices(session: AsyncSession, *, principal: Principal, candidate_id: uuid.UUID,
                  limit: int) -> list[Notice]:
    """The person's notices, pending and past, latest due first."""
    await _person(session, principal, candidate_id)
    return await repository.of_person(session, candidate_id, limit=limit)

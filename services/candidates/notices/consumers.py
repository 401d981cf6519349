"""Notices planned and cancelled by other services' events (``POST /internal/events``).

Reintegration: ``followup.scheduled`` plans the reminder before the follow-up is due,
``followup.completed`` cancels it, ``followup.overdue`` cancels it and plans the overdue notice,
``case.closed`` cancels what was pending for the case. Placements: ``placement.confirmed`` plans
the reminder before the start (a later ``placement.visa_decided`` moves it to the start it
carries, or cancels it when the visa was refused) and ``placement.visa_decided`` tells the
decision; the placement starting or ending cancels the reminder. Each runs in the inbox's
transaction; a repeated event finds the notice it planned (one per kind and thing).

A payload this service cannot read is logged and acknowledged, as elsewhere: retrying would not
mend it, and it would hold back the events after it.
"""

import logging
import uuid
from datetime import date, datetime
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.notices import service
from shared.events.inbox import Handler, ReceivedEvent

log = logging.getLogger(__name__)
Payload = TypeVar("Payload", bound=BaseModel)


class FollowUp(BaseModel):
    """What notices read of ``followup.*`` events."""

    model_config = ConfigDict(extra="ignore")

    follow_up_id: uuid.UUID
    case_id: uuid.UUID
    programme_id: uuid.UUID
    candidate_id: uuid.UUID
    due_date: date
    window_closes_at: datetime | None = None


class CaseClosed(BaseModel):
    """What notices read of ``case.closed``."""

    model_config = ConfigDict(extra="ignore")

    case_id: uuid.UUID


class Placement(BaseModel):
    """What notices read of ``placement.*`` events."""

    model_config = ConfigDict(extra="ignore")

    placement_id: uuid.UUID
    candidate_id: uuid.UUID
    programme_id: uuid.UUID
    start_date: date
    visa_decision: str | None = None
    visa_decision_date: date | None = None


def _read(model: type[Payload], event: ReceivedEvent) -> Payload | None:
    try:
        return model.model_validate(event.data)
    except ValidationError:
        log.warning("event with an unreadable payload ignored",
                    extra={"event_id": str(event.id), "event_type": event.type})
        return None


async def followup_scheduled(session: AsyncSession, event: ReceivedEvent) -> None:
    """Plan the reminder before the follow-up is due (too late once its window closed)."""
    if (f := _read(FollowUp, event)) is None:
        return
    await service.remind_before(
        session, kind="followup.due_soon", candidate_id=f.candidate_id,
        programme_id=f.programme_id, source_id=f.follow_up_id, parent_id=f.case_id,
        day=f.due_date, not_after=f.window_closes_at,
        params={"due_date": f.due_date.isoformat()})


async def followup_completed(session: AsyncSession, event: ReceivedEvent) -> None:
    """The follow-up was answered: no reminder of it."""
    if (f := _read(FollowUp, event)) is None:
        return
    await service.cancel(session, kinds=("followup.due_soon",), reason="answered",
                         source_id=f.follow_up_id)


async def followup_overdue(session: AsyncSession, event: ReceivedEvent) -> None:
    """The follow-up's window closed unanswered: no reminder, the overdue notice instead."""
    if (f := _read(FollowUp, event)) is None:
        return
    await service.cancel(session, kinds=("followup.due_soon",), reason="too_late",
                         source_id=f.follow_up_id)
    await service.tell_after(
        session, kind="followup.overdue", candidate_id=f.candidate_id,
        programme_id=f.programme_id, source_id=f.follow_up_id, parent_id=f.case_id,
        at=event.occurred_at, params={"due_date": f.due_date.isoformat()})


async def case_closed(session: AsyncSession, event: ReceivedEvent) -> None:
    """The case was closed: nothing pending about its follow-ups is sent."""
    if (c := _read(CaseClosed, event)) is None:
        return
    await service.cancel(session, kinds=("followup.due_soon", "followup.overdue"),
                         reason="closed", parent_id=c.case_id)


async def _remind_start(session: AsyncSession, p: Placement) -> None:
    await service.remind_before(
        session, kind="placement.starting_soon", candidate_id=p.candidate_id,
        programme_id=p.programme_id, source_id=p.placement_id, day=p.start_date,
        params={"start_date": p.start_date.isoformat()})


async def placement_confirmed(session: AsyncSession, event: ReceivedEvent) -> None:
    """Plan the reminder before the placement's planned start."""
    if (p := _read(Placement, event)) is not None:
        await _remind_start(session, p)


async def visa_decided(session: AsyncSession, event: ReceivedEvent) -> None:
    """Tell the person the decision; a refusal cancels the start's reminder, a grant moves it
    to the start the event carries."""
    if (p := _read(Placement, event)) is None:
        return
    if p.visa_decision not in ("granted", "refused"):
        log.warning("visa decision not told: unknown decision",
                    extra={"event_id": str(event.id), "event_type": event.type})
        return
    decided_on = p.visa_decision_date or event.occurred_at.date()
    await service.tell_after(
        session, kind="placement.visa_decided", candidate_id=p.candidate_id,
        programme_id=p.programme_id, source_id=p.placement_id, at=event.occurred_at,
        params={"decision": p.visa_decision, "decision_date": decided_on.isoformat()})
    if p.visa_decision == "refused":
        await service.cancel(session, kinds=("placement.starting_soon",), reason="refused",
                             source_id=p.placement_id)
    else:
        await _remind_start(session, p)


def _ends_reminder(reason: str) -> Handler:
    async def handle(session: AsyncSession, event: ReceivedEvent) -> None:
        if (p := _read(Placement, event)) is not None:
            await service.cancel(session, kinds=("placement.starting_soon",), reason=reason,
                                 source_id=p.placement_id)

    return handle


HANDLERS: dict[str, Handler] = {
    "followup.scheduled": followup_scheduled,
    "followup.completed": followup_completed,
    "followup.overdue": followup_overdue,
    "case.closed": case_closed,
    "placement.confirmed": placement_confirmed,
    "placement.visa_decided": visa_decided,
    "placement.started": _ends_reminder("started"),
    "placement.completed": _ends_reminder("ended"),
    "placement.ended_early": _ends_reminder("ended"),
}

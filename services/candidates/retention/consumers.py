"""The return dates retention counts from, learnt from placements' events.

``placement.completed`` and ``placement.ended_early`` carry the day the stay actually ended
(``actual_end_date``, as the officer recorded it, possibly long after the fact). The candidates
service already applies them to applications; :func:`with_return_dates` adds, in the same inbox
transaction, remembering that day for the person and programme.
"""

import logging
import uuid
from collections.abc import Mapping
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.retention import service
from shared.events.inbox import Handler, ReceivedEvent, combined

log = logging.getLogger(__name__)

RETURN_EVENTS = ("placement.completed", "placement.ended_early")


def _returned_on(event: ReceivedEvent) -> date:
    """The day the stay ended: the actual end, else the planned one, else the event's day."""
    for name in ("actual_end_date", "end_date"):
        if value := event.data.get(name):
            return date.fromisoformat(str(value))
    return event.occurred_at.date()


async def record_return(session: AsyncSession, event: ReceivedEvent) -> None:
    """Remember the return the event reports (an event without ids is ignored)."""
    try:
        candidate_id = uuid.UUID(str(event.data["candidate_id"]))
        programme_id = uuid.UUID(str(event.data["programme_id"]))
        returned_on = _returned_on(event)
    except (KeyError, ValueError):
        log.warning("return without candidate, programme or date ignored",
                    extra={"event_id": str(event.id), "event_type": event.type})
        return
    await service.record_return(session, candidate_id=candidate_id, programme_id=programme_id,
                                returned_on=returned_on)


def with_return_dates(handlers: Mapping[str, Handler]) -> dict[str, Handler]:
    """``handlers`` where the events ending a stay also record the return's date."""
    return combined(handlers, dict.fromkeys(RETURN_EVENTS, record_return))

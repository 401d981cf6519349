"""What the reintegration service does with other services' events (``POST /internal/events``).

``placement.completed`` and ``placement.ended_early`` record the placement's stay in its
person's returnee case (opening it for their first stay in the programme), once: the inbox
drops a redelivered event, and the unique placement id of a stay drops a second event about the
same placement (another event id, or the other ending). ``candidate.erased`` blanks the free
text held about the candidate. Each runs in the inbox's transaction (shared.events.inbox).

A payload this service cannot read is logged and acknowledged: retrying would not mend it, and
it would hold back the events after it.
"""

import logging

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration.cases import service
from services.reintegration.events import CandidateErased, PlacementEnded
from shared.events.inbox import Handler, ReceivedEvent

log = logging.getLogger(__name__)


def _unreadable(event: ReceivedEvent) -> None:
    log.warning("event with an unreadable payload ignored",
                extra={"event_id": str(event.id), "event_type": event.type})


async def placement_ended(session: AsyncSession, event: ReceivedEvent) -> None:
    """Record the stay of the placement that ended in its person's case."""
    try:
        placement = PlacementEnded.model_validate(event.data)
    except ValidationError:
        return _unreadable(event)
    await service.open_from_placement(session, event_type=event.type, placement=placement)


async def candidate_erased(session: AsyncSession, event: ReceivedEvent) -> None:
    """Forget the free text held about the erased candidate."""
    try:
        erased = CandidateErased.model_validate(event.data)
    except ValidationError:
        return _unreadable(event)
    await service.erase_candidate(session, candidate_id=erased.candidate_id)


HANDLERS: dict[str, Handler] = {"placement.completed": placement_ended,
                                "placement.ended_early": placement_ended,
                                "candidate.erased": candidate_erased}

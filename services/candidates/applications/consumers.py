"""What the candidates service does with other services' events (``POST /internal/events``).

Placements reports the stay: ``placement.started`` moves the application to ``placed``,
``placement.completed`` and ``placement.ended_early`` to ``returned``. Each is applied once, in
the inbox's transaction (shared.events.inbox).
"""

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.applications import service
from shared.events.inbox import Handler, ReceivedEvent

log = logging.getLogger(__name__)

# Event type -> the application action it stands for.
PLACEMENT_ACTIONS = {"placement.started": "place", "placement.completed": "return",
                     "placement.ended_early": "return"}


def _follow(action: str) -> Handler:
    async def handle(session: AsyncSession, event: ReceivedEvent) -> None:
        try:
            candidate_id = uuid.UUID(str(event.data["candidate_id"]))
            programme_id = uuid.UUID(str(event.data["programme_id"]))
        except (KeyError, ValueError):
            log.warning("event without candidate or programme ignored",
                        extra={"event_id": str(event.id), "event_type": event.type})
            return
        moved = await service.follow_placement(
            session, candidate_id=candidate_id, programme_id=programme_id, action=action,
            reason=f"{event.type} ({event.subject_id})")
        if not moved:
            log.info("event left the application as it was",
                     extra={"event_id": str(event.id), "event_type": event.type})

    return handle


HANDLERS: dict[str, Handler] = {kind: _follow(action)
                                for kind, action in PLACEMENT_ACTIONS.items()}

"""Receiving ``candidate.erased``: every service that holds something of a person forgets it."""

import logging
import uuid

from shared.events.inbox import ReceivedEvent

log = logging.getLogger("pathways.events.erasure")


def erased_candidate(event: ReceivedEvent) -> uuid.UUID | None:
    """The candidate a ``candidate.erased`` event names; None (logged by event id) when it names
    none, which the handler then ignores rather than failing the whole batch forever."""
    try:
        return uuid.UUID(str(event.data["candidate_id"]))
    except (KeyError, ValueError):
        log.warning("candidate.erased without a candidate id ignored",
                    extra={"event_id": str(event.id)})
        return None

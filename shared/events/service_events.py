"""Which service the shared events routes serve: its event tables, its name as an event source
and the event types its partners may subscribe to.

``shared.app.create_service_app(events=...)`` keeps it on the app; the routes of
:mod:`admin`, :mod:`subscriptions` and :mod:`inbox` read it through :data:`ServiceEventsDep`,
so the same routes serve every service.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from shared.events.tables import EventTables


@dataclass(frozen=True, slots=True)
class ServiceEvents:
    """A service's events: ``tables``, ``source`` (the service's name), and ``event_types``, each
    type a partner may subscribe to with its description; ``outbox`` is false for a service that
    only receives events (its outbox tables are not migrated)."""

    tables: EventTables
    source: str
    event_types: Mapping[str, str] = field(default_factory=dict)
    outbox: bool = True

    @property
    def subscriptions_path(self) -> str:
        """Where partners manage their webhooks: the gateway routes it to this service."""
        return f"/v1/webhooks/{self.source}/subscriptions"


async def service_events(request: Request) -> ServiceEvents:
    """The events of the service serving the request."""
    events: ServiceEvents | None = getattr(request.app.state, "events", None)
    if events is None:
        raise RuntimeError("The events routes need create_service_app(events=ServiceEvents(…)).")
    return events


ServiceEventsDep = Annotated[ServiceEvents, Depends(service_events)]

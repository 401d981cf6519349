"""Notices are the candidates service's partner deliveries carrying personal data: declared here.

Each ``notice.*`` event carries the channel's ``address`` (a phone number or e-mail) and the
``text`` to send. The relay delivers them only while the notice's person may still be reached by
it (:func:`services.candidates.notices.service.reachable`: not erased since, the same channel,
the kind not stopped since); otherwise the partner gets the event without them, with nothing to
send. The hook is asked about notices (``notice_id``), not people: whether one person may be
reached depends on the notice's kind and channel.
"""

from collections.abc import Collection
from typing import Any

from services.candidates.notices import service
from services.candidates.notices.kinds import KINDS, event_type
from shared.events.personal import PersonalEvents

FIELDS = frozenset({"address", "text"})


class Reachable:
    """The consent hook, bound to the app's database at start-up."""

    def __init__(self) -> None:
        self.sessionmaker: Any = None

    async def bind(self, app: Any) -> None:
        """Use ``app``'s database (an ``on_startup`` hook, before the relay starts)."""
        self.sessionmaker = app.state.database.sessionmaker

    async def __call__(self, notice_ids: Collection[str]) -> set[str]:
        """Those of these notices whose person may still be reached by them."""
        if self.sessionmaker is None:
            raise RuntimeError("the notices hook is not bound to a database")
        async with self.sessionmaker() as session:
            return await service.reachable(session, notice_ids)


def personal_events(hook: Reachable) -> PersonalEvents:
    """The declaration the candidates service's relay applies."""
    return PersonalEvents(fields={event_type(kind): FIELDS for kind in KINDS},
                          consenting=hook, purpose="notices", person_field="notice_id")

"""The planned session's lifecycle as data (``shared.lifecycle``)::

    planned --reschedule--> planned
    planned --cancel-->     cancelled
"""

from typing import Final

from services.candidates.planned_sessions.models import SESSION_STATUSES
from shared.lifecycle import Lifecycle

PLANNED_SESSION: Final = Lifecycle(SESSION_STATUSES, {
    "reschedule": {"planned": frozenset({"planned"})},
    "cancel": {"planned": frozenset({"cancelled"})},
})

"""The support measure lifecycle as data: ``(action, from) -> to``.

::

    planned --start--> in_progress --complete--> completed
    planned --complete--> completed            (a one-off: a referral, a grant paid at once)
    planned | in_progress --cancel--> cancelled
"""

from collections.abc import Mapping
from typing import Final

from services.reintegration import transitions

TRANSITIONS: Final[Mapping[str, Mapping[str, str]]] = {
    "start": {"planned": "in_progress"},
    "complete": {"planned": "completed", "in_progress": "completed"},
    "cancel": {"planned": "cancelled", "in_progress": "cancelled"},
}
ACTIONS: Final = tuple(TRANSITIONS)


def target(action: str, current: str) -> str:
    """The state ``action`` leads a support measure to from ``current``; 409 when it may not."""
    return transitions.target(TRANSITIONS, action, current)

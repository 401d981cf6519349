"""The support measure lifecycle as data: ``(action, from) -> allowed targets``.

::

    planned --start--> in_progress --complete--> completed
    planned --complete--> completed            (a one-off: a referral, a grant paid at once)
    planned | in_progress --cancel--> cancelled
"""

from collections.abc import Mapping
from typing import Final

from services.reintegration.support.models import MEASURE_STATUSES
from shared.lifecycle import Lifecycle

TRANSITIONS: Final[Mapping[str, Mapping[str, frozenset[str]]]] = {
    "start": {"planned": frozenset({"in_progress"})},
    "complete": {"planned": frozenset({"completed"}), "in_progress": frozenset({"completed"})},
    "cancel": {"planned": frozenset({"cancelled"}), "in_progress": frozenset({"cancelled"})},
}
ACTIONS: Final = tuple(TRANSITIONS)

LIFECYCLE: Final = Lifecycle(MEASURE_STATUSES, TRANSITIONS)
# The state an action leads a measure to from the current one; 409 when it may not.
target = LIFECYCLE.target

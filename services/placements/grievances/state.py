"""The grievance's status machine, its levels and their deadlines, as data.

::

    open --respond--> in_progress --respond--> in_progress
    open | in_progress --resolve--> resolved (with an outcome)
    open | in_progress --escalate--> open (one level up: the new owner has not answered yet)
    open | in_progress --assign--> (unchanged: an officer takes it on)
    resolved --satisfaction--> resolved (the worker's rating, once)

Levels: ``employer`` (only when the worker chose it first) -> ``programme`` -> ``ministry``.
At each level the grievance must be resolved within :data:`DEADLINE_DAYS` of its severity,
counted from when it reached that level; past it, the escalation job
(:mod:`.escalation`) moves it up. At ``ministry`` nothing is above: it stays there, counted in
the ministry's statistics as escalated and unresolved (and overdue once past its deadline),
and officers still resolve it.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Final

from services.placements.grievances.models import STATUSES
from shared.lifecycle import Lifecycle

UNRESOLVED: Final = ("open", "in_progress")

TRANSITIONS: Final[Mapping[str, Mapping[str, frozenset[str]]]] = {
    "respond": {state: frozenset({"in_progress"}) for state in UNRESOLVED},
    "assign": {state: frozenset({state}) for state in UNRESOLVED},
    "resolve": {state: frozenset({"resolved"}) for state in UNRESOLVED},
    "escalate": {state: frozenset({"open"}) for state in UNRESOLVED},
    "satisfaction": {"resolved": frozenset({"resolved"})},
}
LIFECYCLE: Final = Lifecycle(STATUSES, TRANSITIONS)
check = LIFECYCLE.check
target = LIFECYCLE.target

# Days to resolve a grievance at each level, by severity.
DEADLINE_DAYS: Final[Mapping[str, int]] = {"critical": 2, "high": 5, "medium": 10, "low": 20}
# Where a grievance goes when its deadline passes unresolved.
NEXT_LEVEL: Final[Mapping[str, str]] = {"employer": "programme", "programme": "ministry"}
LAST_LEVEL: Final = "ministry"


def deadline(severity: str, since: datetime) -> datetime:
    """When a grievance of ``severity`` that reached its level at ``since`` must be resolved."""
    return since + timedelta(days=DEADLINE_DAYS[severity])

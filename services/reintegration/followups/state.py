"""The follow-up lifecycle as data, and its window in time.

::

    scheduled --answer--> completed        (from the due date until the window closes)
    scheduled --mark-overdue--> overdue    (the periodic job, once the window closed)
    scheduled --cancel--> cancelled        (its case was closed)

``completed``, ``overdue`` and ``cancelled`` are final: an answer after the window would not
count, so it is refused rather than recorded late.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Final

from services.reintegration.followups.exceptions import FollowUpNotOpen, FollowUpWindowClosed
from services.reintegration.followups.models import FOLLOW_UP_STATUSES, FollowUp
from services.reintegration.schedules.service import opens_at
from shared.lifecycle import Lifecycle

TRANSITIONS: Final[Mapping[str, Mapping[str, frozenset[str]]]] = {
    "answer": {"scheduled": frozenset({"completed"})},
    "mark-overdue": {"scheduled": frozenset({"overdue"})},
    "cancel": {"scheduled": frozenset({"cancelled"})},
}

LIFECYCLE: Final = Lifecycle(FOLLOW_UP_STATUSES, TRANSITIONS)
# The state an action leads a follow-up to from the current one; 409 when it may not.
target = LIFECYCLE.target


def ensure_answerable(follow_up: FollowUp, now: datetime) -> None:
    """409 unless ``now`` is inside the follow-up's window and it still waits for an answer."""
    LIFECYCLE.check("answer", follow_up.status)
    opening = opens_at(follow_up.due_date)
    if now < opening:
        raise FollowUpNotOpen(f"This follow-up opens on {follow_up.due_date} (UTC).",
                              opens_at=opening.isoformat())
    if now >= follow_up.window_closes_at:
        raise FollowUpWindowClosed(
            "This follow-up's window closed: an answer would no longer count.",
            window_closed_at=follow_up.window_closes_at.isoformat())

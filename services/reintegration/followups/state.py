"""The follow-up lifecycle as data, and its window in time.

::

    scheduled --answer--> completed             (from the due date until the window closes)
    scheduled | overdue --record--> completed   (staff: an answer given on a past day that
                                                 was inside the window, recorded afterwards)
    scheduled --mark-overdue--> overdue         (the periodic job, once the window closed)
    scheduled --cancel--> cancelled             (its case was closed)

``completed`` and ``cancelled`` are final. An answer given after the window would not count,
so it is refused rather than recorded late; an answer given in time may be recorded later
(``answered_on``), even once the job marked the follow-up overdue.
"""

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Final

from services.reintegration.followups.exceptions import (
    FollowUpNotOpen,
    FollowUpWindowClosed,
    InvalidDates,
)
from services.reintegration.followups.models import FOLLOW_UP_STATUSES, FollowUp
from services.reintegration.schedules.service import opens_at
from shared.i18n import _
from shared.lifecycle import Lifecycle

TRANSITIONS: Final[Mapping[str, Mapping[str, frozenset[str]]]] = {
    "answer": {"scheduled": frozenset({"completed"})},
    "record": {"scheduled": frozenset({"completed"}), "overdue": frozenset({"completed"})},
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
        raise FollowUpNotOpen(_("This follow-up opens on {due_date} (UTC).",
                                due_date=follow_up.due_date),
                              opens_at=opening.isoformat())
    if now >= follow_up.window_closes_at:
        raise FollowUpWindowClosed(
            _("This follow-up's window closed: an answer would no longer count."),
            window_closed_at=follow_up.window_closes_at.isoformat())


def ensure_answered_in_window(follow_up: FollowUp, *, answered_on: date, returned_on: date,
                              today: date) -> None:
    """422 naming ``answered_on`` unless it is a past day (today included), not before the
    return, inside the follow-up's window; then 409 unless it still waits for an answer."""
    last_day = follow_up.window_closes_at.astimezone(UTC).date() - timedelta(days=1)
    problem = None
    if answered_on > today:
        problem = _("must not be in the future")
    elif answered_on < returned_on:
        problem = _("must not be before the return ({returned_on})", returned_on=returned_on)
    elif answered_on < follow_up.due_date:
        problem = _("the follow-up opened on {due_date}", due_date=follow_up.due_date)
    elif answered_on > last_day:
        problem = _("the follow-up's window closed after {last_day}", last_day=last_day)
    if problem is not None:
        raise InvalidDates(_("{field} {value}: {problem}.", field="answered_on",
                             value=answered_on, problem=problem), errors=[
            {"loc": ["body", "answered_on"], "msg": problem, "type": "date_out_of_range"}])
    LIFECYCLE.check("record", follow_up.status)

"""Errors of follow-ups (illegal transitions use ``shared.errors``)."""

from shared.auth import Forbidden
from shared.errors import Conflict, NotFound, UnprocessableEntity


class FollowUpNotFound(NotFound):
    slug, title = "follow-up-not-found", "Follow-up not found"


class FollowUpNotOpen(Conflict):
    """Answered before its due date; names when it opens."""

    slug, title = "follow-up-not-open", "Follow-up not open yet"


class FollowUpWindowClosed(Conflict):
    """Answered after its window closed: the answer would no longer count; names when."""

    slug, title = "follow-up-window-closed", "Follow-up window closed"


class InvalidAnswer(UnprocessableEntity):
    """Fields that contradict the employment status (or the role answering); names them in
    ``errors`` like a validation problem."""

    slug, title = "invalid-answer", "Invalid follow-up answer"


class InvalidDates(UnprocessableEntity):
    """A date of something that happened that cannot be: in the future, before the return it
    follows, outside the follow-up's window; names the field in ``errors``."""

    slug, title = "invalid-dates", "Invalid dates"


class HistoricalEntryForbidden(Forbidden):
    """A date in the past given by a role that records only what happens now (a returnee
    answers today, from the app)."""

    slug, title = "historical-entry-forbidden", "Historical entry forbidden"

"""Errors of planned training sessions."""

from shared.errors import Conflict, NotFound


class PlannedSessionNotFound(NotFound):
    slug, title = "planned-session-not-found", "Planned session not found"


class SessionAlreadyPlanned(Conflict):
    """The module already has a session planned that day (one a day, as one register)."""

    slug, title = "session-already-planned", "A session of this module is already planned that day"

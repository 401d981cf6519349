"""Errors of the grievances domain (illegal status changes use ``shared.errors``)."""

from shared.auth import Forbidden
from shared.errors import Conflict, NotFound


class GrievanceNotFound(NotFound):
    slug, title = "grievance-not-found", "Grievance not found"


class GrievanceLevelConflict(Conflict):
    """The grievance is handled at another level than the caller's: an employer acts on it only
    while it is at the employer's level; names the current level."""

    slug, title = "grievance-level", "Not for you at the grievance's current level"


class SatisfactionGiven(Conflict):
    """The worker already said how satisfied they are with the resolution: once."""

    slug, title = "satisfaction-given", "Satisfaction already given"


class HistoricalEntryForbidden(Forbidden):
    """A ``received_at`` in the past given by a role that files only what happens now (a
    worker files from the app, when they file)."""

    slug, title = "historical-entry-forbidden", "Historical entry forbidden"

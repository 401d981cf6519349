"""Errors of the grievances domain (illegal status changes use ``shared.errors``)."""

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

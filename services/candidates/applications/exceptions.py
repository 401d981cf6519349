"""Errors of the applications domain (illegal transitions use ``shared.errors``)."""

from services.candidates.candidates.exceptions import (
    CandidateNotFound as CandidateNotFound,  # one 404 for a missing candidate, service-wide
)
from services.candidates.programmes.exceptions import (
    InvalidDates as InvalidDates,  # one 422 for a date that cannot be, service-wide
)
from shared.errors import Conflict, NotFound, ProblemError, UnprocessableEntity


class ApplicationNotFound(NotFound):
    slug, title = "application-not-found", "Application not found"



class ApplicationExists(Conflict):
    """The candidate already applied to this programme (one application per pair)."""

    slug, title = "application-exists", "Application already exists"


class IntakeClosed(UnprocessableEntity):
    """Submitting outside the programme's intake window (at ``submitted_at`` when staff record
    a past submission), or a candidate starting a draft once it has closed."""

    slug, title = "intake-closed", "Intake closed"


class ConsentRequired(UnprocessableEntity):
    """Submitting without a consent the programme requires; names the missing purposes."""

    slug, title = "consent-required", "Consent required"


class OriginSuspended(UnprocessableEntity):
    """Applying or submitting from an origin country the programme has suspended."""

    slug, title = "origin-suspended", "Origin suspended"


class HistoricalEntryForbidden(ProblemError):
    """A candidate or institution dating their own action in the past: only staff record
    history."""

    status, slug, title = 403, "historical-entry-forbidden", "Historical entry forbidden"

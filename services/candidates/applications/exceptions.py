"""Errors of the applications domain (illegal transitions use ``shared.errors``)."""

from services.candidates.candidates.exceptions import (
    CandidateNotFound as CandidateNotFound,  # one 404 for a missing candidate, service-wide
)
from shared.errors import Conflict, NotFound, UnprocessableEntity


class ApplicationNotFound(NotFound):
    slug, title = "application-not-found", "Application not found"



class ApplicationExists(Conflict):
    """The candidate already applied to this programme (one application per pair)."""

    slug, title = "application-exists", "Application already exists"


class IntakeClosed(UnprocessableEntity):
    """Submitting outside the programme's intake window."""

    slug, title = "intake-closed", "Intake closed"


class ConsentRequired(UnprocessableEntity):
    """Submitting without a consent the programme requires; names the missing purposes."""

    slug, title = "consent-required", "Consent required"

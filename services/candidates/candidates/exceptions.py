"""Errors of the candidates domain."""

from shared.auth import Forbidden
from shared.errors import Conflict, NotFound, UnprocessableEntity


class CandidateNotFound(NotFound):
    slug, title = "candidate-not-found", "Candidate not found"


class CandidateMerged(NotFound):
    """An officer merged this record into another record of the same person
    (``merged_into``): read that one."""

    slug, title = "candidate-merged", "Candidate merged into another record"


class EmailTaken(Conflict):
    slug, title = "candidate-email-taken", "Email already used"


class EmailChangeNotAllowed(Forbidden):
    """A candidate does not change their own profile's e-mail: whatever the new address, the
    answer is this one, so that it never tells whether someone else has it."""

    slug, title = "email-change-not-allowed", "E-mail change not allowed"


class InvalidAvailability(UnprocessableEntity):
    slug, title = "invalid-availability", "Invalid availability dates"


class ProfileExists(Conflict):
    """The candidate account already created (or is linked to) its profile."""

    slug, title = "profile-exists", "Profile already exists"


class ConsentRequired(Conflict):
    """The candidate has not consented (or withdrew consent) to what was asked for."""

    slug, title = "consent-required", "Consent required"


class ProgrammeRequired(UnprocessableEntity):
    """An officer registers people for one of their programmes, and must say which."""

    slug, title = "programme-required", "Programme required"


class InvalidConsent(UnprocessableEntity):
    """A consent record that cannot be: an expiry already past when the person records it, a
    collection method the caller does not use."""

    slug, title = "invalid-consent", "Invalid consent record"

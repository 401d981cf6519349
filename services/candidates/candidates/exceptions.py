"""Errors of the candidates domain."""

from shared.errors import Conflict, NotFound, UnprocessableEntity


class CandidateNotFound(NotFound):
    slug, title = "candidate-not-found", "Candidate not found"


class EmailTaken(Conflict):
    slug, title = "candidate-email-taken", "Email already used"


class InvalidAvailability(UnprocessableEntity):
    slug, title = "invalid-availability", "Invalid availability dates"

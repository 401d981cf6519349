"""Errors of the institutions domain."""

from services.candidates.candidates.exceptions import (
    CandidateNotFound as CandidateNotFound,  # one 404 for a missing candidate, service-wide
)
from shared.errors import Conflict, NotFound


class InstitutionNotFound(NotFound):
    slug, title = "institution-not-found", "Institution not found"



class AlreadyNominated(Conflict):
    slug, title = "already-nominated", "Candidate already nominated"


class NominationConflict(Conflict):
    """A nomination lost a race with a concurrent change (say, the candidate was erased)."""

    slug, title = "nomination-conflict", "Nomination conflicts with a concurrent change"

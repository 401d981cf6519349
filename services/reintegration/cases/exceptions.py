"""Errors of returnee cases (illegal transitions use ``shared.errors``)."""

from shared.errors import Conflict, NotFound


class CaseNotFound(NotFound):
    slug, title = "returnee-case-not-found", "Returnee case not found"


class CandidateErased(Conflict):
    """Free text about a candidate whose personal data was erased: it is not kept."""

    slug, title = "candidate-erased", "Candidate erased"

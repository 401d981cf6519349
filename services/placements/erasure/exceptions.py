"""Errors of erasure in placements."""

from shared.errors import Conflict


class CandidateErased(Conflict):
    """Free text about a candidate whose personal data was erased: it is not kept."""

    slug, title = "candidate-erased", "Candidate erased"

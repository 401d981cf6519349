"""Errors of erasure."""

from shared.errors import Conflict, NotFound


class AlreadyErased(Conflict):
    slug, title = "candidate-already-erased", "Candidate already erased"


class ErasureNotFound(NotFound):
    """No erasure of that candidate the caller may follow (never erased, or another's receipt)."""

    slug, title = "erasure-not-found", "Erasure not found"


class FreeTextAboutErased(Conflict):
    """Free text about a candidate whose personal data was erased: it is not kept."""

    slug, title = "candidate-erased", "Candidate erased"

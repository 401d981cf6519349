"""Errors of erasure."""

from shared.errors import Conflict


class AlreadyErased(Conflict):
    slug, title = "candidate-already-erased", "Candidate already erased"

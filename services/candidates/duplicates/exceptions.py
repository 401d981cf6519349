"""Errors of the duplicates domain."""

from shared.errors import Conflict, NotFound, UnprocessableEntity


class DuplicateFlagNotFound(NotFound):
    slug, title = "duplicate-flag-not-found", "Duplicate flag not found"


class KeepNotInPair(UnprocessableEntity):
    """The record to keep must be one of the flag's two records."""

    slug, title = "keep-not-in-pair", "Record to keep not in the pair"


class MergeConflict(Conflict):
    """One of the two records was merged into a third meanwhile, or a record is already
    merged into the one to merge: unmerge that first, so that every merge stays undoable."""

    slug, title = "merge-conflict", "Records cannot be merged as they are"

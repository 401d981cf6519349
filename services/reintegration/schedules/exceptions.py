"""Errors of follow-up schedules."""

from shared.errors import NotFound


class ProgrammeNotFound(NotFound):
    """A programme the caller does not manage (officers, ministries): as if it did not exist."""

    slug, title = "programme-not-found", "Programme not found"

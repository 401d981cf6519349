"""Errors of the programmes domain."""

from shared.errors import Conflict, NotFound, UnprocessableEntity


class ProgrammeNotFound(NotFound):
    slug, title = "programme-not-found", "Programme not found"


class ProgrammeCodeTaken(Conflict):
    slug, title = "programme-code-taken", "Programme code already used"


class InvalidIntakeWindow(UnprocessableEntity):
    slug, title = "invalid-intake-window", "Invalid intake window"


class InvalidGenderTargets(UnprocessableEntity):
    slug, title = "invalid-gender-targets", "Invalid gender targets"

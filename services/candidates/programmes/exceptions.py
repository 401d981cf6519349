"""Errors of the programmes domain."""

from shared.errors import Conflict, NotFound, UnprocessableEntity
from shared.i18n import _


class ProgrammeNotFound(NotFound):
    slug, title = "programme-not-found", "Programme not found"


class ProgrammeCodeTaken(Conflict):
    slug, title = "programme-code-taken", "Programme code already used"


class InvalidIntakeWindow(UnprocessableEntity):
    slug, title = "invalid-intake-window", "Invalid intake window"


class InvalidGenderTargets(UnprocessableEntity):
    slug, title = "invalid-gender-targets", "Invalid gender targets"


class InvalidProgrammeShape(UnprocessableEntity):
    """Shape fields that do not fit together (a region outside the destination countries,
    seasons in a programme without seasonal stays); names the fields in ``errors``."""

    slug, title = "invalid-programme-shape", "Invalid programme shape"


class NotAnOrigin(UnprocessableEntity):
    """Suspending a country that is not one of the programme's origin countries."""

    slug, title = "not-an-origin-country", "Not an origin country of the programme"


class AlreadySuspended(Conflict):
    """The origin is suspended already; lift the suspension first to change it."""

    slug, title = "already-suspended", "Origin already suspended"


class OriginNotSuspended(NotFound):
    slug, title = "origin-not-suspended", "Origin not suspended"


class InvalidDates(UnprocessableEntity):
    """The date something happened is in the future, or before what it follows; names the
    field in ``errors``. One problem for every such date of the service."""

    slug, title = "invalid-dates", "Invalid dates"

    @classmethod
    def of(cls, field: str, message: str) -> "InvalidDates":
        """The problem of one field: ``message`` says what is wrong with it."""
        return cls(_("{field} {message}.", field=field, message=message), errors=[
            {"loc": ["body", field], "msg": message, "type": "invalid_date"}])

"""Errors of the vacancies domain (illegal open/close actions use ``shared.errors``)."""

from shared.errors import Conflict, NotFound, UnprocessableEntity


class VacancyNotFound(NotFound):
    slug, title = "vacancy-not-found", "Vacancy not found"


class NoAgreement(UnprocessableEntity):
    """A vacancy in a programme the employer has no agreement with."""

    slug, title = "no-agreement", "Employer has no agreement with the programme"


class SeatsTaken(Conflict):
    """Fewer seats than the vacancy's placements already hold."""

    slug, title = "seats-taken", "Seats already taken"


class VacancyInUse(Conflict):
    """Deleting a vacancy that placements refer to (close it instead)."""

    slug, title = "vacancy-in-use", "Vacancy has placements"


class VacancyUnavailable(Conflict):
    """Placing a candidate on a vacancy that is closed, full or of another programme."""

    slug, title = "vacancy-unavailable", "Vacancy unavailable"


class OccupationCodeMismatch(UnprocessableEntity):
    """An ISCO-08 code other than that of the vacancy's ESCO occupation; names it."""

    slug, title = "occupation-code-mismatch", "ISCO-08 code is not the occupation's"


class StayFieldsInvalid(UnprocessableEntity):
    """Fields that do not fit the vacancy's stay type: one its type requires is missing, one of
    another type is given, or the region is not in the vacancy's country; names each."""

    slug, title = "stay-fields-invalid", "Fields do not fit the stay type"


class HostNotStudyProvider(UnprocessableEntity):
    """A study vacancy at a host that is not a study provider."""

    slug, title = "host-not-study-provider", "Host is not a study provider"


class HostIsStudyProvider(UnprocessableEntity):
    """A work, traineeship or seasonal vacancy at a study provider (it hosts studies only)."""

    slug, title = "host-is-study-provider", "Host is a study provider"

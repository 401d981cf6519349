"""Errors of the employers domain."""

from shared.errors import Conflict, NotFound, UnprocessableEntity


class EmployerNotFound(NotFound):
    slug, title = "employer-not-found", "Employer not found"


class EmployerInUse(Conflict):
    """Deleting an employer that still has vacancies (close or delete them first) or a history
    of suspensions (kept: it is the evidence of its standing)."""

    slug, title = "employer-in-use", "Employer still has vacancies"


class AgreementRequired(UnprocessableEntity):
    """An officer registers employers only under an agreement with one of their programmes."""

    slug, title = "agreement-required", "Agreement with a programme required"


class ProgrammeNotFound(NotFound):
    """A programme the caller does not manage, named in a write (an agreement, a vacancy, a
    matching run): as if it did not exist. Programmes come to placements with the employers'
    agreements, hence here."""

    slug, title = "programme-not-found", "Programme not found"


class EmployerSuspended(Conflict):
    """Publishing or reopening a vacancy, or making a placement (directly or by confirming a
    matching run), with an employer suspended in that programme: reinstate it first."""

    slug, title = "employer-suspended", "Employer suspended in the programme"

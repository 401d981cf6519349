"""Errors of support measures (illegal transitions use ``shared.errors``)."""

from shared.errors import NotFound, ProblemError, UnprocessableEntity


class MeasureNotFound(NotFound):
    slug, title = "support-measure-not-found", "Support measure not found"


class InvalidMeasure(UnprocessableEntity):
    """Money on a measure that is not a grant or loan, an amount without its currency, dates
    out of order or in the future; names the fields in ``errors``."""

    slug, title = "invalid-support-measure", "Invalid support measure"


class CandidateNotFound(NotFound):
    """A ``candidate_id`` the caller may not support in the programme: unknown to the
    candidates service, without a selected (or placed, or returned) application there, or not
    the caller's to read."""

    slug, title = "candidate-not-found", "Candidate not found"


class CandidatesUnavailable(ProblemError):
    """The candidates service, which authorises a person without a case, did not answer: try
    again."""

    status, slug, title = 503, "candidates-unavailable", "Candidates service unavailable"

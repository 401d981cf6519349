"""Errors of support measures (illegal transitions use ``shared.errors``)."""

from shared.errors import NotFound, UnprocessableEntity


class MeasureNotFound(NotFound):
    slug, title = "support-measure-not-found", "Support measure not found"


class InvalidMeasure(UnprocessableEntity):
    """Money on a measure that is not a grant or loan, an amount without its currency, dates
    out of order or in the future; names the fields in ``errors``."""

    slug, title = "invalid-support-measure", "Invalid support measure"

"""Errors of the placements domain (illegal transitions use ``shared.errors``)."""

from shared.errors import Conflict, NotFound, ProblemError, UnprocessableEntity
from shared.i18n import _


class PlacementNotFound(NotFound):
    slug, title = "placement-not-found", "Placement not found"


class CandidateAlreadyPlaced(Conflict):
    """The candidate already has an open placement in the programme; names it."""

    slug, title = "candidate-already-placed", "Candidate already placed"


class ProposalConflict(Conflict):
    """A proposal already made a placement of another candidate or vacancy."""

    slug, title = "proposal-conflict", "Proposal already used for another placement"


class InvalidDates(UnprocessableEntity):
    """Dates that contradict the placement's: an end before its start, a future arrival, an
    extension that does not go past the current end."""

    slug, title = "invalid-dates", "Invalid dates"

    @classmethod
    def of(cls, field: str, message: str, value: object, **extra: str) -> "InvalidDates":
        """The problem of one field given ``value``: ``message`` says what is wrong with it,
        named in ``errors`` as a validation problem does."""
        return cls(_("{field} {value} {message}.", field=field, value=value, message=message),
                   errors=[
            {"loc": ["body", field], "msg": message, "type": "invalid_date"}], **extra)


class CandidateNotFound(NotFound):
    """A ``candidate_id`` the caller may not place: unknown to the candidates service, not
    selected in the vacancy's programme, or not theirs to read (all answered alike)."""

    slug, title = "candidate-not-found", "Candidate not found"


class CandidatesUnavailable(ProblemError):
    """The candidates service, which authorises a named candidate, did not answer: try again."""

    status, slug, title = 503, "candidates-unavailable", "Candidates service unavailable"

"""Errors of the monitoring domain: mentors, check-ins and their wage checks, alerts and
evaluations."""

from shared.errors import Conflict, NotFound, UnprocessableEntity


class MentorNotFound(NotFound):
    slug, title = "mentor-not-found", "Mentor not found"


class AlertNotFound(NotFound):
    slug, title = "alert-not-found", "Alert not found"


class EvaluationNotFound(NotFound):
    slug, title = "evaluation-not-found", "Evaluation not found"


class PlacementStateConflict(Conflict):
    """What was asked needs the placement in another state; names the current one."""

    slug, title = "placement-state", "Not possible in the placement's current state"


class EvaluationExists(Conflict):
    """The employer already evaluated this placement: an evaluation is given once."""

    slug, title = "evaluation-exists", "Evaluation already given"


class AlertAcknowledged(Conflict):
    slug, title = "alert-acknowledged", "Alert already acknowledged"


class InvalidCheck(UnprocessableEntity):
    """A wage check that cannot be compared with what was agreed: no agreed amount given and
    no stipend on the vacancy (or one of 0), or a currency other than the stipend's it is
    compared with; ``errors`` names the field."""

    slug, title = "invalid-check", "Invalid wage check"

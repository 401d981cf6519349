"""Errors of the monitoring domain: mentors, check-ins, alerts and evaluations."""

from shared.errors import Conflict, NotFound


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

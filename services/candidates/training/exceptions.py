"""Errors of the training domain."""

from services.candidates.candidates.exceptions import (
    CandidateNotFound as CandidateNotFound,  # one 404 for a missing candidate, service-wide
)
from services.candidates.programmes.exceptions import (
    InvalidDates as InvalidDates,  # one 422 for a date that cannot be, service-wide
)
from shared.errors import Conflict, IllegalTransition, NotFound, UnprocessableEntity


class TrainingModuleNotFound(NotFound):
    slug, title = "training-module-not-found", "Training module not found"


class EnrolmentNotFound(NotFound):
    slug, title = "enrolment-not-found", "Enrolment not found"


class ModuleCodeTaken(Conflict):
    slug, title = "training-module-code-taken", "Module code already used in this programme"


class AlreadyEnrolled(Conflict):
    slug, title = "already-enrolled", "Candidate already enrolled in this module"


class AttendanceAlreadyRecorded(Conflict):
    slug, title = "attendance-already-recorded", "Attendance already recorded for this session"


class TrainingConflict(Conflict):
    """A write lost a race with a concurrent change (say, the candidate was erased)."""

    slug, title = "training-conflict", "Conflicts with a concurrent change"


class AttendanceInsufficient(UnprocessableEntity):
    """Completing a module the candidate did not attend enough; names the hours attended and
    required."""

    slug, title = "attendance-insufficient", "Attendance insufficient"


class EnrolmentsDropped(IllegalTransition):
    """A session register naming enrolments that were dropped (no attendance once dropped):
    the illegal transition of the one-by-one record, naming them in ``enrolment_ids``."""

    def __init__(self, enrolment_ids: list[str], *, allowed_from: list[str]) -> None:
        super().__init__(action="record attendance", current_state="dropped",
                         allowed_from=allowed_from)
        self.detail = f"{self.detail} Dropped: {', '.join(enrolment_ids)}."
        self.extra["enrolment_ids"] = enrolment_ids

"""The enrolment lifecycle as data (``shared.lifecycle``): ``(action, from) -> targets``.

::

    enrolled --complete--> completed
    enrolled --drop-->     dropped
"""

from typing import Final

from services.candidates.training.models import ENROLMENT_STATUSES
from shared.lifecycle import Lifecycle

ENROLMENT: Final = Lifecycle(ENROLMENT_STATUSES, {
    "complete": {"enrolled": frozenset({"completed"})},
    "drop": {"enrolled": frozenset({"dropped"})},
})
# Attendance may still be recorded after completion (sessions are often entered late), but a
# dropped enrolment is closed. Not a transition: the enrolment stays where it is.
ATTENDANCE_ALLOWED_FROM: Final = ("enrolled", "completed")

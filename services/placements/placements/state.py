"""The placement state machine as one table of data: ``(action, from) -> allowed targets``.

::

    proposed --accept-employer--> accepted_by_employer --accept-candidate-->
        accepted_by_candidate --request-visa--> visa_pending
    visa_pending --visa-decision--> visa_granted | visa_refused
    visa_granted --arrive--> active
    active --extend--> active (a later end date)
    active --complete--> completed
    active --end-early--> ended_early (with a reason)
    proposed | accepted_by_employer | accepted_by_candidate --decline--> declined

Action names are the action endpoints' last path segment (``POST …/{id}/accept-employer``).
``declined``, ``visa_refused``, ``completed`` and ``ended_early`` are final. Everything else
asks this table (through :func:`target`) instead of testing statuses itself, so the
lifecycle changes here only.
"""

from collections.abc import Mapping
from typing import Final

from services.placements.placements.models import STATUSES
from shared.lifecycle import Lifecycle

DECLINABLE: Final = ("proposed", "accepted_by_employer", "accepted_by_candidate")

TRANSITIONS: Final[Mapping[str, Mapping[str, frozenset[str]]]] = {
    "accept-employer": {"proposed": frozenset({"accepted_by_employer"})},
    "accept-candidate": {"accepted_by_employer": frozenset({"accepted_by_candidate"})},
    "decline": {state: frozenset({"declined"}) for state in DECLINABLE},
    "request-visa": {"accepted_by_candidate": frozenset({"visa_pending"})},
    "visa-decision": {"visa_pending": frozenset({"visa_granted", "visa_refused"})},
    "arrive": {"visa_granted": frozenset({"active"})},
    "extend": {"active": frozenset({"active"})},
    "complete": {"active": frozenset({"completed"})},
    "end-early": {"active": frozenset({"ended_early"})},
}
ACTIONS: Final = tuple(TRANSITIONS)

LIFECYCLE: Final = Lifecycle(STATUSES, TRANSITIONS)
FINAL_STATES: Final = LIFECYCLE.final_states
OPEN_STATES: Final = frozenset(STATUSES) - FINAL_STATES
# A placement holds its vacancy's seat unless it was declined or the visa refused.
SEAT_HOLDING_STATES: Final = tuple(s for s in STATUSES if s not in ("declined", "visa_refused"))
# While the trainee is there: check-ins happen only then.
STAY_STATES: Final = frozenset({"active"})
# After the stay: the employer's evaluation comes only then.
ENDED_STATES: Final = frozenset({"completed", "ended_early"})

# The questions every caller asks, read from the table (shared.lifecycle).
allowed_from = LIFECYCLE.allowed_from
can = LIFECYCLE.can
check = LIFECYCLE.check
target = LIFECYCLE.target

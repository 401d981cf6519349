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
from shared.errors import IllegalTransition

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

# Derived, never listed by hand: a state is final when no action leaves it.
FINAL_STATES: Final = frozenset(
    s for s in STATUSES if not any(s in sources for sources in TRANSITIONS.values())
)
OPEN_STATES: Final = frozenset(STATUSES) - FINAL_STATES
# A placement holds its vacancy's seat unless it was declined or the visa refused.
SEAT_HOLDING_STATES: Final = tuple(s for s in STATUSES if s not in ("declined", "visa_refused"))
# While the trainee is there: check-ins happen only then.
STAY_STATES: Final = frozenset({"active"})
# After the stay: the employer's evaluation comes only then.
ENDED_STATES: Final = frozenset({"completed", "ended_early"})


def allowed_from(action: str) -> list[str]:
    """The states ``action`` may start from, in lifecycle order."""
    sources = TRANSITIONS[action]
    return [s for s in STATUSES if s in sources]


def can(action: str, current: str) -> bool:
    """Whether ``action`` is allowed from ``current``."""
    return current in TRANSITIONS[action]


def check(action: str, current: str) -> None:
    """IllegalTransition (409, naming ``current``) unless ``action`` is allowed from it."""
    if not can(action, current):
        raise IllegalTransition(action=action, current_state=current,
                                allowed_from=allowed_from(action))


def target(action: str, current: str, to: str | None = None) -> str:
    """The state ``action`` leads to from ``current``; IllegalTransition when it may not.

    ``to`` picks the outcome of an action with several (``visa-decision`` → granted or
    refused); an action with a single outcome needs none.
    """
    check(action, current)
    targets = TRANSITIONS[action][current]
    if to is None:
        if len(targets) != 1:
            raise ValueError(f"action '{action}' from '{current}' needs an explicit target")
        return next(iter(targets))
    if to not in targets:
        raise ValueError(f"action '{action}' cannot lead from '{current}' to '{to}'")
    return to

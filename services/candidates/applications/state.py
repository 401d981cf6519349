"""The application state machine as one table of data: ``(action, from) -> allowed targets``.

::

    draft --submit--> submitted --screen--> eligible | ineligible
    eligible --shortlist--> shortlisted --select--> selected
                            shortlisted --waitlist--> waitlisted --select--> selected
                            shortlisted | waitlisted --reject--> rejected
    any open state --withdraw--> withdrawn
    selected --place--> placed --return--> returned     (from placements' events only)

``ineligible``, ``rejected``, ``withdrawn`` and ``returned`` are final: nothing leaves them.
Open states are the ones a candidate may still withdraw from. Everything else in this package
asks this table (through :func:`target`) instead of testing statuses itself, so the lifecycle
changes here only.
"""

from collections.abc import Mapping
from typing import Final

from services.candidates.applications.models import STATUSES
from shared.errors import IllegalTransition

OPEN_STATES: Final = frozenset({"draft", "submitted", "eligible", "shortlisted", "waitlisted",
                                "selected"})

TRANSITIONS: Final[Mapping[str, Mapping[str, frozenset[str]]]] = {
    "submit": {"draft": frozenset({"submitted"})},
    "screen": {"submitted": frozenset({"eligible", "ineligible"})},
    "shortlist": {"eligible": frozenset({"shortlisted"})},
    "select": {"shortlisted": frozenset({"selected"}), "waitlisted": frozenset({"selected"})},
    "waitlist": {"shortlisted": frozenset({"waitlisted"})},
    "reject": {"shortlisted": frozenset({"rejected"}), "waitlisted": frozenset({"rejected"})},
    "withdraw": {state: frozenset({"withdrawn"}) for state in sorted(OPEN_STATES)},
    # The stay abroad, as the placements service reports it (placement.started, .completed or
    # .ended_early); no route takes these actions.
    "place": {"selected": frozenset({"placed"})},
    "return": {"placed": frozenset({"returned"})},
}
ACTIONS: Final = tuple(TRANSITIONS)

# Derived, never listed by hand: a state is final when no action leaves it.
FINAL_STATES: Final = frozenset(
    s for s in STATUSES if not any(s in sources for sources in TRANSITIONS.values())
)


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

    ``to`` picks the outcome of an action with several (``screen`` → eligible or ineligible);
    an action with a single outcome needs none.
    """
    check(action, current)
    targets = TRANSITIONS[action][current]
    if to is None:
        if len(targets) != 1:
            raise ValueError(f"action '{action}' from '{current}' needs an explicit target")
        return next(iter(targets))
    if to not in targets:
        # A programming error, not a client one: callers pick ``to`` from the domain outcome.
        raise ValueError(f"action '{action}' cannot lead from '{current}' to '{to}'")
    return to

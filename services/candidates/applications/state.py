"""The application state machine as one table of data: ``(action, from) -> allowed targets``.

::

    draft --submit--> submitted --screen--> eligible | ineligible
    eligible --shortlist--> shortlisted --select--> selected
                            shortlisted --waitlist--> waitlisted --select--> selected
                            shortlisted | waitlisted --reject--> rejected
    any open state --withdraw--> withdrawn
    selected --place--> placed --return--> returned     (from placements' events only)
    returned --place--> placed                          (repeat-stay programmes only)

``ineligible``, ``rejected``, ``withdrawn`` and ``returned`` are final: nothing leaves them,
except that a programme with ``repeat_stays`` (WAFIRA's seasons) places a returnee again
(:data:`REPEATING`, through :func:`lifecycle`). Open states are the ones a candidate may still
withdraw from; pending ones are those not yet decided, which an origin's suspension withdraws.
Everything else in this package asks these tables (through :func:`target`) instead of testing
statuses itself, so the lifecycle changes here only.
"""

from collections.abc import Mapping
from typing import Final

from services.candidates.applications.models import STATUSES
from shared.lifecycle import Lifecycle

OPEN_STATES: Final = frozenset({"draft", "submitted", "eligible", "shortlisted", "waitlisted",
                                "selected"})
# Open and not yet decided: a selected candidate keeps their seat when their origin is
# suspended, the others are withdrawn.
PENDING_STATES: Final = OPEN_STATES - {"selected"}

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

LIFECYCLE: Final = Lifecycle(STATUSES, TRANSITIONS)
FINAL_STATES: Final = LIFECYCLE.final_states
# A programme with repeat stays: a returnee's next stay starts from ``returned``.
REPEATING: Final = Lifecycle(STATUSES, {
    **TRANSITIONS, "place": {**TRANSITIONS["place"], "returned": frozenset({"placed"})}})


def lifecycle(repeat_stays: bool) -> Lifecycle:
    """The lifecycle of a programme's applications: :data:`REPEATING` when it has repeat
    stays, else :data:`LIFECYCLE`."""
    return REPEATING if repeat_stays else LIFECYCLE


# The questions every caller asks, read from the table (shared.lifecycle).
allowed_from = LIFECYCLE.allowed_from
can = LIFECYCLE.can
check = LIFECYCLE.check
target = LIFECYCLE.target

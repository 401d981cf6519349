"""A lifecycle as data: ``(action, from state) -> allowed target states``, and the few
questions every service asks of one (may this action start here? where does it lead?).

Each service keeps its own table next to its models; this module only reads tables, so the
rules stay in the domain and the reading of them in one place.
"""

from collections.abc import Mapping, Sequence

from shared.errors import IllegalTransition

Transitions = Mapping[str, Mapping[str, frozenset[str]]]


class Lifecycle:
    """The transitions of one kind of object over its ``statuses`` (in lifecycle order)."""

    def __init__(self, statuses: Sequence[str], transitions: Transitions) -> None:
        self.statuses = tuple(statuses)
        self.transitions = transitions
        # Derived, never listed by hand: a state is final when no action leaves it.
        self.final_states = frozenset(
            s for s in self.statuses
            if not any(s in sources for sources in transitions.values()))

    def allowed_from(self, action: str) -> list[str]:
        """The states ``action`` may start from, in lifecycle order."""
        sources = self.transitions[action]
        return [s for s in self.statuses if s in sources]

    def can(self, action: str, current: str) -> bool:
        """Whether ``action`` is allowed from ``current``."""
        return current in self.transitions[action]

    def check(self, action: str, current: str) -> None:
        """IllegalTransition (409, naming ``current``) unless ``action`` is allowed from it."""
        if not self.can(action, current):
            raise IllegalTransition(action=action, current_state=current,
                                    allowed_from=self.allowed_from(action))

    def target(self, action: str, current: str, to: str | None = None) -> str:
        """The state ``action`` leads to from ``current``; IllegalTransition when it may not.

        ``to`` picks the outcome of an action with several; an action with a single outcome
        needs none.
        """
        self.check(action, current)
        targets = self.transitions[action][current]
        if to is None:
            if len(targets) != 1:
                raise ValueError(f"action '{action}' from '{current}' needs an explicit target")
            return next(iter(targets))
        if to not in targets:
            # A programming error, not a client one: callers pick ``to`` from the domain.
            raise ValueError(f"action '{action}' cannot lead from '{current}' to '{to}'")
        return to

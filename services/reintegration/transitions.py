"""Lifecycles as data: a table ``action -> {from: to}`` and the one function reading it."""

from collections.abc import Mapping

from shared.errors import IllegalTransition

Table = Mapping[str, Mapping[str, str]]


def target(table: Table, action: str, current: str) -> str:
    """The state ``action`` leads to from ``current``; IllegalTransition (409, naming
    ``current``) when the table does not allow it."""
    sources = table[action]
    if current not in sources:
        raise IllegalTransition(action=action, current_state=current,
                                allowed_from=list(sources))
    return sources[current]

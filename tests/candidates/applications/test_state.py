"""The state machine table: exactly the lifecycle of the design, nothing more."""

import pytest

from services.candidates.applications import state
from shared.errors import IllegalTransition

OPEN = ["draft", "submitted", "eligible", "shortlisted", "waitlisted", "selected"]
EXPECTED_EDGES = {
    ("submit", "draft", "submitted"),
    ("screen", "submitted", "eligible"),
    ("screen", "submitted", "ineligible"),
    ("shortlist", "eligible", "shortlisted"),
    ("select", "shortlisted", "selected"),
    ("waitlist", "shortlisted", "waitlisted"),
    ("reject", "shortlisted", "rejected"),
    ("select", "waitlisted", "selected"),
    ("reject", "waitlisted", "rejected"),
    *(("withdraw", s, "withdrawn") for s in OPEN),
    ("place", "selected", "placed"),
    ("return", "placed", "returned"),
}


class TestTable:
    def test_edges_are_the_designed_ones(self) -> None:
        edges = {(action, source, target)
                 for action, sources in state.TRANSITIONS.items()
                 for source, targets in sources.items() for target in targets}
        assert edges == EXPECTED_EDGES

    def test_final_states(self) -> None:
        assert {"ineligible", "rejected", "withdrawn", "returned"} == state.FINAL_STATES
        assert set(OPEN) == state.OPEN_STATES

    def test_every_state_is_known(self) -> None:
        for sources in state.TRANSITIONS.values():
            for source, targets in sources.items():
                assert source in state.STATUSES and targets <= set(state.STATUSES)


class TestTarget:
    @pytest.mark.parametrize("action", state.ACTIONS)
    @pytest.mark.parametrize("current", state.STATUSES)
    def test_legal_or_409_naming_the_state(self, action: str, current: str) -> None:
        targets = state.TRANSITIONS[action].get(current)
        if targets is None:
            with pytest.raises(IllegalTransition) as caught:
                state.check(action, current)
            problem = caught.value.to_problem()
            assert problem["status"] == 409 and problem["current_state"] == current
            assert current in problem["detail"]
        else:
            for to in targets:
                assert state.target(action, current, to) == to

    def test_ambiguous_action_needs_a_target(self) -> None:
        with pytest.raises(ValueError):
            state.target("screen", "submitted")
        with pytest.raises(ValueError):
            state.target("screen", "submitted", "selected")
        assert state.target("submit", "draft") == "submitted"

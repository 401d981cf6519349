"""The placement state table: derived sets and the target function."""

import pytest

from services.placements.placements import state
from services.placements.placements.models import FINAL_STATUSES, STATUSES
from shared.errors import IllegalTransition


class TestStateTable:
    def test_final_states_match_the_partial_unique_index(self) -> None:
        assert set(FINAL_STATUSES) == state.FINAL_STATES

    def test_every_state_is_reachable_or_initial(self) -> None:
        reached = {t for sources in state.TRANSITIONS.values()
                   for targets in sources.values() for t in targets}
        assert set(STATUSES) - reached == {"proposed"}

    def test_seats_are_freed_only_by_declining_or_a_refused_visa(self) -> None:
        assert set(STATUSES) - set(state.SEAT_HOLDING_STATES) == {"declined", "visa_refused"}

    def test_allowed_from_in_lifecycle_order(self) -> None:
        assert state.allowed_from("decline") == ["proposed", "accepted_by_employer",
                                                 "accepted_by_candidate"]

    def test_target(self) -> None:
        assert state.target("visa-decision", "visa_pending", "visa_refused") == "visa_refused"
        assert state.target("extend", "active") == "active"
        with pytest.raises(ValueError, match="needs an explicit target"):
            state.target("visa-decision", "visa_pending")
        with pytest.raises(ValueError, match="cannot lead"):
            state.target("arrive", "visa_granted", "completed")
        with pytest.raises(IllegalTransition):
            state.target("arrive", "proposed")

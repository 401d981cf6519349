"""The min-cost flow of ``optimal``: pruned and proven equals solved whole, targets as arcs."""

import numpy as np
import pytest

from services.placements.matching.network import (
    Targets,
    best_flow,
    lattice_gains,
    max_placements,
)


def random_pool(seed: int, candidates: int = 60, vacancies: int = 12,
                density: float = 0.4) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    ok = rng.random((candidates, vacancies)) < density
    candidate, vacancy = np.nonzero(ok)  # sorted by candidate, as Pairs are
    gain = rng.integers(0, 50, len(candidate))
    seats = rng.integers(1, 4, vacancies)
    return candidate, vacancy, gain, seats


@pytest.mark.parametrize("seed", range(20))
def test_pruned_and_proven_is_the_whole_optimum(seed: int) -> None:
    candidate, vacancy, gain, seats = random_pool(seed)
    whole = best_flow(candidate, vacancy, gain, seats)
    pruned = best_flow(candidate, vacancy, gain, seats, prune_above=0)
    assert gain[pruned.chosen].sum() == gain[whole.chosen].sum()
    assert np.bincount(candidate[pruned.chosen]).max(initial=0) <= 1
    assert (np.bincount(vacancy[pruned.chosen], minlength=len(seats)) <= seats).all()


@pytest.mark.parametrize("seed", range(5))
def test_pruned_with_gains_too_large_for_a_histogram(seed: int) -> None:
    candidate, vacancy, _, seats = random_pool(seed)
    gain = np.random.default_rng(seed).integers(0, 10**6, len(candidate))
    whole = best_flow(candidate, vacancy, gain, seats)
    pruned = best_flow(candidate, vacancy, gain, seats, prune_above=0)
    assert gain[pruned.chosen].sum() == gain[whole.chosen].sum()


def test_pairs_in_any_order() -> None:
    candidate, vacancy, gain, seats = random_pool(3)
    order = np.random.default_rng(3).permutation(len(gain))
    whole = best_flow(candidate, vacancy, gain, seats)
    shuffled = best_flow(candidate[order], vacancy[order], gain[order], seats)
    assert gain[order][shuffled.chosen].sum() == gain[whole.chosen].sum()


@pytest.mark.parametrize("seed", range(10))
def test_pruned_with_cap_and_targets(seed: int) -> None:
    candidate, vacancy, gain, seats = random_pool(seed)
    employer = np.arange(len(seats)) % 4
    targets = Targets(group=np.arange(60) % 3 - 1, minimum=np.array([8, 8]))
    whole = best_flow(candidate, vacancy, gain, seats, employer=employer, cap=3,
                      targets=targets)
    pruned = best_flow(candidate, vacancy, gain, seats, employer=employer, cap=3,
                       targets=targets, prune_above=0)
    assert (gain[pruned.chosen].sum(), pruned.shortfall) == \
        (gain[whole.chosen].sum(), whole.shortfall)
    assert np.bincount(employer[vacancy[pruned.chosen]]).max(initial=0) <= 3


def test_a_target_beyond_the_pool_is_a_shortfall() -> None:
    # Two candidates of group 0, one seat each at two vacancies; group 0 must place 3.
    flow = best_flow(np.array([0, 1, 2]), np.array([0, 1, 0]), np.array([1, 1, 9]),
                     np.array([1, 1]), targets=Targets(np.array([0, 0, -1]), np.array([3])))
    assert sorted(flow.chosen.tolist()) == [0, 1]  # both of group 0, over the better 9
    assert flow.shortfall == 1


def test_max_placements_under_a_cap() -> None:
    candidate, vacancy = np.array([0, 1, 2, 3]), np.array([0, 0, 1, 1])
    seats = np.array([2, 2])
    assert max_placements(candidate, vacancy, seats) == 4
    assert max_placements(candidate, vacancy, seats, employer=np.array([0, 0]), cap=3) == 3


def test_lattice_gains_are_exact_or_refused() -> None:
    assert lattice_gains(np.array([0.1 + 0.2, 0.4 / 3]), 30).tolist() == [9, 4]
    assert lattice_gains(np.array([1 / 7]), 30) is None
    assert lattice_gains(np.array([0.5]), None) is None

"""``stable``: deferred acceptance against every stable matching of small pools."""

import random
import uuid

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.placements.matching.encoding import Problem, encode
from services.placements.matching.engine import run_matching
from services.placements.matching.inputs import MatchingParameters, Weights
from services.placements.matching.scoring import Pairs, Scorer
from services.placements.matching.stable import (
    Preferences,
    blocking_pairs,
    deferred_acceptance,
    preferences,
)
from tests.placements.matching.helpers import PROPERTY, assignments, candidate, pools, vacancy

INFINITE = 10**9


def setup(pool: tuple[list, list], *, seed: int | None = None,
          min_score: float = 0.0) -> tuple[Problem, Pairs, Preferences]:
    """Encode, score and rank a pool; with ``seed``, random explicit lists for some agents."""
    candidates, vacancies = pool
    problem = encode(candidates, vacancies)
    pairs = Scorer(problem, Weights()).acceptable(min_score)
    candidate_ranks = vacancy_ranks = None
    if seed is not None:
        rng = random.Random(seed)
        v_ids = [v.vacancy_id for v in vacancies]
        c_ids = [c.candidate_id for c in candidates]
        candidate_ranks = {c: rng.sample(v_ids, k=rng.randint(0, len(v_ids)))
                           for c in c_ids if rng.random() < 0.6}
        vacancy_ranks = {v: rng.sample(c_ids, k=rng.randint(0, len(c_ids)))
                         for v in v_ids if rng.random() < 0.6}
    prefs = preferences(pairs, problem, candidate_ranks=candidate_ranks,
                        vacancy_ranks=vacancy_ranks)
    return problem, pairs, prefs


def rank_tables(prefs: Preferences) -> tuple[dict, dict]:
    c_rank = {(int(c), int(v)): int(r) for c, v, r in
              zip(prefs.candidate, prefs.vacancy, prefs.candidate_rank, strict=True)}
    v_rank = {(int(c), int(v)): int(r) for c, v, r in
              zip(prefs.candidate, prefs.vacancy, prefs.vacancy_rank, strict=True)}
    return c_rank, v_rank


def reference_blocking(choice: tuple[int, ...], prefs: Preferences,
                       seats: list[int]) -> set[tuple[int, int]]:
    """Blocking pairs by the textbook definition, one pair at a time."""
    c_rank, v_rank = rank_tables(prefs)
    blocking = set()
    for (c, v), rank in c_rank.items():
        if choice[c] == v:
            continue
        current = c_rank[(c, choice[c])] if choice[c] >= 0 else INFINITE
        held = [v_rank[(d, v)] for d, w in enumerate(choice) if w == v]
        if rank < current and (len(held) < seats[v] or v_rank[(c, v)] < max(held)):
            blocking.add((c, v))
    return blocking


def every_matching(problem: Problem, prefs: Preferences) -> list[tuple[int, ...]]:
    options = [[] for _ in problem.candidates]
    for c, v in zip(prefs.candidate.tolist(), prefs.vacancy.tolist(), strict=True):
        options[c].append(v)
    return list(assignments(options, problem.seats.tolist()))


class TestDeferredAcceptance:
    @settings(PROPERTY, max_examples=100)
    @given(pools(), st.one_of(st.none(), st.integers(0, 2**32 - 1)))
    def test_stable_and_candidate_optimal(self, pool: tuple[list, list],
                                          seed: int | None) -> None:
        problem, _, prefs = setup(pool, seed=seed)
        seats = problem.seats.tolist()
        matched = deferred_acceptance(prefs, problem.seats, len(problem.candidates))
        assert len(blocking_pairs(prefs, matched, problem.seats)) == 0
        c_rank, _ = rank_tables(prefs)
        stable = [m for m in every_matching(problem, prefs)
                  if not reference_blocking(m, prefs, seats)]
        assert tuple(matched.tolist()) in stable

        def rank(m: tuple[int, ...], c: int) -> int:
            return c_rank[(c, m[c])] if m[c] >= 0 else INFINITE

        for m in stable:
            assert all(rank(tuple(matched.tolist()), c) <= rank(m, c) for c in range(len(m)))

    @settings(PROPERTY, max_examples=100)
    @given(pools(max_candidates=4), st.one_of(st.none(), st.integers(0, 2**32 - 1)))
    def test_blocking_pairs_matches_the_definition(self, pool: tuple[list, list],
                                                   seed: int | None) -> None:
        problem, _, prefs = setup(pool, seed=seed)
        seats = problem.seats.tolist()
        for m in every_matching(problem, prefs)[:40]:
            found = blocking_pairs(prefs, np.array(m, dtype=np.int64), problem.seats)
            assert {(int(c), int(v)) for c, v in found} == reference_blocking(m, prefs, seats)

    @settings(PROPERTY, max_examples=60)
    @given(pools(max_candidates=6, max_vacancies=4))
    def test_score_ranks_give_the_greedy_matching(self, pool: tuple[list, list]) -> None:
        problem, pairs, prefs = setup(pool)
        matched = deferred_acceptance(prefs, problem.seats, len(problem.candidates))
        # Best remaining pair first; ties by candidate id then vacancy id (ids follow input
        # order here), the order both sides' ranks use.
        greedy = [-1] * len(problem.candidates)
        room = problem.seats.tolist()
        for k in np.lexsort((pairs.vacancy, pairs.candidate, -pairs.score)):
            c, v = int(pairs.candidate[k]), int(pairs.vacancy[k])
            if greedy[c] < 0 and room[v] > 0:
                greedy[c], room[v] = v, room[v] - 1
        assert matched.tolist() == greedy


class TestPreferences:
    def test_by_score_then_id(self) -> None:
        c1 = candidate(n=2, skill_keys=["python"])
        c2 = candidate(n=1, skill_keys=["python"])  # the same score, smaller id
        c3 = candidate(n=3, skill_keys=[])
        problem = encode([c1, c2, c3], [vacancy(seats=3)])
        prefs = preferences(Scorer(problem, Weights()).acceptable(0.0), problem)
        assert prefs.vacancy_rank.tolist() == [1, 0, 2]

    def test_explicit_lists_order_and_drop(self) -> None:
        cs = [candidate(n=i + 1) for i in range(3)]
        vs = [vacancy(n=1), vacancy(n=2)]
        problem = encode(cs, vs)
        pairs = Scorer(problem, Weights()).acceptable(0.0)
        v1, v2 = vs[0].vacancy_id, vs[1].vacancy_id
        prefs = preferences(pairs, problem, candidate_ranks={
            cs[0].candidate_id: [v2, uuid.uuid4(), v1],  # unknown ids are skipped
            cs[1].candidate_id: [v2],  # v1 dropped for candidate 2
        }, vacancy_ranks={v2: [cs[2].candidate_id, cs[0].candidate_id]})
        c_rank, v_rank = rank_tables(prefs)
        assert (0, 0) in c_rank and c_rank[(0, 1)] < c_rank[(0, 0)]
        assert (1, 0) not in c_rank  # not on candidate 2's list
        assert (1, 1) not in c_rank  # not on v2's list
        assert v_rank[(2, 1)] < v_rank[(0, 1)]

    def test_unacceptable_pairs_are_never_ranked(self) -> None:
        problem = encode([candidate(languages=[])], [vacancy()])
        pairs = Scorer(problem, Weights()).acceptable(0.0)
        prefs = preferences(pairs, problem, candidate_ranks={
            problem.candidates[0].candidate_id: [problem.vacancies[0].vacancy_id]})
        assert len(prefs.candidate) == 0

    def test_assignment_outside_the_lists_is_refused(self) -> None:
        problem = encode([candidate(languages=[])], [vacancy()])
        prefs = preferences(Scorer(problem, Weights()).acceptable(0.0), problem)
        with pytest.raises(ValueError, match="not acceptable"):
            blocking_pairs(prefs, np.array([0]), problem.seats)


class TestStableRun:
    def test_reports_zero_blocking_pairs_and_relaxes_quotas(self) -> None:
        cs = [candidate(n=i + 1, gender="male") for i in range(3)]
        result = run_matching(cs, [vacancy(seats=2)], MatchingParameters(
            algorithm="stable", max_per_employer=1, gender_min_share={"female": 0.5}))
        assert result.blocking_pairs == 0
        assert len(result.assignments) == 2
        assert [u.constraint for u in result.unmet_constraints] == [
            "max_per_employer", "gender_min_share.female"]

    def test_explicit_ranks_can_beat_the_score(self) -> None:
        strong = candidate(n=1, skill_keys=["python"])
        weak = candidate(n=2, skill_keys=[])
        v = vacancy(seats=1)
        by_score = run_matching([strong, weak], [v], MatchingParameters(algorithm="stable"))
        assert [a.candidate_id for a in by_score.assignments] == [strong.candidate_id]
        listed = run_matching([strong, weak], [v], MatchingParameters(
            algorithm="stable", vacancy_ranks={v.vacancy_id: [weak.candidate_id,
                                                              strong.candidate_id]}))
        assert [a.candidate_id for a in listed.assignments] == [weak.candidate_id]
        assert listed.blocking_pairs == 0

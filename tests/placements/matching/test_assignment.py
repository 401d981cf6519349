"""``optimal``: brute force on small pools, the invariants, and the constraints it reports."""

import uuid
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.placements.matching.assignment import max_weight_matching
from services.placements.matching.encoding import encode
from services.placements.matching.engine import MatchingResult, run_matching
from services.placements.matching.inputs import (
    CandidateProfile,
    MatchingParameters,
    VacancyProfile,
    Weights,
)
from services.placements.matching.scoring import Pairs, Scorer, reaches
from tests.placements.matching.helpers import (
    EMPLOYER_A,
    EMPLOYER_B,
    PROPERTY,
    brute_force_optimum,
    candidate,
    pools,
    vacancy,
)


def check_invariants(result: MatchingResult, candidates: list[CandidateProfile],
                     vacancies: list[VacancyProfile], parameters: MatchingParameters) -> None:
    """What every run guarantees, whatever the algorithm."""
    seats = {v.vacancy_id: v.seats for v in vacancies}
    employer = {v.vacancy_id: v.employer_id for v in vacancies}
    per_vacancy = Counter(a.vacancy_id for a in result.assignments)
    assert all(per_vacancy[v] <= seats[v] for v in per_vacancy)
    assert len({a.candidate_id for a in result.assignments}) == len(result.assignments)
    for a in result.assignments:
        e = result.explain(a.candidate_id, a.vacancy_id)
        assert e.feasible and e.total >= parameters.min_score - 1e-9 and e.acceptable
        assert e.total == a.score
    if parameters.max_per_employer is not None and parameters.algorithm == "optimal":
        per_employer = Counter(employer[a.vacancy_id] for a in result.assignments)
        assert max(per_employer.values(), default=0) <= parameters.max_per_employer
    assert result.total_score == pytest.approx(sum(a.score for a in result.assignments))
    assert result.unassigned_candidates == len(candidates) - len(result.assignments)
    assert result.unfilled_seats == sum(seats.values()) - len(result.assignments)


def brute_force(candidates: list[CandidateProfile], vacancies: list[VacancyProfile],
                parameters: MatchingParameters) -> tuple[float, int]:
    problem = encode(candidates, vacancies, parameters.exclusions)
    total, ok = Scorer(problem, parameters.weights).every_pair()
    employers = sorted({v.employer_id for v in vacancies})
    return brute_force_optimum(
        total.tolist(), (ok & reaches(total, parameters.min_score)).tolist(),
        [v.seats for v in vacancies], employer=[employers.index(v.employer_id) for v in vacancies],
        cap=parameters.max_per_employer, gender=[c.gender for c in candidates],
        shares=parameters.gender_min_share)


class TestAgainstBruteForce:
    @settings(PROPERTY, max_examples=100)
    @given(pools(), st.sampled_from([0.0, 0.2, 0.45]))
    def test_plain(self, pool: tuple[list, list], min_score: float) -> None:
        candidates, vacancies = pool
        parameters = MatchingParameters(min_score=min_score)
        result = run_matching(candidates, vacancies, parameters)
        best, _ = brute_force(candidates, vacancies, parameters)
        assert result.total_score == pytest.approx(best, abs=1e-9)
        check_invariants(result, candidates, vacancies, parameters)

    @settings(PROPERTY, max_examples=80)
    @given(pools(), st.integers(0, 2),
           st.sampled_from([{}, {"female": 0.5}, {"female": 0.4, "male": 0.4},
                            {"other": 0.6}, {"female": 0.5, "male": 0.5}]))
    def test_with_employer_cap_and_gender_shares(self, pool: tuple[list, list], cap: int,
                                                 shares: dict[str, float]) -> None:
        candidates, vacancies = pool
        parameters = MatchingParameters(max_per_employer=cap, gender_min_share=shares)
        result = run_matching(candidates, vacancies, parameters)
        best, shortfall = brute_force(candidates, vacancies, parameters)
        assert result.total_score == pytest.approx(best, abs=1e-9)
        check_invariants(result, candidates, vacancies, parameters)
        # A target is reported unmet exactly when the pool cannot meet every target; when it
        # can, every gender has at least its share of the placements.
        assert bool(result.unmet_constraints) == (shortfall > 0)
        if not shortfall:
            placed = len(result.assignments)
            for gender, share in shares.items():
                assert result.placed_by_gender.get(gender, 0) >= share * placed - 1e-9
        assert {u.constraint for u in result.unmet_constraints} <= \
            {f"gender_min_share.{g}" for g in shares}

    @settings(PROPERTY, max_examples=40)
    @given(pools(), st.sampled_from([{"female": 0.5}, {"male": 0.3, "other": 0.3}]))
    def test_gender_shares_without_cap(self, pool: tuple[list, list],
                                       shares: dict[str, float]) -> None:
        candidates, vacancies = pool
        parameters = MatchingParameters(gender_min_share=shares, min_score=0.1)
        result = run_matching(candidates, vacancies, parameters)
        best, _ = brute_force(candidates, vacancies, parameters)
        assert result.total_score == pytest.approx(best, abs=1e-9)
        check_invariants(result, candidates, vacancies, parameters)


def ids(n: int) -> list[uuid.UUID]:
    return [uuid.UUID(int=i + 1) for i in range(n)]


class TestGenderShare:
    def pool(self, genders: str) -> tuple[list[CandidateProfile], list[VacancyProfile]]:
        # Everyone fits one 4-seat vacancy; men score higher (they like the sector).
        candidates = [candidate(n=i + 1, gender={"f": "female", "m": "male"}[g],
                                preferred_sectors=["ict"] if g == "m" else [])
                      for i, g in enumerate(genders)]
        return candidates, [vacancy(seats=4)]

    def test_met_when_the_pool_allows(self) -> None:
        candidates, vacancies = self.pool("mmmmmff")
        plain = run_matching(candidates, vacancies)
        assert plain.placed_by_gender == {"male": 4}
        result = run_matching(candidates, vacancies,
                              MatchingParameters(gender_min_share={"female": 0.5}))
        assert result.placed_by_gender == {"female": 2, "male": 2}
        assert result.unmet_constraints == []

    def test_relaxed_and_reported_when_it_does_not(self) -> None:
        candidates, vacancies = self.pool("mmmmmf")
        result = run_matching(candidates, vacancies,
                              MatchingParameters(gender_min_share={"female": 0.5}))
        # Every seat still filled, with the one woman the pool has.
        assert result.placed_by_gender == {"female": 1, "male": 3}
        [unmet] = result.unmet_constraints
        assert unmet.constraint == "gender_min_share.female"
        assert unmet.reason == ("target 2 female placements (50% of the 4 the pool allows), "
                                "placed 1: only 1 female candidates can be placed at all "
                                "(acceptable pairs, seats)")

    def test_targets_that_do_not_fit_together(self) -> None:
        candidates, vacancies = self.pool("mmmfff")
        vacancies = [vacancy(seats=3)]
        result = run_matching(candidates, vacancies, MatchingParameters(
            gender_min_share={"female": 0.5, "male": 0.5}))
        assert sum(result.placed_by_gender.values()) == 3
        [unmet] = result.unmet_constraints
        assert "do not allow this target together with" in unmet.reason


class TestEmployerCap:
    def test_cap_spreads_placements(self) -> None:
        candidates = [candidate(n=i + 1) for i in range(4)]
        vacancies = [vacancy(n=1, seats=3, employer_id=EMPLOYER_A),
                     vacancy(n=2, seats=3, employer_id=EMPLOYER_B, sector="agriculture")]
        plain = run_matching(candidates, vacancies)
        assert Counter(a.vacancy_id for a in plain.assignments)[vacancies[0].vacancy_id] == 3
        capped = run_matching(candidates, vacancies, MatchingParameters(max_per_employer=2))
        assert Counter(a.vacancy_id for a in capped.assignments) == {
            vacancies[0].vacancy_id: 2, vacancies[1].vacancy_id: 2}
        assert capped.unmet_constraints == []

    def test_time_limit_relaxes_and_reports(self) -> None:
        candidates = [candidate(n=i + 1) for i in range(3)]
        result = run_matching(candidates, [vacancy(seats=3)], MatchingParameters(
            max_per_employer=1, time_limit_seconds=1e-9))
        assert len(result.assignments) == 3
        assert [u.constraint for u in result.unmet_constraints] == ["max_per_employer"]
        assert "time limit reached" in result.unmet_constraints[0].reason


class TestMaxWeightMatching:
    def test_no_pairs(self) -> None:
        empty = Pairs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        assert len(max_weight_matching(empty, np.array([2, 1]), 3)) == 0

    def test_leaves_a_seat_empty_rather_than_lose_score(self) -> None:
        # c0 is worth 1.0 at v0 and 0.1 at v1; c1 only fits v1 at 0.1. Filling both seats
        # gives 1.0 + 0.1, taking v0 for c0 alone gives 1.0: both seats, since it adds.
        pairs = Pairs(np.array([0, 0, 1]), np.array([0, 1, 1]), np.array([1.0, 0.1, 0.1]))
        chosen = max_weight_matching(pairs, np.array([1, 1]), 2)
        assert sorted(chosen.tolist()) == [0, 2]

    def test_seats_beyond_candidates(self) -> None:
        pairs = Pairs(np.array([0, 1]), np.array([0, 0]), np.array([0.5, 0.25]))
        assert sorted(max_weight_matching(pairs, np.array([10]), 2).tolist()) == [0, 1]

    def test_zero_scores_are_edges_too(self) -> None:
        only_sector = Weights(skills_required=0, skills_nice=0, language_surplus=0, sector=1,
                              location=0, education=0)
        result = run_matching([candidate(preferred_sectors=[])], [vacancy()],
                              MatchingParameters(weights=only_sector))
        assert result.acceptable_pairs == 1  # score 0, but acceptable with min_score 0
        assert result.total_score == 0.0


class TestExclusions:
    def test_excluded_pair_is_never_assigned(self) -> None:
        c, v = candidate(), vacancy()
        result = run_matching([c], [v], MatchingParameters(
            exclusions=[(c.candidate_id, v.vacancy_id)]))
        assert result.assignments == []
        assert result.candidates_without_options == 1

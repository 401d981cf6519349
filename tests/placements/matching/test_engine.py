"""``run_matching`` end to end: the result, its explanations and the parameters' checks."""

import uuid

import pytest

from bench.matching import generate_instance
from services.placements.matching.engine import run_matching
from services.placements.matching.inputs import MatchingParameters
from tests.placements.matching.helpers import candidate, vacancy


class TestResult:
    def test_summary_and_order(self) -> None:
        cs = [candidate(n=1, skill_keys=[]), candidate(n=2), candidate(n=3, languages=[])]
        vs = [vacancy(n=1, seats=2), vacancy(n=2, seats=1, required_languages=[("it", "A1")])]
        result = run_matching(cs, vs)
        # Candidate 3 speaks no French: no option; nobody speaks Italian. Candidates 1 and 2
        # share vacancy 1's two seats, the better score (2 has the required skill) first.
        assert [(a.candidate_id.int, a.vacancy_id.int) for a in result.assignments] == [
            (2, 1001), (1, 1001)]
        summary = result.summary()
        assert summary["assigned"] == 2
        assert summary["unassigned_candidates"] == 1
        assert summary["unfilled_seats"] == 1
        assert summary["candidates_without_options"] == 1
        assert summary["blocking_pairs"] is None
        assert summary["unmet_constraints"] == []

    def test_assignments_sorted_by_vacancy_then_score(self) -> None:
        cs = [candidate(n=i + 1, skill_keys=["python"] if i % 2 else []) for i in range(4)]
        result = run_matching(cs, [vacancy(seats=4)])
        scores = [a.score for a in result.assignments]
        assert scores == sorted(scores, reverse=True)

    def test_explanations_match_the_assignments(self) -> None:
        cs, vs = generate_instance(candidates=60, vacancies=12, seats=30, skills=40, seed=3)
        for algorithm in ("optimal", "stable"):
            result = run_matching(cs, vs, MatchingParameters(algorithm=algorithm))
            assert result.assignments
            for assignment, explanation in zip(result.assignments, result.explanations(),
                                               strict=True):
                assert explanation.total == assignment.score
                assert explanation.acceptable
                assert explanation.as_dict()["vacancy_id"] == str(assignment.vacancy_id)

    @pytest.mark.parametrize("algorithm", ["optimal", "stable"])
    def test_empty_pools(self, algorithm: str) -> None:
        for candidates, vacancies in (([], []), ([candidate()], []), ([], [vacancy()])):
            result = run_matching(candidates, vacancies, MatchingParameters(
                algorithm=algorithm, max_per_employer=1))  # type: ignore[arg-type]
            assert result.assignments == []
            assert result.total_score == 0.0

    def test_explain_any_pair_but_only_of_the_pools(self) -> None:
        c, v = candidate(languages=[]), vacancy()
        result = run_matching([c], [v])
        assert not result.explain(c.candidate_id, v.vacancy_id).feasible
        with pytest.raises(KeyError, match="not in this run's pools"):
            result.explain(uuid.uuid4(), v.vacancy_id)


class TestGenerator:
    def test_deterministic_and_stable_without_blocking_pairs(self) -> None:
        first = generate_instance(candidates=200, vacancies=40, seats=100, skills=300)
        second = generate_instance(candidates=200, vacancies=40, seats=100, skills=300)
        assert first == second
        candidates, vacancies = first
        assert sum(v.seats for v in vacancies) == 100
        optimal = run_matching(candidates, vacancies)
        stable = run_matching(candidates, vacancies, MatchingParameters(algorithm="stable"))
        assert stable.blocking_pairs == 0
        assert optimal.total_score >= stable.total_score - 1e-9


class TestParameters:
    def test_rejected(self) -> None:
        with pytest.raises(ValueError, match="unknown algorithm"):
            MatchingParameters(algorithm="greedy")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="gender_min_share"):
            MatchingParameters(gender_min_share={"female": 1.5})
        with pytest.raises(ValueError, match="unknown gender 'women'"):
            MatchingParameters(gender_min_share={"women": 0.5})
        with pytest.raises(ValueError, match="max_per_employer"):
            MatchingParameters(max_per_employer=-1)

    def test_duplicate_ids(self) -> None:
        with pytest.raises(ValueError, match="appears twice"):
            run_matching([candidate(), candidate()], [vacancy()])

    def test_vacancy_needs_an_end(self) -> None:
        with pytest.raises(ValueError, match="end_date or duration_months"):
            vacancy(duration_months=None)
        with pytest.raises(ValueError, match="seats"):
            vacancy(seats=0)

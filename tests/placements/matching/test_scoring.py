"""The score formula, the acceptable pairs and the explanation of a pair."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.placements.matching.encoding import encode
from services.placements.matching.inputs import Weights
from services.placements.matching.scoring import PARTS, Scorer, reaches
from tests.placements.matching.helpers import (
    PROPERTY,
    candidate,
    pools,
    reference_score,
    vacancy,
)

W = Weights()


def shares_of(c: object, v: object, weights: Weights = W) -> tuple[dict[str, float], float]:
    explanation = Scorer(encode([c], [v]), weights).explain(0, 0, min_score=0.0)
    return explanation.shares, explanation.total


class TestFormula:
    def test_default_weights_add_up_to_one(self) -> None:
        assert math.isclose(sum(W.as_dict().values()), 1.0)
        assert tuple(W.as_dict()) == PARTS

    def test_every_part(self) -> None:
        c = candidate(skill_keys=["Python ", "sql"], languages=[("fr", "C1")],
                      education=[("master", "Engineering")], preferred_sectors=["ict"],
                      preferred_countries=["FR"])
        v = vacancy(required_skills=["python", "java"], nice_to_have_skills=["sql"],
                    required_languages=[("fr", "B1")], education_field="engineering")
        shares, total = shares_of(c, v)
        assert shares == {"skills_required": 0.5, "skills_nice": 1.0,
                          "language_surplus": pytest.approx(2 / 3), "sector": 1.0,
                          "location": 1.0, "education": 1.0}
        assert total == pytest.approx(0.4 * 0.5 + 0.15 + 0.1 * 2 / 3 + 0.15 + 0.1 + 0.1)

    def test_nothing_stated_by_the_vacancy(self) -> None:
        shares, _ = shares_of(candidate(), vacancy(required_skills=[], nice_to_have_skills=[],
                                                   required_languages=[]))
        # Nothing required: fully covered. Nothing else to match: no bonus.
        assert shares["skills_required"] == 1.0
        assert shares["skills_nice"] == shares["language_surplus"] == 0.0
        assert shares["education"] == 0.0

    def test_language_surplus_is_capped_and_averaged(self) -> None:
        v = vacancy(required_languages=[("fr", "A1"), ("en", "B2")])
        shares, _ = shares_of(candidate(languages=[("fr", "C2"), ("en", "B2")]), v)
        assert shares["language_surplus"] == 0.5  # (min(5, 3) + 0) / (3 * 2)

    def test_any_destination_is_not_a_location_preference(self) -> None:
        assert shares_of(candidate(preferred_countries=[]), vacancy())[0]["location"] == 0.0
        assert shares_of(candidate(preferred_countries=["FR"]), vacancy())[0]["location"] == 1.0

    def test_weights(self) -> None:
        only_sector = Weights(skills_required=0, skills_nice=0, language_surplus=0, sector=2,
                              location=0, education=0)
        assert shares_of(candidate(), vacancy(), only_sector)[1] == 2.0
        with pytest.raises(ValueError, match="weight sector"):
            Weights(sector=-0.1)


    def test_min_score_tolerates_float_rounding(self) -> None:
        # 0.7 + 0.1 is 0.7999999999999999 in floats: still "at least 0.8".
        weights = Weights(skills_required=0, skills_nice=0, language_surplus=0, sector=0.7,
                          location=0.1, education=0)
        scorer = Scorer(encode([candidate(preferred_countries=["FR"])], [vacancy()]), weights)
        assert scorer.explain(0, 0, min_score=0.8).total < 0.8
        assert scorer.explain(0, 0, min_score=0.8).acceptable
        assert len(scorer.acceptable(0.8)) == 1


class TestMatrix:
    @settings(PROPERTY, max_examples=100)
    @given(pools(max_candidates=6, max_vacancies=4),
           st.sampled_from([Weights(), Weights(skills_required=1, sector=0.5, education=0)]))
    def test_equals_the_pair_by_pair_reference(self, pool: tuple[list, list],
                                               weights: Weights) -> None:
        candidates, vacancies = pool
        total, _ = Scorer(encode(candidates, vacancies), weights).every_pair()
        expected = [[reference_score(c, v, weights) for v in vacancies] for c in candidates]
        np.testing.assert_allclose(total, expected, rtol=0, atol=1e-12)

    @settings(PROPERTY, max_examples=60)
    @given(pools(max_candidates=6, max_vacancies=4), st.sampled_from([0.0, 0.3, 0.55]),
           st.sampled_from([1, 2, 512]))
    def test_acceptable_pairs(self, pool: tuple[list, list], min_score: float,
                              block_rows: int) -> None:
        candidates, vacancies = pool
        scorer = Scorer(encode(candidates, vacancies), W)
        pairs = scorer.acceptable(min_score, block_rows=block_rows)
        got = {(int(c), int(v)): s for c, v, s in
               zip(pairs.candidate, pairs.vacancy, pairs.score, strict=True)}
        total, ok = scorer.every_pair()
        wanted = np.nonzero(ok & reaches(total, min_score))
        assert set(got) == {(int(i), int(j)) for i, j in zip(*wanted, strict=True)}
        assert list(got) == sorted(got)  # sorted by candidate, then vacancy
        for (i, j), score in got.items():
            assert score == total[i, j]


class TestExplanation:
    @settings(PROPERTY, max_examples=100)
    @given(pools(max_candidates=4, max_vacancies=3))
    def test_consistent_with_the_matrix(self, pool: tuple[list, list]) -> None:
        candidates, vacancies = pool
        scorer = Scorer(encode(candidates, vacancies), W)
        total, ok = scorer.every_pair()
        for i, c in enumerate(candidates):
            for j, v in enumerate(vacancies):
                e = scorer.explain(i, j, min_score=0.2)
                assert math.isclose(e.total, total[i, j], rel_tol=1e-12, abs_tol=1e-12)
                assert math.isclose(sum(e.points.values()), e.total, abs_tol=1e-12)
                assert e.feasible == ok[i, j] == (not e.failed_constraints)
                assert e.acceptable == (e.feasible and e.total >= 0.2 - 1e-9)
                required = set(v.required_skills)
                assert set(e.matched_required_skills) | set(e.missing_required_skills) == \
                    required
                if required:
                    assert e.shares["skills_required"] == pytest.approx(
                        len(e.matched_required_skills) / len(required))
                assert set(e.matched_nice_to_have_skills) == \
                    set(v.nice_to_have_skills) & set(c.skill_keys)

    @settings(PROPERTY, max_examples=60)
    @given(pools(max_candidates=6, max_vacancies=3), st.integers(1, 4))
    def test_many_at_once_equal_one_by_one(self, pool: tuple[list, list], block: int) -> None:
        candidates, vacancies = pool
        scorer = Scorer(encode(candidates, vacancies), W)
        pairs = [(i, j) for i in range(len(candidates)) for j in range(len(vacancies))][::-1]
        many = scorer.explain_many(np.array([i for i, _ in pairs]),
                                   np.array([j for _, j in pairs]), min_score=0.2,
                                   block_rows=block)
        assert many == [scorer.explain(i, j, min_score=0.2) for i, j in pairs]

    def test_lists_skills_and_failures(self) -> None:
        c = candidate(skill_keys=["python", "docker"], languages=[("fr", "A2")])
        v = vacancy(required_skills=["python", "sql"], nice_to_have_skills=["docker"])
        e = Scorer(encode([c], [v]), W).explain(0, 0, min_score=0.0)
        assert (e.matched_required_skills, e.missing_required_skills,
                e.matched_nice_to_have_skills) == (["python"], ["sql"], ["docker"])
        assert e.failed_constraints == ["languages: fr A2 < B1"]
        assert not e.acceptable
        assert e.as_dict()["candidate_id"] == str(c.candidate_id)

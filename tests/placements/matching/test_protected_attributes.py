"""Scores never read protected characteristics (the scoring module's docstring says so).

Every test changes the candidates' gender and nationality (and, where the input carries it, the
age band), everything else equal, and checks that nothing a score makes changes: every score to
the last bit, every explanation, and, when no gender share is set, the whole run's assignment.
The two documented readers of a protected characteristic are checked apart: the eligible
nationalities of a vacancy (a hard legal condition: feasibility only, named in the explanation)
and the optional minimum share per gender (the assignment as a whole, never a score).

:class:`TestTheseTestsHaveTeeth` shows the checks fail for a scorer that reads gender or
nationality.
"""

import dataclasses
import random
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.placements.matching import scoring
from services.placements.matching.encoding import Problem, encode
from services.placements.matching.engine import run_matching
from services.placements.matching.fairness import AGE_BANDS
from services.placements.matching.inputs import (
    GENDERS,
    CandidateProfile,
    MatchingParameters,
    VacancyProfile,
    Weights,
)
from services.placements.matching.profiles import MatchingProfile
from services.placements.matching.schemas import Parameters
from services.placements.matching.scoring import Scorer
from services.placements.matching.service import Inputs, compute
from tests.placements.matching.helpers import (
    PROPERTY,
    candidate,
    pools,
    random_candidate,
    random_vacancy,
    vacancy,
)

NATIONALITIES = ("MA", "TN", "NG", "SN")
BANDS: tuple[str | None, ...] = (*AGE_BANDS, None)
# Weights drawn for a property: six parts, any mix (0 included).
weights = st.builds(Weights, *[st.floats(0, 1, allow_nan=False)] * 6)


def _next(values: Sequence[Any], value: Any, step: int) -> Any:
    """Another value of ``values`` than ``value`` (``step`` places on, cyclically)."""
    return values[(values.index(value) + step) % len(values)]


def changed(candidates: Sequence[CandidateProfile], seed: int) -> list[CandidateProfile]:
    """The same candidates, each with another gender and another nationality."""
    rng = random.Random(seed)
    return [dataclasses.replace(
        c, gender=_next(GENDERS, c.gender, rng.randint(1, len(GENDERS) - 1)),
        nationality=_next(NATIONALITIES, c.nationality, rng.randint(1, len(NATIONALITIES) - 1)))
        for c in candidates]


def explanation_without_feasibility(explanation: scoring.Explanation) -> dict[str, object]:
    """What an explanation says of the score (all but feasibility)."""
    shown = explanation.as_dict()
    for key in ("feasible", "failed_constraints", "acceptable"):
        shown.pop(key)
    return shown


def score_differences(candidates: Sequence[CandidateProfile],
                      others: Sequence[CandidateProfile], vacancies: Sequence[VacancyProfile],
                      weights: Weights) -> list[str]:
    """Where scoring ``others`` differs from scoring ``candidates`` (the same people but for
    their protected characteristics), but for the eligible-nationality constraint: empty when
    nothing differs."""
    before, after = Scorer(encode(candidates, vacancies), weights), \
        Scorer(encode(others, vacancies), weights)
    found = []
    totals, _ = before.every_pair()
    totals_after, _ = after.every_pair()
    if not np.array_equal(totals, totals_after):  # to the last bit
        found.append(f"scores: {totals.tolist()} != {totals_after.tolist()}")
    for c in range(len(candidates)):
        for v in range(len(vacancies)):
            was = before.explain(c, v, min_score=0.0)
            now = after.explain(c, v, min_score=0.0)
            if explanation_without_feasibility(was) != explanation_without_feasibility(now):
                found.append(f"explanation of ({c}, {v})")
            # Only the legal condition on nationality may change whether a pair is feasible.
            if ([f for f in was.failed_constraints if f != "nationality"]
                    != [f for f in now.failed_constraints if f != "nationality"]):
                found.append(f"constraints of ({c}, {v})")
    return found


def wire(profile: CandidateProfile, *, age_band: str | None) -> MatchingProfile:
    """The candidates service's export line of ``profile``."""
    return MatchingProfile.model_validate({
        "candidate_id": profile.candidate_id, "gender": profile.gender,
        "nationality": profile.nationality, "skill_keys": list(profile.skill_keys),
        "skills": [{"label": key} for key in profile.skill_keys],
        "languages": [{"language": code, "level": level} for code, level in profile.languages],
        "education": [{"level": level, "field": field} for level, field in profile.education],
        "preferred_sectors": list(profile.preferred_sectors),
        "preferred_countries": list(profile.preferred_countries),
        "available_from_date": profile.available_from_date,
        "available_until_date": profile.available_until_date, "age_band": age_band})


def run_records(profiles: list[MatchingProfile], vacancies: Sequence[VacancyProfile],
                parameters: Parameters) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    """A whole run as the service computes it (:func:`compute`): its proposal rows without
    their ids (new at every run) and its summary."""
    outcome = compute(run_id=uuid.UUID(int=7), parameters=parameters,
                      inputs=Inputs(vacancies=list(vacancies), placed=set(), declined=set()),
                      profiles=profiles)
    return [record[1:] for record in outcome.records], outcome.summary


class TestScores:
    @PROPERTY
    @given(pools(max_candidates=6, max_vacancies=4), weights, st.integers(0, 2**32 - 1))
    def test_no_score_or_explanation_changes_with_gender_or_nationality(
            self, pool: tuple[list[CandidateProfile], list[VacancyProfile]], weights: Weights,
            seed: int) -> None:
        candidates, vacancies = pool
        others = changed(candidates, seed)
        assert all(a.gender != b.gender and a.nationality != b.nationality
                   for a, b in zip(candidates, others, strict=True))
        assert score_differences(candidates, others, vacancies, weights) == []

    def test_the_scores_parts_never_touch_the_encoded_gender_or_nationality(self) -> None:
        candidates, vacancies = _pool(random.Random(3))
        problem = encode(candidates, vacancies)
        # The candidates' gender and nationality tables replaced by ones that fail when read.
        blind = dataclasses.replace(problem, gender=_Unreadable("gender"),
                                    nationality=_Unreadable("nationality"))
        rows = slice(0, len(candidates))
        r, v = np.divmod(np.arange(len(candidates) * len(vacancies)), len(vacancies))
        seeing, not_seeing = Scorer(problem, Weights()), Scorer(blind, Weights())
        expected = seeing.shares(rows, r, v)
        got = not_seeing.shares(rows, r, v)
        assert all(np.array_equal(expected[part], got[part]) for part in scoring.PARTS)
        assert np.array_equal(seeing.total(expected), not_seeing.total(got))

    def test_eligible_nationalities_decide_feasibility_not_the_score(self) -> None:
        v = vacancy(eligible_nationalities=["MA"])
        moroccan, tunisian = candidate(nationality="MA"), candidate(nationality="TN")
        was = Scorer(encode([moroccan], [v]), Weights()).explain(0, 0, min_score=0.0)
        now = Scorer(encode([tunisian], [v]), Weights()).explain(0, 0, min_score=0.0)
        assert (was.feasible, was.failed_constraints) == (True, [])
        assert (now.feasible, now.failed_constraints) == (False, ["nationality"])
        assert explanation_without_feasibility(was) == explanation_without_feasibility(now)


class _Unreadable:
    """An encoded column that fails the test when anything reads it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getitem__(self, key: object) -> NoReturn:
        raise AssertionError(f"scoring read the candidates' {self.name}")

    def __array__(self, *args: object, **kwargs: object) -> NoReturn:
        raise AssertionError(f"scoring read the candidates' {self.name}")


def _pool(rng: random.Random, n_candidates: int = 12, n_vacancies: int = 5,
          ) -> tuple[list[CandidateProfile], list[VacancyProfile]]:
    """A pool from ``rng`` with room for contention (more candidates than seats); every
    vacancy admits any nationality, so that feasibility cannot change with it."""
    return ([dataclasses.replace(random_candidate(rng, i), nationality=rng.choice(NATIONALITIES))
             for i in range(n_candidates)],
            [dataclasses.replace(random_vacancy(rng, j), eligible_nationalities=None)
             for j in range(n_vacancies)])


class TestWholeRun:
    @pytest.mark.parametrize("algorithm", ["optimal", "stable"])
    @pytest.mark.parametrize("seed", range(8))
    def test_without_a_gender_share_nothing_a_run_decides_changes(self, algorithm: str,
                                                                  seed: int) -> None:
        rng = random.Random(seed)
        candidates, vacancies = _pool(rng)
        others = changed(candidates, seed)
        bands = [rng.choice(BANDS) for _ in candidates]
        profiles = [wire(c, age_band=band) for c, band in zip(candidates, bands, strict=True)]
        moved = [wire(c, age_band=_next(BANDS, band, 1))
                 for c, band in zip(others, bands, strict=True)]
        parameters = Parameters.model_validate({"algorithm": algorithm, "min_score": 0.2})
        records, summary = run_records(profiles, vacancies, parameters)
        records_after, summary_after = run_records(moved, vacancies, parameters)
        assert records, "the pool proposes someone"
        # Each row: run, candidate, vacancy, employer, score, explanation (JSON text), profile
        # snapshot, then gender, nationality and age band: all but the last three the same.
        assert [r[:-3] for r in records] == [r[:-3] for r in records_after]
        assert all(r[-3:] != s[-3:] for r, s in zip(records, records_after, strict=True))
        # The run's figures too, but those counted by group.
        by_group = {"placed_by_gender", "fairness"}
        assert {k: v for k, v in summary.items() if k not in by_group} == {
            k: v for k, v in summary_after.items() if k not in by_group}

    def test_the_gender_share_is_the_one_step_that_reads_gender(self) -> None:
        # Two candidates for one seat: the first fits better (SQL); a share of women decides.
        better = candidate(n=1, gender="male", skill_keys=["python", "sql"])
        other = candidate(n=2, gender="female", skill_keys=["python"])
        seat = vacancy(nice_to_have_skills=["sql"])
        balanced = MatchingParameters(gender_min_share={"female": 1.0})

        def chosen(pool: list[CandidateProfile]) -> list[tuple[int, float]]:
            result = run_matching(pool, [seat], balanced)
            return [(a.candidate_id.int, a.score) for a in result.assignments]

        scores = [run_matching([c], [seat]).assignments[0].score for c in (better, other)]
        assert chosen([better, other]) == [(2, scores[1])]
        swapped = [dataclasses.replace(better, gender="female"),
                   dataclasses.replace(other, gender="male")]
        assert chosen(swapped) == [(1, scores[0])]
        # The scores themselves did not move.
        assert [run_matching([c], [seat]).assignments[0].score for c in swapped] == scores


# What a wrongly written scorer would favour.
FAVOURED = {"gender": "female", "nationality": "MA"}


@contextmanager
def scorer_reading(monkeypatch: pytest.MonkeyPatch, column: str) -> Iterator[None]:
    """Scoring that (wrongly) adds a bonus to the candidates of one gender or nationality."""
    shares = Scorer.shares

    def biased(self: Scorer, rows: slice, r: np.ndarray, v: np.ndarray,
               ) -> dict[str, np.ndarray]:
        parts = shares(self, rows, r, v)
        problem: Problem = self.problem
        c = r + rows.indices(len(problem.candidates))[0]
        favoured = np.array([getattr(problem.candidates[i], column) == FAVOURED[column]
                             for i in c.tolist()], dtype=bool)
        parts["sector"] = parts["sector"] + 0.01 * favoured
        return parts

    with monkeypatch.context() as patch:
        patch.setattr(Scorer, "shares", biased)
        yield


class TestTheseTestsHaveTeeth:
    @pytest.mark.parametrize("column", ["gender", "nationality"])
    def test_a_scorer_reading_a_protected_characteristic_is_caught(
            self, monkeypatch: pytest.MonkeyPatch, column: str) -> None:
        candidates, vacancies = _pool(random.Random(5))
        assert any(getattr(c, column) == FAVOURED[column] for c in candidates)
        others = changed(candidates, 5)
        assert score_differences(candidates, others, vacancies, Weights()) == []
        with scorer_reading(monkeypatch, column):
            assert score_differences(candidates, others, vacancies, Weights()) != []

"""Hard constraints: edge cases by hand, then the matrix against the pair-by-pair reference."""

from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings

from services.placements.matching.constraints import failures, feasible
from services.placements.matching.encoding import encode
from services.placements.matching.inputs import CandidateProfile, VacancyProfile, add_months
from tests.placements.matching.helpers import (
    PROPERTY,
    START,
    candidate,
    pools,
    reference_feasible,
    vacancy,
)


def ok(c: CandidateProfile, v: VacancyProfile, *, exclusions: tuple = ()) -> bool:
    problem = encode([c], [v], exclusions)
    return bool(feasible(problem, slice(0, 1))[0, 0])


class TestLanguages:
    def test_exactly_at_the_minimum_passes(self) -> None:
        assert ok(candidate(languages=[("fr", "B1")]), vacancy(required_languages=[("fr", "B1")]))

    def test_one_level_below_fails(self) -> None:
        c, v = candidate(languages=[("fr", "A2")]), vacancy(required_languages=[("fr", "B1")])
        assert not ok(c, v)
        assert failures(encode([c], [v]), 0, 0) == ["languages: fr A2 < B1"]

    def test_not_spoken_fails(self) -> None:
        c, v = candidate(languages=[("en", "C2")]), vacancy(required_languages=[("fr", "A1")])
        assert not ok(c, v)
        assert failures(encode([c], [v]), 0, 0) == ["languages: fr none < A1"]

    def test_every_required_language_counts(self) -> None:
        v = vacancy(required_languages=[("fr", "B1"), ("en", "B2")])
        assert ok(candidate(languages=[("fr", "B1"), ("en", "C1")]), v)
        assert not ok(candidate(languages=[("fr", "C2"), ("en", "B1")]), v)

    def test_best_of_a_language_listed_twice(self) -> None:
        assert ok(candidate(languages=[("fr", "A1"), ("fr", "B2")]),
                  vacancy(required_languages=[("fr", "B2")]))

    def test_no_requirement_passes_everyone(self) -> None:
        assert ok(candidate(languages=[]), vacancy(required_languages=[]))


class TestAvailability:
    # The default vacancy runs 2026-09-01 .. 2027-02-28 (6 months, last day inclusive).
    LAST = date(2027, 2, 28)

    def test_last_day_of_a_six_month_stay(self) -> None:
        assert vacancy().last_date == self.LAST
        assert vacancy(end_date=date(2027, 1, 15), duration_months=None).last_date == \
            date(2027, 1, 15)

    def test_bounds_on_the_stay_dates_cover_it(self) -> None:
        assert ok(candidate(available_from_date=START, available_until_date=self.LAST),
                  vacancy())

    def test_available_one_day_late_fails(self) -> None:
        assert not ok(candidate(available_from_date=START + timedelta(days=1)), vacancy())

    def test_leaving_one_day_early_fails(self) -> None:
        c = candidate(available_until_date=self.LAST - timedelta(days=1))
        assert not ok(c, vacancy())
        assert failures(encode([c], [vacancy()]), 0, 0) == ["availability"]

    def test_open_ended_bounds_cover_everything(self) -> None:
        assert ok(candidate(available_from_date=None, available_until_date=None),
                  vacancy(duration_months=240))


class TestDestination:
    def test_empty_preferences_mean_any_country(self) -> None:
        assert ok(candidate(preferred_countries=[]), vacancy(country="LT"))

    def test_listed_country_passes_and_others_fail(self) -> None:
        c = candidate(preferred_countries=["FR", "IT"])
        assert ok(c, vacancy(country="IT"))
        assert not ok(c, vacancy(country="DE"))


class TestNationalityAndExclusion:
    def test_eligible_nationalities(self) -> None:
        assert ok(candidate(nationality="TN"), vacancy(eligible_nationalities=None))
        assert ok(candidate(nationality="TN"), vacancy(eligible_nationalities=["MA", "TN"]))
        assert not ok(candidate(nationality="NG"), vacancy(eligible_nationalities=["MA"]))
        assert not ok(candidate(), vacancy(eligible_nationalities=[]))

    def test_excluded_pair(self) -> None:
        c, v = candidate(), vacancy()
        assert not ok(c, v, exclusions=((c.candidate_id, v.vacancy_id),))
        assert failures(encode([c], [v], [(c.candidate_id, v.vacancy_id)]), 0, 0) == \
            ["exclusion"]

    def test_unknown_ids_in_exclusions_are_ignored(self) -> None:
        c, v = candidate(), vacancy()
        assert ok(c, v, exclusions=((v.vacancy_id, c.candidate_id),))


class TestDates:
    def test_add_months_clamps_to_the_month_end(self) -> None:
        assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
        assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


class TestAgainstReference:
    @settings(PROPERTY, max_examples=100)
    @given(pools(max_candidates=6, max_vacancies=4))
    def test_matrix_equals_pair_by_pair(self, pool: tuple[list, list]) -> None:
        candidates, vacancies = pool
        exclusions = [(candidates[0].candidate_id, vacancies[-1].vacancy_id)]
        problem = encode(candidates, vacancies, exclusions)
        expected = np.array([[reference_feasible(c, v, exclusions) for v in vacancies]
                             for c in candidates])
        # In blocks of two rows too, as the scorer runs them.
        blocks = [feasible(problem, slice(s, s + 2)) for s in range(0, len(candidates), 2)]
        assert (np.vstack(blocks) == expected).all()
        for i, j in zip(*np.nonzero(~expected), strict=True):
            assert failures(problem, int(i), int(j))

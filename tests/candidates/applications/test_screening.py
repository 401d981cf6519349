"""Eligibility rules as a pure function: each rule, its boundary and its reason code."""

from datetime import date

from services.candidates.applications.screening import (
    CandidateFacts,
    age_on,
    best_levels,
    screen,
)

CLOSES = date(2026, 3, 31)
RULES = {"min_age": 20, "max_age": 30, "min_education_level": "bachelor",
         "required_languages": [{"language": "fr", "min_level": "B2"},
                                {"language": "en", "min_level": "B1"}]}


def facts(**overrides: object) -> CandidateFacts:
    values: dict[str, object] = {
        "date_of_birth": date(2000, 5, 17), "nationality": "MA",
        "education_levels": ("upper_secondary", "bachelor"),
        "languages": {"fr": "C1", "en": "B1", "ar": "C2"},
    }
    values.update(overrides)
    return CandidateFacts(**values)  # type: ignore[arg-type]


def codes(candidate: CandidateFacts, rules: dict[str, object] = RULES,
          origin: tuple[str, ...] = ("MA", "TN")) -> list[str]:
    return [r.code for r in screen(candidate, rules=rules, origin_countries=origin,
                                   reference_date=CLOSES).reasons]


class TestAge:
    def test_age_counts_full_years_on_the_reference_day(self) -> None:
        assert age_on(date(2006, 3, 31), CLOSES) == 20
        assert age_on(date(2006, 4, 1), CLOSES) == 19
        assert age_on(date(2004, 2, 29), date(2026, 2, 28)) == 21

    def test_twentieth_birthday_on_closing_day_passes(self) -> None:
        assert screen(facts(date_of_birth=date(2006, 3, 31)), rules=RULES,
                      origin_countries=["MA"], reference_date=CLOSES).eligible

    def test_below_minimum(self) -> None:
        outcome = screen(facts(date_of_birth=date(2006, 4, 1)), rules=RULES,
                         origin_countries=["MA"], reference_date=CLOSES)
        assert not outcome.eligible
        [reason] = outcome.reasons
        assert (reason.code, reason.rule, reason.required, reason.actual) == (
            "age_below_minimum", "min_age", 20, 19)
        assert "2026-03-31" in reason.detail

    def test_above_maximum(self) -> None:
        assert codes(facts(date_of_birth=date(1995, 3, 30))) == ["age_above_maximum"]
        assert codes(facts(date_of_birth=date(1995, 4, 1))) == ["passed"] * 6


class TestNationality:
    def test_defaults_to_origin_countries(self) -> None:
        assert codes(facts(nationality="NG")) == ["nationality_not_admitted"]
        assert "passed" in codes(facts(nationality="TN"))

    def test_explicit_list_overrides_origin(self) -> None:
        rules = {**RULES, "nationalities": ["NG", "SN"]}
        assert codes(facts(nationality="MA"), rules) == ["nationality_not_admitted"]
        assert set(codes(facts(nationality="SN"), rules)) == {"passed"}


class TestEducation:
    def test_highest_level_counts(self) -> None:
        assert set(codes(facts(education_levels=("master", "upper_secondary")))) == {"passed"}

    def test_below_minimum(self) -> None:
        assert codes(facts(education_levels=("short_tertiary",))) == ["education_below_minimum"]

    def test_none_recorded(self) -> None:
        outcome = screen(facts(education_levels=()), rules=RULES, origin_countries=["MA"],
                         reference_date=CLOSES)
        assert [r.code for r in outcome.reasons] == ["education_below_minimum"]
        assert outcome.reasons[0].actual is None


class TestLanguages:
    def test_missing_and_below_are_both_reported(self) -> None:
        outcome = screen(facts(languages={"fr": "B1"}), rules=RULES, origin_countries=["MA"],
                         reference_date=CLOSES)
        assert [(r.code, r.rule, r.required, r.actual) for r in outcome.reasons] == [
            ("language_below_minimum", "required_languages.fr", "B2", "B1"),
            ("language_missing", "required_languages.en", "B1", None),
        ]

    def test_best_level_of_duplicates(self) -> None:
        assert best_levels([{"language": "fr", "level": "A2"}, {"language": "fr", "level": "C1"},
                            {"language": "en", "level": "Z9"}]) == {"fr": "C1"}


class TestOutcome:
    def test_every_failing_rule_is_listed(self) -> None:
        candidate = facts(date_of_birth=date(1980, 1, 1), nationality="NG",
                          education_levels=("primary",), languages={})
        assert codes(candidate) == ["age_above_maximum", "nationality_not_admitted",
                                    "education_below_minimum", "language_missing",
                                    "language_missing"]

    def test_eligible_keeps_the_passed_rules(self) -> None:
        outcome = screen(facts(), rules=RULES, origin_countries=["MA"], reference_date=CLOSES)
        assert outcome.eligible and outcome.status == "eligible"
        assert [r.rule for r in outcome.reasons] == [
            "min_age", "max_age", "nationalities", "min_education_level",
            "required_languages.fr", "required_languages.en"]
        assert {r.code for r in outcome.reasons} == {"passed"}

    def test_no_rules_still_checks_nationality(self) -> None:
        assert codes(facts(), {}, ("MA",)) == ["passed"]
        assert codes(facts(), {}, ("TN",)) == ["nationality_not_admitted"]


class TestTargetGroup:
    def test_gender_not_admitted(self) -> None:
        rules = {"genders": ["female"]}
        assert codes(facts(gender="male"), rules) == ["gender_not_admitted"]
        assert codes(facts(gender="female"), rules) == ["passed", "passed"]

    def test_residence_not_admitted(self) -> None:
        rules = {"residence_countries": ["MA"]}
        assert codes(facts(residence_country="ES"), rules) == ["residence_not_admitted"]
        assert codes(facts(residence_country="MA"), rules) == ["passed", "passed"]

    def test_first_time_only(self) -> None:
        rules = {"first_time_only": True}
        outcome = screen(facts(placed_in=("HOMERE-2025",)), rules=rules,
                         origin_countries=["MA"], reference_date=CLOSES)
        [reason] = outcome.reasons
        assert (reason.code, reason.rule, reason.actual) == (
            "prior_participation", "first_time_only", ["HOMERE-2025"])
        assert codes(facts(), rules) == ["passed", "passed"]
        assert set(codes(facts(placed_in=("HOMERE-2025",)))) == {"passed"}  # rule not set

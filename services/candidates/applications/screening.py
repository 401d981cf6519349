"""Eligibility screening: a pure function of the candidate's profile and the programme's rules.

Rules (``programme.eligibility``), each checked independently so that an ineligible candidate
learns every reason at once:

=====================  =========================================  ==========================
rule                   passes when                                failure code
=====================  =========================================  ==========================
``min_age``            age on the intake's closing day >= min     ``age_below_minimum``
``max_age``            age on the intake's closing day <= max     ``age_above_maximum``
``nationalities``      nationality in the list (absent: the       ``nationality_not_admitted``
                       programme's origin countries)
``residence_countries`` country of residence in the list          ``residence_not_admitted``
``genders``            the profile's gender in the list           ``gender_not_admitted``
``min_education_level`` highest education level >= the minimum   ``education_below_minimum``
                       (ISCED order, :func:`education_rank`)
``required_languages`` per language: spoken at >= ``min_level``    ``language_missing`` /
                       (CEFR order, :func:`cefr_rank`)            ``language_below_minimum``
``first_time_only``    never placed (placed or returned) in       ``prior_participation``
                       another programme
suspended origins      nationality not among the origins the      ``origin_suspended``
                       programme suspended (checked when it has
                       any; rule ``suspended_origins``)
=====================  =========================================  ==========================

A reason is ``{code, rule, detail, required, actual}``: ``code`` is the stable machine-readable
outcome, ``rule`` names the rule (``required_languages.fr`` for one language), ``detail`` is a
sentence for people and ``required``/``actual`` the values compared.

Stored reasons: an **ineligible** application keeps only its failing rules (the answer to "why
not?"); an **eligible** one keeps every rule it was checked against with code ``passed``, so an
officer can see what was verified. A programme with no rules at all still checks nationality
against its origin countries, so an eligible application always has at least one reason.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.candidates.vocabulary import CEFR_LEVELS, EDUCATION_LEVELS, cefr_rank, education_rank

PASSED = "passed"


@dataclass(frozen=True, slots=True)
class CandidateFacts:
    """What screening and scoring read from a candidate profile."""

    date_of_birth: date
    nationality: str
    gender: str = "undisclosed"
    education_levels: tuple[str, ...] = ()
    languages: Mapping[str, str] = field(default_factory=dict)  # ISO 639-1 -> best CEFR level
    preferred_sectors: tuple[str, ...] = ()
    residence_country: str | None = None
    placed_in: tuple[str, ...] = ()  # codes of other programmes that placed the candidate

    @property
    def highest_education(self) -> str | None:
        """The highest known education level, or None without any."""
        known = [lvl for lvl in self.education_levels if lvl in EDUCATION_LEVELS]
        return max(known, key=education_rank) if known else None


def best_levels(languages: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """``{language: best CEFR level}`` from profile entries ``{language, level}``.

    A language listed twice counts at its better level; unknown levels are ignored rather than
    failing the whole screening.
    """
    best: dict[str, str] = {}
    for entry in languages:
        language, level = entry.get("language"), entry.get("level")
        if not isinstance(language, str) or level not in CEFR_LEVELS:
            continue
        if language not in best or cefr_rank(level) > cefr_rank(best[language]):
            best[language] = level
    return best


@dataclass(frozen=True, slots=True)
class Reason:
    """One rule's outcome for one application."""

    code: str
    rule: str
    detail: str
    required: Any = None
    actual: Any = None

    @property
    def failed(self) -> bool:
        """Whether this reason makes the application ineligible."""
        return self.code != PASSED

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape stored in ``application.screening_reasons``."""
        return {"code": self.code, "rule": self.rule, "detail": self.detail,
                "required": self.required, "actual": self.actual}


@dataclass(frozen=True, slots=True)
class Outcome:
    """The verdict of screening and the reasons to store with it."""

    eligible: bool
    reasons: list[Reason]

    @property
    def status(self) -> str:
        """The application status this outcome leads to."""
        return "eligible" if self.eligible else "ineligible"


def age_on(born: date, on: date) -> int:
    """Full years of someone born on ``born`` on the day ``on``."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _admitted(rule: str, code: str, what: tuple[str, str], actual: str | None,
              admitted: Iterable[str]) -> Reason:
    """Passed when ``actual`` is among ``admitted``, else ``code``; ``what`` names the value
    in the singular and the admitted ones in the plural, for the sentence."""
    values = sorted(admitted)
    ok = actual in values
    return Reason(PASSED if ok else code, rule,
                  f"{what[0]} {actual} is {'' if ok else 'not '}among the admitted {what[1]} "
                  f"({', '.join(values)}).", values, actual)


def evaluate(candidate: CandidateFacts, *, rules: Mapping[str, Any],
             origin_countries: Iterable[str], reference_date: date,
             suspended_origins: Iterable[str] = ()) -> list[Reason]:
    """Every rule's outcome, passed or failed, in a fixed order (age, nationality, …)."""
    reasons: list[Reason] = []
    age = age_on(candidate.date_of_birth, reference_date)
    on = reference_date.isoformat()

    min_age = rules.get("min_age")
    if min_age is not None:
        ok = age >= min_age
        reasons.append(Reason(
            PASSED if ok else "age_below_minimum", "min_age",
            f"Age {age} on {on} is {'at least' if ok else 'below'} the minimum of {min_age}.",
            min_age, age))
    max_age = rules.get("max_age")
    if max_age is not None:
        ok = age <= max_age
        reasons.append(Reason(
            PASSED if ok else "age_above_maximum", "max_age",
            f"Age {age} on {on} is {'within' if ok else 'above'} the maximum of {max_age}.",
            max_age, age))

    reasons.append(_admitted("nationalities", "nationality_not_admitted",
                             ("Nationality", "nationalities"), candidate.nationality,
                             rules.get("nationalities") or origin_countries))
    suspended = sorted(suspended_origins)
    if suspended:
        hit = candidate.nationality in suspended
        reasons.append(Reason(
            "origin_suspended" if hit else PASSED, "suspended_origins",
            f"Nationality {candidate.nationality} is {'' if hit else 'not '}among the origins "
            f"the programme suspended ({', '.join(suspended)}).", suspended,
            candidate.nationality))
    if rules.get("residence_countries"):
        reasons.append(_admitted("residence_countries", "residence_not_admitted",
                                 ("Residence", "countries of residence"),
                                 candidate.residence_country,
                                 rules["residence_countries"]))
    if rules.get("genders"):
        reasons.append(_admitted("genders", "gender_not_admitted", ("Gender", "genders"),
                                 candidate.gender,
                                 rules["genders"]))

    min_level = rules.get("min_education_level")
    if min_level is not None:
        highest = candidate.highest_education
        ok = highest is not None and education_rank(highest) >= education_rank(min_level)
        detail = (f"No education recorded; at least {min_level} is required." if highest is None
                  else f"Highest education {highest} is {'at least' if ok else 'below'} "
                  f"the minimum {min_level}.")
        reasons.append(Reason(PASSED if ok else "education_below_minimum",
                              "min_education_level", detail, min_level, highest))

    for requirement in rules.get("required_languages") or ():
        language, needed = requirement["language"], requirement["min_level"]
        rule = f"required_languages.{language}"
        spoken = candidate.languages.get(language)
        if spoken is None:
            reasons.append(Reason("language_missing", rule,
                                  f"Language '{language}' is required at {needed} or above "
                                  "but is not in the profile.", needed, None))
        elif cefr_rank(spoken) < cefr_rank(needed):
            reasons.append(Reason("language_below_minimum", rule,
                                  f"Language '{language}' is at {spoken}, below the required "
                                  f"{needed}.", needed, spoken))
        else:
            reasons.append(Reason(PASSED, rule, f"Language '{language}' is at {spoken}, at least "
                                  f"the required {needed}.", needed, spoken))

    if rules.get("first_time_only"):
        placed = sorted(candidate.placed_in)
        reasons.append(Reason(
            "prior_participation" if placed else PASSED, "first_time_only",
            f"Already placed through {', '.join(placed)}; the programme admits first-time "
            "participants only." if placed else "Never placed through another programme.",
            [], placed))
    return reasons


def screen(candidate: CandidateFacts, *, rules: Mapping[str, Any],
           origin_countries: Iterable[str], reference_date: date,
           suspended_origins: Iterable[str] = ()) -> Outcome:
    """Eligible when every rule passes; the reasons to store follow the module docstring."""
    reasons = evaluate(candidate, rules=rules, origin_countries=origin_countries,
                       reference_date=reference_date, suspended_origins=suspended_origins)
    failed = [r for r in reasons if r.failed]
    return Outcome(eligible=not failed, reasons=failed or reasons)

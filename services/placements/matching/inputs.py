"""What a matching run reads: candidates' matching profiles, vacancies and the run's parameters.

Plain frozen dataclasses, no pydantic and no database: the engine is a pure function of these,
so the placements service can build them from its tables (vacancies) and from the candidates
service's matching-profile export (candidates), and the tests and the benchmark can build them
directly. Codes follow the project's vocabulary: countries ISO 3166-1 alpha-2, languages
ISO 639-1 with CEFR levels, skills as lower-cased labels or ESCO URIs.
"""

import calendar
import math
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Final, Literal

from shared.i18n import _

# The candidates service owns this vocabulary; services never import each other, so the
# matching engine keeps its own copy of the two orders it compares with.
CEFR_LEVELS: Final = ("A1", "A2", "B1", "B2", "C1", "C2")
GENDERS: Final = ("female", "male", "other", "undisclosed")

Algorithm = Literal["optimal", "stable"]


def cefr_rank(level: str) -> int:
    """0 for A1 up to 5 for C2; ValueError for anything else."""
    try:
        return CEFR_LEVELS.index(level.upper())
    except ValueError:
        raise ValueError(f"'{level}' is not a CEFR level (A1..C2)") from None


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` calendar months on, clamped to the month's end.

    January 31 plus one month is February 28 (or 29).
    """
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


@dataclass(frozen=True, slots=True)
class CandidateProfile:
    """A candidate as matching sees them (the candidates service's export; no names)."""

    candidate_id: uuid.UUID
    gender: str  # one of GENDERS
    nationality: str  # alpha-2
    skill_keys: Sequence[str] = ()
    languages: Sequence[tuple[str, str]] = ()  # (ISO 639-1, CEFR level)
    education: Sequence[tuple[str, str | None]] = ()  # (ISCED level name, field)
    preferred_sectors: Sequence[str] = ()
    preferred_countries: Sequence[str] = ()  # empty: accepts any destination
    available_from_date: date | None = None  # None: available now
    available_until_date: date | None = None  # None: open-ended; inclusive last day otherwise


@dataclass(frozen=True, slots=True)
class VacancyProfile:
    """A vacancy with what matching compares: seats, place, dates, skills and languages.

    The stay runs from ``start_date`` to ``last_date``: ``end_date`` when given, taken as the
    last day (inclusive), else the day before ``start_date + duration_months`` (6 months from
    1 September: last day 28 February); one of the two is required.
    """

    vacancy_id: uuid.UUID
    employer_id: uuid.UUID
    seats: int
    sector: str
    country: str  # alpha-2
    city: str | None  # not compared; carried for the officers' views
    start_date: date
    duration_months: int | None = None
    end_date: date | None = None
    required_skills: Sequence[str] = ()
    nice_to_have_skills: Sequence[str] = ()
    required_languages: Sequence[tuple[str, str]] = ()  # (ISO 639-1, minimum CEFR level)
    education_field: str | None = None
    eligible_nationalities: Sequence[str] | None = None  # None: any nationality

    def __post_init__(self) -> None:
        if self.seats < 1:
            raise ValueError(f"vacancy {self.vacancy_id}: seats must be at least 1")
        if self.end_date is None and self.duration_months is None:
            raise ValueError(f"vacancy {self.vacancy_id}: needs end_date or duration_months")
        if self.last_date < self.start_date:
            raise ValueError(f"vacancy {self.vacancy_id}: ends before it starts")

    @property
    def last_date(self) -> date:
        """The last day of the stay (inclusive)."""
        if self.end_date is not None:
            return self.end_date
        assert self.duration_months is not None  # __post_init__ guarantees one of the two
        return add_months(self.start_date, self.duration_months) - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each part of the score counts; each part is a share in [0, 1].

    The defaults add up to 1, so a score is in [0, 1] too. Required skills weigh most: a
    vacancy is first of all its job.
    """

    skills_required: float = 0.40
    skills_nice: float = 0.15
    language_surplus: float = 0.10
    sector: float = 0.15
    location: float = 0.10
    education: float = 0.10

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(_("weight {name} must be a finite number >= 0", name=f.name))

    def as_dict(self) -> dict[str, float]:
        """``{part: weight}`` in the formula's order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class MatchingParameters:
    """A run's parameters; everything but the pools.

    ``min_score`` is on the score's scale (0..1 with the default weights); pairs below it are
    never assigned. ``gender_min_share`` maps a gender to the minimum share of the placements
    it should get (``{"female": 0.4}``); ``max_per_employer`` caps the placements at any one
    employer. Both apply to ``optimal`` only (``stable`` reports them unmet), and
    ``time_limit_seconds`` bounds their solve. ``candidate_ranks``/``vacancy_ranks`` are
    explicit preference lists for ``stable`` (best first); an agent absent from a given mapping
    ranks by score.
    """

    weights: Weights = field(default_factory=Weights)
    min_score: float = 0.0
    algorithm: Algorithm = "optimal"
    exclusions: Collection[tuple[uuid.UUID, uuid.UUID]] = ()  # (candidate_id, vacancy_id)
    gender_min_share: Mapping[str, float] = field(default_factory=dict)
    max_per_employer: int | None = None
    candidate_ranks: Mapping[uuid.UUID, Sequence[uuid.UUID]] | None = None
    vacancy_ranks: Mapping[uuid.UUID, Sequence[uuid.UUID]] | None = None
    time_limit_seconds: float = 60.0  # for the solve when optional constraints are set

    def __post_init__(self) -> None:
        if self.algorithm not in ("optimal", "stable"):
            raise ValueError(_("unknown algorithm '{algorithm}'", algorithm=self.algorithm))
        if not math.isfinite(self.min_score):
            raise ValueError(_("min_score must be a finite number"))
        for gender, share in self.gender_min_share.items():
            if gender not in GENDERS:
                raise ValueError(_("gender_min_share: unknown gender '{gender}'", gender=gender))
            if not 0 <= share <= 1:
                raise ValueError(_("gender_min_share[{gender}] must be in [0, 1]",
                                   gender=gender))
        if self.max_per_employer is not None and self.max_per_employer < 0:
            raise ValueError(_("max_per_employer must be >= 0"))

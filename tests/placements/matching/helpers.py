"""Factories, hypothesis strategies and slow, obvious reference versions of the engine's rules.

The references work pair by pair on the profiles, in plain Python, so the tests compare the
vectorised engine with a second, independent reading of the module docstrings.
"""

import itertools
import math
import random
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

from services.placements.matching.inputs import (
    CEFR_LEVELS,
    CandidateProfile,
    VacancyProfile,
    Weights,
)

EMPLOYER_A = uuid.UUID(int=0xE1)
EMPLOYER_B = uuid.UUID(int=0xE2)
START = date(2026, 9, 1)


def candidate(*, n: int = 1, **overrides: Any) -> CandidateProfile:
    """A candidate who speaks French at B2, likes ICT, accepts any destination."""
    values: dict[str, Any] = {
        "candidate_id": uuid.UUID(int=n), "gender": "female", "nationality": "MA",
        "skill_keys": ["python"], "languages": [("fr", "B2")],
        "education": [("bachelor", "engineering")], "preferred_sectors": ["ict"],
        "preferred_countries": [], "available_from_date": None, "available_until_date": None,
    }
    values.update(overrides)
    return CandidateProfile(**values)


def vacancy(*, n: int = 1, **overrides: Any) -> VacancyProfile:
    """A one-seat ICT vacancy in France from 2026-09-01 for 6 months, French B1 required."""
    values: dict[str, Any] = {
        "vacancy_id": uuid.UUID(int=1000 + n), "employer_id": EMPLOYER_A, "seats": 1,
        "sector": "ict", "country": "FR", "city": "Lyon", "start_date": START,
        "duration_months": 6, "required_skills": ["python"], "nice_to_have_skills": [],
        "required_languages": [("fr", "B1")], "education_field": None,
        "eligible_nationalities": None,
    }
    values.update(overrides)
    return VacancyProfile(**values)


# -- reference rules -----------------------------------------------------------------------


def reference_feasible(c: CandidateProfile, v: VacancyProfile,
                       exclusions: Sequence[tuple[uuid.UUID, uuid.UUID]] = ()) -> bool:
    """The hard constraints of ``constraints.py``, pair by pair."""
    spoken: dict[str, int] = {}
    for code, level in c.languages:
        spoken[code] = max(spoken.get(code, -1), CEFR_LEVELS.index(level))
    languages = all(spoken.get(code, -1) >= CEFR_LEVELS.index(level)
                    for code, level in v.required_languages)
    available = ((c.available_from_date is None or c.available_from_date <= v.start_date)
                 and (c.available_until_date is None or c.available_until_date >= v.last_date))
    destination = not c.preferred_countries or v.country in c.preferred_countries
    nationality = v.eligible_nationalities is None or c.nationality in v.eligible_nationalities
    return (languages and available and destination and nationality
            and (c.candidate_id, v.vacancy_id) not in set(exclusions))


def reference_score(c: CandidateProfile, v: VacancyProfile, weights: Weights) -> float:
    """The formula of ``scoring.py``, pair by pair."""
    has = set(c.skill_keys)
    required, nice = set(v.required_skills), set(v.nice_to_have_skills)
    spoken: dict[str, int] = {}
    for code, level in c.languages:
        spoken[code] = max(spoken.get(code, -1), CEFR_LEVELS.index(level))
    minimum: dict[str, int] = {}
    for code, level in v.required_languages:
        minimum[code] = max(minimum.get(code, -1), CEFR_LEVELS.index(level))
    surplus = sum(max(0, min(spoken.get(code, -1) - level, 3)) for code, level in minimum.items())
    shares = {
        "skills_required": len(required & has) / len(required) if required else 1.0,
        "skills_nice": len(nice & has) / len(nice) if nice else 0.0,
        "language_surplus": surplus / (3 * len(minimum)) if minimum else 0.0,
        "sector": float(v.sector in c.preferred_sectors),
        "location": float(v.country in c.preferred_countries),
        "education": float(v.education_field is not None and any(
            f is not None and f.lower() == v.education_field.lower() for _, f in c.education)),
    }
    return sum(shares[part] * weight for part, weight in weights.as_dict().items())


def assignments(options: Sequence[Sequence[int]],
                seats: Sequence[int]) -> Iterator[tuple[int, ...]]:
    """Every assignment (vacancy per candidate, -1 for none) within ``options`` and seats."""
    for choice in itertools.product(*[[-1, *o] for o in options]):
        used = Counter(v for v in choice if v >= 0)
        if all(used[v] <= seats[v] for v in used):
            yield choice


def brute_force_optimum(score: Sequence[Sequence[float]], acceptable: Sequence[Sequence[bool]],
                        seats: Sequence[int], *, employer: Sequence[int] | None = None,
                        cap: int | None = None, gender: Sequence[str] = (),
                        shares: Mapping[str, float] | None = None) -> tuple[float, int]:
    """The best total and its total shortfall, by the rules of ``assignment.py``.

    Valid assignments respect acceptability, seats and the cap; the gender targets are
    ``ceil(share * most placements)``; the least total shortfall wins, then the best score.
    """
    options = [[v for v, ok in enumerate(row) if ok] for row in acceptable]
    valid = []
    for choice in assignments(options, seats):
        if cap is not None and employer is not None:
            per_employer = Counter(employer[v] for v in choice if v >= 0)
            if any(n > cap for n in per_employer.values()):
                continue
        valid.append(choice)
    most = max(sum(v >= 0 for v in choice) for choice in valid)
    targets = {g: math.ceil(s * most - 1e-9) for g, s in (shares or {}).items() if s > 0}

    def shortfall(choice: tuple[int, ...]) -> int:
        placed = Counter(gender[c] for c, v in enumerate(choice) if v >= 0)
        return sum(max(0, t - placed[g]) for g, t in targets.items())

    def total(choice: tuple[int, ...]) -> float:
        return sum(score[c][v] for c, v in enumerate(choice) if v >= 0)

    least = min(shortfall(choice) for choice in valid)
    return max(total(choice) for choice in valid if shortfall(choice) == least), least


# Property tests: no deadline (the first example pays for imports and caches), and no example
# database written into the working tree.
PROPERTY = settings(deadline=None, database=None)

# -- random pools ----------------------------------------------------------------------------
# Pools come from a seed that hypothesis draws: one draw per example instead of dozens keeps
# hundreds of examples within a second or two, and a failing seed is printed to replay.

SKILLS = ("python", "sql", "java", "welding")
LANGUAGES = ("fr", "en")
COUNTRIES = ("FR", "IT")
SECTORS = ("ict", "agriculture")
GENDERS = ("female", "male", "other")


def _day(rng: random.Random, offsets: Sequence[int | None]) -> date | None:
    offset = rng.choice(offsets)
    return None if offset is None else START + timedelta(days=offset)


def _some(rng: random.Random, values: Sequence[Any], most: int) -> list[Any]:
    return rng.sample(list(values), k=rng.randint(0, min(most, len(values))))


def random_candidate(rng: random.Random, n: int) -> CandidateProfile:
    """A small random candidate over a tiny vocabulary, so that pairs often interact."""
    return CandidateProfile(
        candidate_id=uuid.UUID(int=n + 1), gender=rng.choice(GENDERS),
        nationality=rng.choice(("MA", "TN")), skill_keys=_some(rng, SKILLS, 3),
        languages=[(code, rng.choice(CEFR_LEVELS)) for code in _some(rng, LANGUAGES, 2)],
        education=[("bachelor", rng.choice((None, "Engineering", "health")))][
            :rng.randint(0, 1)],
        preferred_sectors=_some(rng, SECTORS, 2), preferred_countries=_some(rng, COUNTRIES, 2),
        # Around the default vacancy's first day (START) and last day (START + 180 days).
        available_from_date=_day(rng, (None, -30, 0, 1)),
        available_until_date=_day(rng, (None, 150, 179, 180, 400)),
    )


def random_vacancy(rng: random.Random, n: int) -> VacancyProfile:
    """A small random vacancy over the same vocabulary, 2026-09-01 for 6 months."""
    return VacancyProfile(
        vacancy_id=uuid.UUID(int=1000 + n), employer_id=rng.choice((EMPLOYER_A, EMPLOYER_B)),
        seats=rng.randint(1, 2), sector=rng.choice(SECTORS), country=rng.choice(COUNTRIES),
        city="City", start_date=START, duration_months=6,
        required_skills=_some(rng, SKILLS, 2), nice_to_have_skills=_some(rng, SKILLS, 2),
        required_languages=[(code, rng.choice(CEFR_LEVELS[:4]))
                            for code in _some(rng, LANGUAGES, 1)],
        education_field=rng.choice((None, "engineering")),
        eligible_nationalities=rng.choice((None, ["MA"], ["MA", "TN"])),
    )


def random_pool(seed: int, *, max_candidates: int = 5, max_vacancies: int = 3,
                ) -> tuple[list[CandidateProfile], list[VacancyProfile]]:
    """Both pools from ``seed``, small enough to enumerate every assignment."""
    rng = random.Random(seed)
    return ([random_candidate(rng, i) for i in range(rng.randint(1, max_candidates))],
            [random_vacancy(rng, j) for j in range(rng.randint(1, max_vacancies))])


def pools(*, max_candidates: int = 5, max_vacancies: int = 3,
          ) -> st.SearchStrategy[tuple[list[CandidateProfile], list[VacancyProfile]]]:
    """Hypothesis strategy of random pools (see :func:`random_pool`)."""
    return st.integers(0, 2**32 - 1).map(lambda seed: random_pool(
        seed, max_candidates=max_candidates, max_vacancies=max_vacancies))

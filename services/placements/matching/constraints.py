"""Hard constraints: which (candidate, vacancy) pairs may be matched at all.

Each constraint is a function of a block of candidates (a row slice) against every vacancy,
returning a bool matrix (rows x vacancies) built by broadcasting; loops run at most over the
few languages vacancies require, never over pairs.

================  =======================================================================
constraint        a pair passes when
================  =======================================================================
``languages``     for every language the vacancy requires, the candidate's level is at or
                  above the minimum (CEFR order; a language not spoken fails)
``availability``  the candidate's availability covers the stay: available from on or before
                  the start date and until on or after the last day (open bounds cover all)
``destination``   the vacancy's country is one of the candidate's preferred countries, or the
                  candidate listed none (any destination)
``nationality``   the vacancy admits any nationality, or the candidate's is in its list
``exclusion``     the officer did not exclude the pair
================  =======================================================================

``nationality`` is the one hard constraint that reads a protected characteristic: a vacancy's
eligible nationalities are a legal condition of the scheme (its mobility or visa agreement),
which decides whether a pair may be matched, never its score (see :mod:`.scoring`).
"""

from collections.abc import Callable
from typing import Final

import numpy as np

from services.placements.matching.encoding import NO_LEVEL, Problem
from services.placements.matching.inputs import CEFR_LEVELS


def languages_ok(problem: Problem, rows: slice) -> np.ndarray:
    """Every required language spoken at or above its minimum level."""
    spoken = problem.spoken[rows]
    ok = np.ones((spoken.shape[0], len(problem.vacancies)), dtype=bool)
    # One pass per language slot (as many as the most languages one vacancy requires): a
    # gather of each vacancy's language from the block's levels, compared with its minimum.
    # "Not spoken" (NO_LEVEL) is below every minimum; an unused slot's NO_LEVEL passes all.
    for k in range(problem.slot_language.shape[1]):
        ok &= spoken[:, problem.slot_language[:, k]] >= problem.slot_minimum[None, :, k]
    return ok


def availability_ok(problem: Problem, rows: slice) -> np.ndarray:
    """The candidate is available for the whole stay (inclusive bounds)."""
    return ((problem.available_from[rows, None] <= problem.start[None, :])
            & (problem.available_until[rows, None] >= problem.last[None, :]))


def destination_ok(problem: Problem, rows: slice) -> np.ndarray:
    """The vacancy's country is acceptable to the candidate (no preference: any country)."""
    return problem.likes_country[rows][:, problem.country_of_vacancy] | \
        problem.any_country[rows, None]


def nationality_ok(problem: Problem, rows: slice) -> np.ndarray:
    """The vacancy admits the candidate's nationality."""
    return problem.eligible[:, problem.nationality[rows]].T


def not_excluded(problem: Problem, rows: slice) -> np.ndarray:
    """The pair is not on the run's exclusion list."""
    start, stop, _ = rows.indices(len(problem.candidates))
    ok = np.ones((stop - start, len(problem.vacancies)), dtype=bool)
    # Exclusions are sorted by candidate, so the block's are one contiguous run.
    first, end = np.searchsorted(problem.excluded_candidate, (start, stop))
    ok[problem.excluded_candidate[first:end] - start, problem.excluded_vacancy[first:end]] = False
    return ok


HARD_CONSTRAINTS: Final[dict[str, Callable[[Problem, slice], np.ndarray]]] = {
    "languages": languages_ok,
    "availability": availability_ok,
    "destination": destination_ok,
    "nationality": nationality_ok,
    "exclusion": not_excluded,
}


def feasible(problem: Problem, rows: slice) -> np.ndarray:
    """Pairs (rows x vacancies) that pass every hard constraint."""
    checks = iter(HARD_CONSTRAINTS.values())
    ok = next(checks)(problem, rows)
    for check in checks:
        ok &= check(problem, rows)
    return ok


def failures(problem: Problem, candidate: int, vacancy: int) -> list[str]:
    """The hard constraints one pair fails, each as ``name`` or ``name: detail``.

    Decided by the very functions :func:`feasible` uses, on a one-row block.
    """
    row = slice(candidate, candidate + 1)
    failed: list[str] = []
    for name, check in HARD_CONSTRAINTS.items():
        if check(problem, row)[0, vacancy]:
            continue
        if name == "languages":
            short = [f"{code} {_level(problem.spoken[candidate, j])} < "
                     f"{_level(problem.minimum[vacancy, j])}"
                     for j, code in enumerate(problem.languages)
                     if problem.spoken[candidate, j] < problem.minimum[vacancy, j]]
            failed.append(f"languages: {', '.join(short)}")
        else:
            failed.append(name)
    return failed


def _level(rank: int) -> str:
    return "none" if rank == NO_LEVEL else CEFR_LEVELS[rank]

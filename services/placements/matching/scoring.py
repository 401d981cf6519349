"""The score of every (candidate, vacancy) pair at once, and the explanation of one pair.

Formula. With ``c`` a candidate, ``v`` a vacancy and ``w`` the run's :class:`Weights`::

    score(c, v) = w.skills_required  * |R(v) ∩ S(c)| / |R(v)|        (1 when R(v) is empty)
                + w.skills_nice      * |N(v) ∩ S(c)| / |N(v)|        (0 when N(v) is empty)
                + w.language_surplus * Σ_l min(level(c, l) - min(v, l), 3)⁺ / (3 · |L(v)|)
                                                                     (0 when L(v) is empty)
                + w.sector           * [sector(v) ∈ preferred_sectors(c)]
                + w.location         * [country(v) ∈ preferred_countries(c)]
                + w.education        * [field(v) ∈ education fields of c]   (0 without field(v))

``S(c)`` the candidate's skills, ``R(v)``/``N(v)`` the vacancy's required and nice-to-have
skills, ``L(v)`` its required languages with minimum CEFR levels; ``x⁺ = max(x, 0)``. Every
part is a share in [0, 1] before its weight, so with the default weights (which add up to 1)
the score is in [0, 1].

Why these choices:

- *Required coverage* is vacuously full when nothing is required: the candidate meets every
  requirement. The other parts are bonuses for a concrete match and stay 0 when the vacancy
  states nothing to match (no nice-to-have skill, no language, no education field).
- *Language surplus* rewards levels above the minimum, three CEFR steps (B1 → C2) earning the
  full share, as the candidates service's selection score does; being at the minimum is
  enough to be feasible but earns nothing here.
- *Location* counts a country the candidate named, not the "any destination" of an empty
  list: an explicit wish is worth more than indifference (the hard constraint treats both
  alike).

What a score reads, and what it never reads. A score is a function of the candidate's skills,
languages and their levels, education fields, preferred sectors and preferred countries, and
of the vacancy's requirements: nothing else (:meth:`Scorer.shares` gathers from exactly those
tables of the :class:`~.encoding.Problem`). It never reads gender, nationality, age or birth
date: the engine's input carries no age at all (the candidates service's age band goes to the
run's fairness report, :mod:`.fairness`, and stops there), and :meth:`Scorer.shares` and
:meth:`Scorer.total` never touch the encoded gender or nationality.
``tests/placements/matching/test_protected_attributes.py`` changes candidates' gender,
nationality and age band, everything else equal, and checks that every score and explanation
stays the same to the last bit, and that a whole run assigns the same pairs when no gender
share is set.

Two steps of a run read a protected characteristic, and neither is a score:

- *nationality*, in the hard constraint ``nationality`` (:mod:`.constraints`): a vacancy's
  ``eligible_nationalities`` is a legal condition of the scheme (a mobility or visa agreement
  between two countries). It decides whether the pair may be matched at all, never how well it
  fits, and a pair it rules out names it in the explanation's ``failed_constraints``.
- *gender*, in the optional ``gender_min_share`` of an ``optimal`` run (:mod:`.assignment`): a
  programme's goal on the shares of the placements (gender balance), a constraint on the
  assignment as a whole that never changes a pair's score. With no share set, gender changes
  nothing in a run.

A pair is *acceptable* when it passes every hard constraint (:mod:`.constraints`) and its
score is at least ``min_score`` (up to float rounding, :func:`reaches`); only acceptable pairs
are ever assigned or ranked.

Computation, for a block of :data:`BLOCK_ROWS` candidates against every vacancy at once: the
hard constraints as one bool matrix (broadcasting, cheap: a byte a pair), then the score of the
feasible pairs only (a few percent in a realistic pool) by gathering each part from per-
candidate and per-vacancy tables; skill overlaps come from the block's sparse products
(candidates x skills) · (skills x vacancies). Only acceptable pairs leave a block, as sparse
triplets, so the temporaries stay a few MB and the peak memory stays flat whatever the pool.
On the benchmark's 10,000 x 2,000 pool this scores the 20 million pairs in ~0.5 s, where the
dense score matrix alone costs over a second. The explanation of a pair runs the same code on
a one-pair block, so its parts and total are the matrix's to the last bit.
"""

import math
import uuid
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from services.placements.matching.constraints import failures, feasible
from services.placements.matching.encoding import NO_LEVEL, Problem, skill_key
from services.placements.matching.inputs import Weights

LANGUAGE_SURPLUS_CAP: Final = 3
PARTS: Final = ("skills_required", "skills_nice", "language_surplus", "sector", "location",
                "education")
BLOCK_ROWS: Final = 512
# Scores are sums of float products: 0.1 + 0.2 is 0.30000000000000004, and 0.3 set as
# min_score must still admit a pair whose parts add up to 0.3.
SCORE_TOLERANCE: Final = 1e-9
# Scores on a lattice (Scorer.scale) are solved with integer costs: weights given with up to
# this many decimals, and a lattice step no finer than 1 / SCALE_LIMIT.
WEIGHT_DIGITS: Final = 6
SCALE_LIMIT: Final = 10**9


def reaches(total: np.ndarray | float, min_score: float) -> np.ndarray | bool:
    """Whether a score is at least ``min_score``, up to float rounding."""
    return total >= min_score - SCORE_TOLERANCE


@dataclass(frozen=True, slots=True, eq=False)
class Pairs:
    """Acceptable pairs as sparse triplets, sorted by candidate then vacancy (indices)."""

    candidate: npt.NDArray[np.int64]
    vacancy: npt.NDArray[np.int64]
    score: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.score)

    def keys(self, n_vacancies: int) -> np.ndarray:
        """``candidate * n_vacancies + vacancy``: sorted, for lookups with searchsorted."""
        return self.candidate * n_vacancies + self.vacancy


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a pair scores what it scores, and whether it may be matched."""

    candidate_id: uuid.UUID
    vacancy_id: uuid.UUID
    matched_required_skills: list[str]
    missing_required_skills: list[str]
    matched_nice_to_have_skills: list[str]
    shares: dict[str, float]  # part -> share in [0, 1]
    points: dict[str, float]  # part -> share x weight
    total: float
    feasible: bool
    failed_constraints: list[str]  # hard constraints the pair fails
    acceptable: bool  # feasible and total >= min_score (see reaches)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (ids as strings)."""
        return {
            "candidate_id": str(self.candidate_id), "vacancy_id": str(self.vacancy_id),
            "matched_required_skills": self.matched_required_skills,
            "missing_required_skills": self.missing_required_skills,
            "matched_nice_to_have_skills": self.matched_nice_to_have_skills,
            "shares": self.shares, "points": self.points, "total": self.total,
            "feasible": self.feasible, "failed_constraints": self.failed_constraints,
            "acceptable": self.acceptable,
        }


class Scorer:
    """Scores pairs of a :class:`Problem` with one set of weights."""

    def __init__(self, problem: Problem, weights: Weights) -> None:
        self.problem = problem
        self.weights = weights
        # Transposed once (skills x vacancies, CSR) so each block is a CSR x CSR product.
        self._required_t = problem.required.T.tocsr()
        self._nice_t = problem.nice.T.tocsr()
        # An unused language slot must add no surplus: its minimum is put above every level.
        self._slot_floor = np.where(problem.slot_minimum == NO_LEVEL, 99, problem.slot_minimum)
        self._language_room = LANGUAGE_SURPLUS_CAP * problem.language_count

    def scale(self) -> int | None:
        """The least ``S`` for which every score is a whole multiple of ``1 / S``, or None.

        A score is a sum of weights times shares ``k / d``, whose denominators ``d`` are the
        vacancies' counts (required skills, nice-to-have skills, three times the languages):
        with weights of at most :data:`WEIGHT_DIGITS` decimals, ``S`` is ``10^digits`` times
        the least common multiple of the counts present. None when no such ``S`` is below
        :data:`SCALE_LIMIT` (arbitrary weights, or very diverse counts).
        """
        weights = list(self.weights.as_dict().values())
        digits = next((d for d in range(WEIGHT_DIGITS + 1)
                       if all(abs(w * 10**d - round(w * 10**d)) < 1e-9 for w in weights)), None)
        if digits is None:
            return None
        p = self.problem
        counts = np.unique(np.concatenate((p.required_count, p.nice_count,
                                           self._language_room)).astype(np.int64))
        scale: int = 10**digits
        for count in counts[counts > 0].tolist():
            scale = math.lcm(scale, 10**digits * int(count))
            if scale > SCALE_LIMIT:
                return None
        return scale

    def shares(self, rows: slice, r: np.ndarray, v: np.ndarray, *,
               pairwise: bool = False) -> dict[str, np.ndarray]:
        """Each part's share for the pairs ``(rows.start + r, v)``, in :data:`PARTS` order.

        ``r`` indexes into the block of candidates ``rows``; 1-D float arrays, one per part.
        ``pairwise``: skill overlaps pair by pair rather than for the whole block against
        every vacancy (the same counts; cheaper for a few pairs spread over many rows).
        """
        p = self.problem
        c = r + rows.indices(len(p.candidates))[0]
        block = p.skills[rows]
        if pairwise:
            # Few pairs scattered over the pool: each pair's rows multiplied, then summed.
            mine = block[r]
            required = np.asarray(mine.multiply(p.required[v]).sum(axis=1)).ravel()
            nice = np.asarray(mine.multiply(p.nice[v]).sum(axis=1)).ravel()
        else:
            # Skill overlaps of the whole block are one sparse product each (the nonzeros are
            # the few pairs that share a skill); the pairs read theirs from its dense form.
            required = (block @ self._required_t).toarray()[r, v]
            nice = (block @ self._nice_t).toarray()[r, v]
        surplus = np.zeros(len(r), dtype=np.int16)
        for k in range(self._slot_floor.shape[1]):
            surplus += np.clip(p.spoken[c, p.slot_language[v, k]] - self._slot_floor[v, k],
                               0, LANGUAGE_SURPLUS_CAP)
        return {
            "skills_required": _ratio(required, p.required_count[v], empty=1.0),
            "skills_nice": _ratio(nice, p.nice_count[v], empty=0.0),
            "language_surplus": _ratio(surplus, self._language_room[v], empty=0.0),
            "sector": p.likes_sector[c, p.sector_of_vacancy[v]].astype(np.float64),
            "location": p.likes_country[c, p.country_of_vacancy[v]].astype(np.float64),
            "education": p.fields[c, p.field_of_vacancy[v]].astype(np.float64),
        }

    def total(self, shares: dict[str, np.ndarray]) -> np.ndarray:
        """The weighted sum of the shares, always added in :data:`PARTS` order."""
        weights = self.weights.as_dict()
        total = shares[PARTS[0]] * weights[PARTS[0]]
        for part in PARTS[1:]:
            total += shares[part] * weights[part]
        return total

    def acceptable(self, min_score: float, *, block_rows: int = BLOCK_ROWS) -> Pairs:
        """Every pair that passes the hard constraints and scores at least ``min_score``.

        Per block: the hard constraints on the dense block (bool, cheap), then the score of
        the feasible pairs only (a few percent of all in a realistic pool).
        """
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for start in range(0, len(self.problem.candidates), block_rows):
            rows = slice(start, start + block_rows)
            r, v = np.nonzero(feasible(self.problem, rows))
            total = self.total(self.shares(rows, r, v))
            keep = reaches(total, min_score)
            found.append((r[keep] + start, v[keep], total[keep]))
        if not found:
            return Pairs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        return Pairs(*(np.concatenate(parts) for parts in zip(*found, strict=True)))

    def every_pair(self) -> tuple[np.ndarray, np.ndarray]:
        """Dense (candidates x vacancies) scores and feasibility, for small pools and tests."""
        n_c, n_v = self.problem.shape
        rows = slice(0, n_c)
        r, v = np.divmod(np.arange(n_c * n_v), n_v)
        total = self.total(self.shares(rows, r, v)).reshape(n_c, n_v)
        return total, feasible(self.problem, rows)

    def explain(self, candidate: int, vacancy: int, *, min_score: float) -> Explanation:
        """The explanation of one pair (indices), from the same code as the matrix."""
        shares = self.shares(slice(candidate, candidate + 1), np.zeros(1, np.int64),
                             np.array([vacancy]))
        failed = failures(self.problem, candidate, vacancy)
        return self._explanation(candidate, vacancy, {p: float(s[0]) for p, s in shares.items()},
                                 float(self.total(shares)[0]), failed, min_score=min_score)

    def explain_many(self, candidates: np.ndarray, vacancies: np.ndarray, *, min_score: float,
                     block_rows: int = BLOCK_ROWS,
                     known_feasible: bool = False) -> list[Explanation]:
        """The explanations of many pairs (index arrays), in their order.

        :meth:`explain`'s answers to the last bit, at a fraction of its cost per pair (~0.7 ms,
        mostly one sparse product against every vacancy): the shares of all pairs at once,
        the hard constraints by block of candidates, as :meth:`acceptable` checks them, unless
        the caller knows every pair passes them (``known_feasible``: pairs a run assigned).
        """
        candidates = np.asarray(candidates, dtype=np.int64)
        vacancies = np.asarray(vacancies, dtype=np.int64)
        shares = self.shares(slice(0, len(self.problem.candidates)), candidates, vacancies,
                             pairwise=True)
        ok = np.ones(len(candidates), dtype=bool)
        blocks = candidates // block_rows
        for block in [] if known_feasible else np.unique(blocks).tolist():
            (at,) = np.nonzero(blocks == block)
            rows = slice(block * block_rows, (block + 1) * block_rows)
            ok[at] = feasible(self.problem, rows)[candidates[at] - block * block_rows,
                                                  vacancies[at]]
        totals = self.total(shares).tolist() if len(candidates) else []
        columns = {part: values.tolist() for part, values in shares.items()}
        return [self._explanation(
            c, v, {part: columns[part][i] for part in PARTS}, totals[i],
            [] if ok[i] else failures(self.problem, c, v), min_score=min_score)
            for i, (c, v) in enumerate(zip(candidates.tolist(), vacancies.tolist(),
                                           strict=True))]

    def _explanation(self, candidate: int, vacancy: int, shares: dict[str, float], total: float,
                     failed: list[str], *, min_score: float) -> Explanation:
        weights = self.weights.as_dict()
        c, v = self.problem.candidates[candidate], self.problem.vacancies[vacancy]
        has = {skill_key(s) for s in c.skill_keys}
        required = sorted({skill_key(s) for s in v.required_skills})
        return Explanation(
            candidate_id=c.candidate_id, vacancy_id=v.vacancy_id,
            matched_required_skills=[s for s in required if s in has],
            missing_required_skills=[s for s in required if s not in has],
            matched_nice_to_have_skills=sorted({skill_key(s) for s in v.nice_to_have_skills}
                                               & has),
            shares=shares, points={part: shares[part] * weights[part] for part in PARTS},
            total=total, feasible=not failed, failed_constraints=failed,
            acceptable=not failed and bool(reaches(total, min_score)),
        )


def _ratio(count: np.ndarray, of: np.ndarray, *, empty: float) -> np.ndarray:
    """``count / of`` pairwise, ``empty`` where ``of`` is 0."""
    out = np.full(count.shape, empty, dtype=np.float64)
    np.divide(count, of, out=out, where=of > 0)
    return out

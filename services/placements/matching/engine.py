"""One matching run, end to end: encode, score, assign, report. Pure: no database, no HTTP.

    result = run_matching(candidates, vacancies, MatchingParameters(algorithm="stable"))
    for a in result.assignments: ...          # (candidate_id, vacancy_id, score)
    result.explain(a.candidate_id, a.vacancy_id).as_dict()

Steps: :func:`~.encoding.encode` the pools; :class:`~.scoring.Scorer` keeps the acceptable
pairs (hard constraints and ``min_score``); then ``optimal`` (:mod:`.assignment`: a min-cost
flow on the scores' integer lattice, caps per employer and gender shares included) or ``stable``
(:mod:`.stable`: deferred acceptance, checked for blocking pairs). Optional constraints the
algorithm cannot satisfy, or does not support, are relaxed and listed in
``unmet_constraints``; explicit rank lists only order ``stable`` (``optimal`` maximises the
total score whatever they say).

Whoever stores a run keeps ``summary()``, the assignments and their explanations; the result
holds the encoded pools, so ``explain`` also answers "why not?" for any other pair of them.
"""

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from services.placements.matching.assignment import (
    Selection,
    UnmetConstraint,
    constrained_optimum,
    max_weight_matching,
)
from services.placements.matching.encoding import Problem, encode
from services.placements.matching.inputs import (
    Algorithm,
    CandidateProfile,
    MatchingParameters,
    VacancyProfile,
)
from services.placements.matching.scoring import Explanation, Pairs, Scorer
from services.placements.matching.stable import (
    blocking_pairs,
    deferred_acceptance,
    pair_positions,
    preferences,
)


@dataclass(frozen=True, slots=True)
class Assignment:
    """One placement proposed by the run."""

    candidate_id: uuid.UUID
    vacancy_id: uuid.UUID
    score: float


@dataclass(frozen=True, eq=False)
class MatchingResult:
    """What a run decided, and the means to explain any pair of it.

    It keeps the run's encoded pools for :meth:`explain` (tens of MB for 10,000 x 2,000):
    store what is needed, then let it go.
    """

    algorithm: Algorithm
    assignments: list[Assignment]  # sorted by vacancy, then best score first
    total_score: float
    unassigned_candidates: int
    unfilled_seats: int
    candidates_without_options: int  # candidates with no acceptable vacancy at all
    acceptable_pairs: int
    unmet_constraints: list[UnmetConstraint]
    blocking_pairs: int | None  # stable: 0 (checked); optimal: not computed (None)
    placed_by_gender: dict[str, int]
    _scorer: Scorer = field(repr=False)
    _min_score: float = field(repr=False)

    def explain(self, candidate_id: uuid.UUID, vacancy_id: uuid.UUID) -> Explanation:
        """The explanation of any pair of the run's pools (assigned or not)."""
        problem = self._scorer.problem
        try:
            c, v = problem.candidate_index[candidate_id], problem.vacancy_index[vacancy_id]
        except KeyError as missing:
            raise KeyError(f"{missing.args[0]} is not in this run's pools") from None
        return self._scorer.explain(c, v, min_score=self._min_score)

    def explanations(self) -> list[Explanation]:
        """The explanation of every assignment, in the order of ``assignments``.

        All at once (:meth:`Scorer.explain_many`): pair by pair, 5,000 of them take seconds.
        """
        problem = self._scorer.problem
        candidates = [problem.candidate_index[a.candidate_id] for a in self.assignments]
        vacancies = [problem.vacancy_index[a.vacancy_id] for a in self.assignments]
        return self._scorer.explain_many(np.array(candidates, dtype=np.int64),
                                         np.array(vacancies, dtype=np.int64),
                                         min_score=self._min_score, known_feasible=True)

    def summary(self) -> dict[str, object]:
        """JSON-ready figures of the run (without the assignments)."""
        return {
            "algorithm": self.algorithm, "assigned": len(self.assignments),
            "total_score": self.total_score,
            "unassigned_candidates": self.unassigned_candidates,
            "unfilled_seats": self.unfilled_seats,
            "candidates_without_options": self.candidates_without_options,
            "acceptable_pairs": self.acceptable_pairs,
            "unmet_constraints": [{"constraint": u.constraint, "reason": u.reason}
                                  for u in self.unmet_constraints],
            "blocking_pairs": self.blocking_pairs,
            "placed_by_gender": self.placed_by_gender,
        }


def _optimal(pairs: Pairs, scorer: Scorer, parameters: MatchingParameters) -> Selection:
    problem, scale = scorer.problem, scorer.scale()
    if parameters.max_per_employer is None and not any(parameters.gender_min_share.values()):
        return Selection(max_weight_matching(pairs, problem.seats, len(problem.candidates),
                                             scale))
    return constrained_optimum(pairs, problem, gender_min_share=parameters.gender_min_share,
                               max_per_employer=parameters.max_per_employer,
                               time_limit=parameters.time_limit_seconds, scale=scale)


def _stable(pairs: Pairs, problem: Problem,
            parameters: MatchingParameters) -> tuple[Selection, int]:
    prefs = preferences(pairs, problem, candidate_ranks=parameters.candidate_ranks,
                        vacancy_ranks=parameters.vacancy_ranks)
    assigned = deferred_acceptance(prefs, problem.seats, len(problem.candidates))
    blocking = len(blocking_pairs(prefs, assigned, problem.seats))
    chosen = prefs.pair_index[pair_positions(prefs, assigned, len(problem.vacancies))]
    unmet: list[UnmetConstraint] = []
    # Stability is about the two sides' preferences; a quota on top of it has no standard
    # stable form, so it is relaxed in the open rather than bolted on.
    if parameters.max_per_employer is not None:
        unmet.append(UnmetConstraint("max_per_employer", "not applied: the stable algorithm "
                                     "has no cap per employer; use optimal for it"))
    for gender, share in parameters.gender_min_share.items():
        if share > 0:
            unmet.append(UnmetConstraint(f"gender_min_share.{gender}", "not applied: the stable "
                                         "algorithm has no gender quota; use optimal for it"))
    return Selection(chosen, unmet), blocking


def run_matching(candidates: Sequence[CandidateProfile], vacancies: Sequence[VacancyProfile],
                 parameters: MatchingParameters | None = None) -> MatchingResult:
    """Match the pools with the run's parameters; see the module docstring."""
    parameters = parameters or MatchingParameters()
    problem = encode(candidates, vacancies, parameters.exclusions)
    scorer = Scorer(problem, parameters.weights)
    pairs = scorer.acceptable(parameters.min_score)
    blocking: int | None = None
    if parameters.algorithm == "optimal":
        selection = _optimal(pairs, scorer, parameters)
    else:
        selection, blocking = _stable(pairs, problem, parameters)

    chosen = selection.chosen
    # By vacancy, then best score first, then candidate: the order officers review them in.
    chosen = chosen[np.lexsort((pairs.candidate[chosen], -pairs.score[chosen],
                                pairs.vacancy[chosen]))]
    assignments = [Assignment(candidates[c].candidate_id, vacancies[v].vacancy_id, s)
                   for c, v, s in zip(pairs.candidate[chosen].tolist(),
                                      pairs.vacancy[chosen].tolist(),
                                      pairs.score[chosen].tolist(), strict=True)]
    with_options = np.unique(pairs.candidate).size
    return MatchingResult(
        algorithm=parameters.algorithm, assignments=assignments,
        total_score=float(pairs.score[chosen].sum()),
        unassigned_candidates=len(candidates) - len(assignments),
        unfilled_seats=int(problem.seats.sum()) - len(assignments),
        candidates_without_options=len(candidates) - with_options,
        acceptable_pairs=len(pairs), unmet_constraints=selection.unmet,
        blocking_pairs=blocking,
        placed_by_gender=dict(sorted(Counter(problem.gender[pairs.candidate[chosen]]).items())),
        _scorer=scorer, _min_score=parameters.min_score,
    )

"""``optimal``: the assignment with the largest total score, by proven solvers only.

Each candidate gets at most one vacancy, each vacancy at most its seats, and only acceptable
pairs (:class:`~.scoring.Pairs`) are ever used. Between assignments of equal total, which one
comes out is the solver's choice.

**The usual way: one min-cost flow** (:mod:`.network`, OR-Tools). With weights of a few
decimals, every score is a whole multiple of ``1 / S`` (:meth:`.Scorer.scale`: 1,200 with the
default weights), so ``score x S`` are exact integer gains and the flow's optimum is the
float optimum. Seats, the cap per employer and the gender targets are all arcs of that one
network, so both cases below become one solve (two maximum flows more for the gender targets'
``P``). On the benchmark's pool the flow takes ~0.3 s where the formulations below take
1.1 s (LAPJVsp) and ~10x that (the linear programme); OR-Tools on all 1.3 million pairs takes
~0.5 s, which :func:`.network.best_flow` cuts by solving the likely pairs first and proving
the answer on all of them.

The rest of this docstring is the fallback, for weights with more decimals than that (the
scores then have no small integer scale that keeps the optimum exact).

**Without optional constraints** the problem is a maximum-weight bipartite matching between
*seats* and candidates, solved by ``scipy.sparse.csgraph.min_weight_full_bipartite_matching``
(LAPJVsp) on the sparse graph of acceptable pairs (:func:`max_weight_matching`):

- one row per seat: vacancy ``v`` contributes ``min(seats(v), acceptable candidates of v)``
  identical rows (a seat nobody acceptable can take is left out);
- one column per candidate, plus one *dummy* column per seat joined only to that seat, so a
  full matching (every seat matched) always exists and "seat left empty" is a choice;
- weights ``score + 1`` on real edges and ``1`` on dummy edges: every seat is matched, so the
  total weight is ``seats + Σ scores`` and maximising it maximises the total score, while no
  weight is 0 (the sparse solver reads 0 as "no edge").

Why this formulation, measured on the benchmark's pool (10,000 candidates x 2,000 vacancies,
5,000 seats; ``bench/matching.py``): the hard constraints leave ~1.3 million acceptable pairs
(6.5 %), 3.3 million edges once seat-expanded (~50 MB), which LAPJVsp solves in ~1.1 s of CPU.
``linear_sum_assignment`` on the dense seat-expanded matrix takes 3.5-6 s and 230-400 MB
(5,000 seats x the 5,600 candidates with an option, or all 10,000); on the plain 10,000 x 2,000
matrix it would ignore seats; HiGHS on the same problem as a linear programme takes ~50 s.
Keeping only each vacancy's best candidates does not keep the optimum, and neither scipy
solver returns the dual prices that would prove a pruned solution optimal, so the whole
acceptable graph goes in. Its size follows the acceptable pairs: a pool where almost every pair
is acceptable costs about what the dense solver costs.

**With optional constraints** (a cap per employer, minimum shares per gender) the problem is a
linear programme over the acceptable pairs, solved by HiGHS (``scipy.optimize.linprog``):

    maximise   Σ score_p x_p
    subject to Σ_{p ∋ c} x_p ≤ 1                 for every candidate c
               Σ_{p ∋ v} x_p ≤ seats(v)          for every vacancy v
               Σ_{p at employer e} x_p ≤ cap     for every employer e
               Σ_{p of gender g} x_p + s_g ≥ T_g for every gender g with a minimum share
               Σ_g s_g ≤ S*,  s_g ≥ 0,  0 ≤ x_p ≤ 1

Its rows are two laminar families (candidates inside genders; vacancies inside employers, and
the shortfall row), so the matrix is totally unimodular: an optimal vertex is 0/1 and the
linear programme *is* the integer one. (A solution that comes back fractional anyway is solved
again by ``scipy.optimize.milp``.) As a linear programme it runs 30-60x faster than as a MILP
(2,000 x 400 pool: ~1 s against ~45 s).

The gender target is a count: ``T_g = ceil(share_g · P)`` with ``P`` the most placements the
pool allows (same seats, pairs and caps). No run places more than ``P``, so meeting ``T_g``
guarantees the share among the placed. When the pool cannot reach a target (too few acceptable
candidates of that gender, or targets that together need more seats than there are), the run
does the best feasible thing: ``S*``, the least total shortfall, is found first, then the score
is maximised with that shortfall, and each target missed is reported with its reason. A run
that cannot finish within its time limit drops the optional constraints and says so.
"""

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from services.placements.matching.encoding import Problem
from services.placements.matching.network import (
    Flow,
    Targets,
    best_flow,
    fits,
    lattice_gains,
    max_placements,
)
from services.placements.matching.scoring import Pairs


@dataclass(frozen=True, slots=True)
class UnmetConstraint:
    """An optional constraint the run could not satisfy (or does not apply), and why."""

    constraint: str  # "gender_min_share.female", "max_per_employer", ...
    reason: str


@dataclass(frozen=True, slots=True)
class Selection:
    """The pairs an algorithm chose (indices into :class:`Pairs`) and what it could not do."""

    chosen: np.ndarray
    unmet: list[UnmetConstraint] = field(default_factory=list)


def max_weight_matching(pairs: Pairs, seats: np.ndarray, n_candidates: int,
                        scale: int | None = None) -> np.ndarray:
    """Indices of the pairs of a maximum-score assignment under seats (see above).

    ``scale``: the scores' lattice (:meth:`.Scorer.scale`); with it, a min-cost flow on
    integer gains, else LAPJVsp on the float scores.
    """
    gain = lattice_gains(pairs.score, scale)
    if gain is not None and fits(gain, n_candidates + len(seats), 0):
        return best_flow(pairs.candidate, pairs.vacancy, gain, seats).chosen
    # Imported at first use (as linprog below): scipy's solvers take half a second of CPU to
    # import, which every start of the service would pay before its first matching run.
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    n_vacancies = len(seats)
    degree = np.bincount(pairs.vacancy, minlength=n_vacancies)
    usable = np.minimum(seats, degree)
    if not usable.any():
        return np.zeros(0, dtype=np.int64)
    by_vacancy = np.argsort(pairs.vacancy, kind="stable")
    first_pair = np.concatenate(([0], np.cumsum(degree)[:-1]))

    # Row r is a seat of vacancy seat_vacancy[r]; its real edges are that vacancy's pairs.
    seat_vacancy = np.repeat(np.arange(n_vacancies), usable)
    n_seats = len(seat_vacancy)
    real = degree[seat_vacancy]
    indptr = np.concatenate(([0], np.cumsum(real + 1)))
    edge_row = np.repeat(np.arange(n_seats), real)
    # Offset of each edge inside its row (0 .. real-1): a "ragged arange" without a loop.
    within = np.arange(len(edge_row)) - np.repeat(np.cumsum(real) - real, real)
    source = by_vacancy[first_pair[seat_vacancy][edge_row] + within]

    indices = np.empty(indptr[-1], dtype=np.int64)
    data = np.empty(indptr[-1], dtype=np.float64)
    at = indptr[:-1][edge_row] + within
    indices[at] = pairs.candidate[source]
    data[at] = pairs.score[source] + 1.0
    dummy = indptr[1:] - 1
    indices[dummy] = n_candidates + np.arange(n_seats)
    data[dummy] = 1.0
    graph = sp.csr_matrix((data, indices, indptr), shape=(n_seats, n_candidates + n_seats))

    row, column = min_weight_full_bipartite_matching(graph, maximize=True)
    real_match = column < n_candidates
    keys = pairs.keys(n_vacancies)
    wanted = column[real_match] * n_vacancies + seat_vacancy[row[real_match]]
    return np.searchsorted(keys, wanted)


class SolverStopped(Exception):
    """The solver stopped without an answer: time limit, or numerical trouble."""


@dataclass(slots=True)
class _Programme:
    """The capacity rows (``rows @ x <= upper``) shared by every linear programme of a run."""

    n: int  # variables: the pairs
    rows: sp.csr_matrix
    upper: np.ndarray
    deadline: float  # time.monotonic() by which every solve must be done

    def solve(self, objective: np.ndarray, extra: sp.csr_matrix | None = None,
              extra_upper: np.ndarray | None = None, *, slack: int = 0) -> np.ndarray | None:
        """Minimise ``objective`` over the pairs (0..1) and ``slack`` variables (>= 0).

        ``extra @ x <= extra_upper`` are added rows. Returns the integral solution, or None
        when the programme is infeasible; :class:`SolverStopped` past the deadline or when
        the solver gives up.
        """
        # At first use, as max_weight_matching says.
        from scipy.optimize import Bounds, LinearConstraint, linprog, milp

        rows = self.rows
        if slack:
            rows = sp.hstack([rows, sp.csr_matrix((rows.shape[0], slack))], format="csr")
        upper = self.upper
        if extra is not None and extra_upper is not None:
            rows = sp.vstack([rows, extra], format="csr")
            upper = np.concatenate((upper, extra_upper))
        bounds = np.zeros((self.n + slack, 2))
        bounds[:self.n, 1] = 1.0
        bounds[self.n:, 1] = np.inf
        # scipy-stubs types A_ub as dense and bounds as a sequence of pairs; HiGHS takes the
        # sparse rows (the point: a dense one would not fit in memory) and an (n, 2) array.
        result = linprog(objective, A_ub=rows, b_ub=upper,  # type: ignore[call-overload]
                         bounds=bounds, method="highs", options={"time_limit": self._remaining()})
        if result.status == 2:
            return None
        if result.status != 0 or result.x is None:
            raise SolverStopped(result.message)
        x: npt.NDArray[np.float64] = result.x
        if np.abs(x[:self.n] - np.round(x[:self.n])).max(initial=0.0) < 1e-6:
            return np.round(x)
        # The rows are totally unimodular, so a vertex optimum is integral; a solver that
        # stops on a face instead gets the same programme as a 0/1 one.
        integral = milp(objective, integrality=np.concatenate((np.ones(self.n),
                                                                np.zeros(slack))),
                        bounds=Bounds(bounds[:, 0], bounds[:, 1]),
                        constraints=[LinearConstraint(rows, -np.inf, upper)],
                        options={"time_limit": self._remaining(), "mip_rel_gap": 0.0})
        if integral.status == 2:
            return None
        if integral.status != 0 or integral.x is None:
            raise SolverStopped(integral.message)
        return np.round(integral.x)

    def _remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise SolverStopped("time limit reached")
        return left

    def chosen(self, x: np.ndarray | None) -> np.ndarray:
        """The pairs a solution takes."""
        return np.zeros(0, np.int64) if x is None else np.flatnonzero(x[:self.n] > 0.5)


def _programme(pairs: Pairs, problem: Problem, cap: int | None, time_limit: float) -> _Programme:
    n = len(pairs)
    columns = np.arange(n)
    blocks = [sp.csr_matrix((np.ones(n), (pairs.candidate, columns)),
                            shape=(len(problem.candidates), n)),
              sp.csr_matrix((np.ones(n), (pairs.vacancy, columns)),
                            shape=(len(problem.vacancies), n))]
    upper = [np.ones(len(problem.candidates)), problem.seats.astype(np.float64)]
    if cap is not None:
        employers = int(problem.employer.max(initial=-1)) + 1
        blocks.append(sp.csr_matrix((np.ones(n), (problem.employer[pairs.vacancy], columns)),
                                    shape=(employers, n)))
        upper.append(np.full(employers, float(cap)))
    return _Programme(n, sp.vstack(blocks, format="csr"), np.concatenate(upper),
                      time.monotonic() + time_limit)


def constrained_optimum(pairs: Pairs, problem: Problem, *, gender_min_share: Mapping[str, float],
                        max_per_employer: int | None, time_limit: float,
                        scale: int | None = None) -> Selection:
    """The best assignment under the employer cap and gender targets (see above).

    ``scale``: the scores' lattice (:meth:`.Scorer.scale`); with it, min-cost flows on
    integer gains, else linear programmes on the float scores. When the solver stops without
    an answer (past ``time_limit`` seconds, say), the optional constraints are dropped and
    reported: the run returns the plain optimum, not nothing.
    """
    try:
        gain = lattice_gains(pairs.score, scale)
        units = min(len(problem.candidates), int(problem.seats.sum()))
        nodes = len(problem.candidates) + 2 * len(problem.vacancies) + len(gender_min_share)
        if gain is not None and fits(gain, nodes, units):
            return _constrained_flow(pairs, problem, gain, gender_min_share, max_per_employer,
                                     time.monotonic() + time_limit)
        return _constrained(pairs, problem, gender_min_share, max_per_employer, time_limit)
    except SolverStopped as stopped:
        reason = (f"not applied: the solver stopped without an answer ({stopped}; time limit "
                  f"{time_limit:g} s)")
        unmet = [UnmetConstraint(f"gender_min_share.{g}", reason)
                 for g, share in gender_min_share.items() if share > 0]
        if max_per_employer is not None:
            unmet.append(UnmetConstraint("max_per_employer", reason))
        return Selection(max_weight_matching(pairs, problem.seats, len(problem.candidates),
                                             scale), unmet)


def _constrained_flow(pairs: Pairs, problem: Problem, gain: np.ndarray,
                      gender_min_share: Mapping[str, float], max_per_employer: int | None,
                      deadline: float) -> Selection:
    """:func:`constrained_optimum` as flows (:mod:`.network`): a maximum flow for ``P`` when a
    share is set, a min-cost flow for the assignment, and a maximum flow per target missed to
    say why."""
    employer = problem.employer if max_per_employer is not None else None

    def solve(gain: np.ndarray, targets: Targets | None = None) -> Flow:
        if time.monotonic() >= deadline:
            raise SolverStopped("time limit reached")
        return best_flow(pairs.candidate, pairs.vacancy, gain, problem.seats, employer=employer,
                         cap=max_per_employer, targets=targets)

    most = 0
    targets: dict[str, int] = {}
    if any(share > 0 for share in gender_min_share.values()):
        most = max_placements(pairs.candidate, pairs.vacancy, problem.seats,
                              employer=employer, cap=max_per_employer)
        for gender, share in gender_min_share.items():
            # ceil of a float product: 0.4 * 10 may come out as 4.000000000000001.
            if (target := math.ceil(share * most - 1e-9)) > 0:
                targets[gender] = target
    if not targets:
        return Selection(solve(gain).chosen)
    genders = list(targets)
    group = np.full(len(problem.candidates), -1, dtype=np.int64)
    for index, gender in enumerate(genders):
        group[problem.gender == gender] = index
    flow = solve(gain, Targets(group, np.array([targets[g] for g in genders], np.int64)))
    masks = {g: problem.gender[pairs.candidate] == g for g in genders}

    def reachable(gender: str) -> int:
        return max_placements(pairs.candidate[masks[gender]], pairs.vacancy[masks[gender]],
                              problem.seats, employer=employer, cap=max_per_employer)

    return Selection(flow.chosen, _missed_targets(flow.chosen, pairs, problem, reachable,
                                                  targets, gender_min_share, most,
                                                  max_per_employer))


def _constrained(pairs: Pairs, problem: Problem, gender_min_share: Mapping[str, float],
                 max_per_employer: int | None, time_limit: float) -> Selection:
    programme = _programme(pairs, problem, max_per_employer, time_limit)
    n = programme.n
    if n == 0:
        return Selection(np.zeros(0, np.int64))
    targets: dict[str, int] = {}
    masks: dict[str, np.ndarray] = {}
    most = 0
    if any(share > 0 for share in gender_min_share.values()):
        most = len(programme.chosen(programme.solve(-np.ones(n))))
        gender_of_pair = problem.gender[pairs.candidate]
        for gender, share in gender_min_share.items():
            # ceil of a float product: 0.4 * 10 may come out as 4.000000000000001.
            target = math.ceil(share * most - 1e-9)
            if target > 0:
                targets[gender] = target
                masks[gender] = gender_of_pair == gender
    if not targets:
        return Selection(programme.chosen(programme.solve(-pairs.score)))

    # Gender rows: Σ_{pairs of g} x + s_g >= T_g, one slack s_g per target, as <= rows.
    genders = list(targets)
    slack = len(genders)
    rows = -sp.hstack([sp.csr_matrix(np.array([masks[g] for g in genders], dtype=np.float64)),
                       sp.identity(slack, format="csr")], format="csr")
    lower = -np.array([targets[g] for g in genders], dtype=np.float64)
    score = np.concatenate((-pairs.score, np.zeros(slack)))
    shortfall = np.concatenate((np.zeros(n), np.ones(slack)))
    # Most runs can meet every target: try that first (every slack 0) before the two stages.
    x = programme.solve(score, sp.vstack([rows, sp.csr_matrix(shortfall)], format="csr"),
                        np.append(lower, 0.0), slack=slack)
    if x is None:
        least = programme.solve(shortfall, rows, lower, slack=slack)
        if least is None:  # cannot happen: the slacks make every target reachable
            raise SolverStopped("no solution even with shortfalls")
        x = programme.solve(score, sp.vstack([rows, sp.csr_matrix(shortfall)], format="csr"),
                            np.append(lower, float(least[n:].sum())), slack=slack)
    chosen = programme.chosen(x)

    def reachable(gender: str) -> int:
        return len(programme.chosen(programme.solve(-masks[gender].astype(np.float64))))

    return Selection(chosen, _missed_targets(chosen, pairs, problem, reachable, targets,
                                             gender_min_share, most, max_per_employer))


def _missed_targets(chosen: np.ndarray, pairs: Pairs, problem: Problem,
                    reachable: Callable[[str], int], targets: dict[str, int],
                    gender_min_share: Mapping[str, float], most: int,
                    max_per_employer: int | None) -> list[UnmetConstraint]:
    """Each gender target the chosen pairs miss, with why the pool could not do better
    (``reachable``: the most placements of a gender the pool allows)."""
    unmet: list[UnmetConstraint] = []
    placed = problem.gender[pairs.candidate[chosen]]
    for gender, target in targets.items():
        got = int((placed == gender).sum())
        if got >= target:
            continue
        most_of_gender = reachable(gender)
        if most_of_gender < target:
            cap = ", employer cap" if max_per_employer is not None else ""
            why = (f"only {most_of_gender} {gender} candidates can be placed at all "
                   f"(acceptable pairs, seats{cap})")
        else:
            others = ", ".join(g for g in targets if g != gender) or "the other constraints"
            why = f"the seats do not allow this target together with {others}"
        unmet.append(UnmetConstraint(
            f"gender_min_share.{gender}",
            f"target {target} {gender} placements ({gender_min_share[gender]:.0%} of the {most} "
            f"the pool allows), placed {got}: {why}"))
    return unmet

"""The assignment as one min-cost flow, solved by OR-Tools' ``SimpleMinCostFlow``.

The network, for integer gains (the scores on their exact lattice, :meth:`.Scorer.scale`)::

    source ─1─▶ candidate ─1, -gain─▶ vacancy ─seats─▶ sink
       │                                  └─seats─▶ employer ─cap─▶ sink   (cap per employer)
       ├─▶ gender ─1─▶ candidate          (a gender with a target: at least T_g through it)
       │      └─T_g, cost M─▶ sink        (shortfall: a target unit not met, M per unit)
       └──────────────── bypass, cost 0 ──────────────────────────▶ sink

Every unit of flow is a placement or goes round it (bypass, shortfall), so a seat or a
candidate left alone costs nothing and the cheapest flow is the assignment with the largest
total gain. Candidates with no acceptable pair are not nodes at all, and a vacancy's seats are
the capacity of one arc rather than one node each: the graph is the acceptable pairs plus one
arc per candidate and per vacancy.

Both sides are laminar (candidates inside genders, vacancies inside employers), which is why
a cap per employer and a minimum count per gender are arcs of the same network: the optimum
stays integral and exact, found by one solve. A minimum count is an arc's lower bound,
written the usual way (the target moves from the source's supply to the gender node's, the
arc keeps the rest of its capacity). ``M`` exceeds any total gain, so the flow first meets as
many target units as the pool allows, then maximises the score among those.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.graph.python import max_flow, min_cost_flow  # type: ignore[import-untyped]

# OR-Tools refuses costs whose range, times the number of nodes, could overflow int64.
COST_LIMIT = 2**62
# Pools with more acceptable pairs than this solve the likely pairs first (best_flow).
PRUNE_ABOVE = 200_000
# Pairs left out whose reduced cost is under the top gain / this (or negative, with gains
# too small for it) join the next round.
MARGIN_SHARE = 12


@dataclass(frozen=True, slots=True)
class Targets:
    """Minimum counts of placements per group of candidates (gender, say).

    ``group``: each candidate's group index (-1: none), ``minimum``: each group's count.
    """

    group: npt.NDArray[np.int64]
    minimum: npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Flow:
    """The pairs an optimal flow takes (indices into the arrays given) and the target units
    it could not meet."""

    chosen: npt.NDArray[np.int64]
    shortfall: int


def fits(gain: np.ndarray, nodes: int, units: int) -> bool:
    """Whether integer gains this large stay in OR-Tools' cost range (``units``: the most
    flow a shortfall arc may be weighed against)."""
    top = int(gain.max(initial=0)) + 1
    return top * (units + 1) * (nodes + 8) < COST_LIMIT


def best_flow(candidate: np.ndarray, vacancy: np.ndarray, gain: np.ndarray, seats: np.ndarray,
              *, employer: np.ndarray | None = None, cap: int | None = None,
              targets: Targets | None = None, prune_above: int = PRUNE_ABOVE) -> Flow:
    """The pairs (``candidate[i]``, ``vacancy[i]``, integer ``gain[i]`` >= 0) of a flow of
    largest total gain under seats, the cap per employer and the targets (see above).

    Above ``prune_above`` pairs, the likely pairs are solved first and the answer proven on
    all of them (:func:`_likely`, :func:`_potentials`); the optimum is the same.
    """
    network = _Network(candidate, vacancy, gain, seats, employer if cap is not None else None,
                       cap, targets)
    if len(gain) <= prune_above:
        return network.solve(np.arange(len(gain)))[0]
    kept = _likely(candidate, vacancy, gain, seats)
    top = int(gain.max(initial=0))
    while not kept.all():
        flow, reduced = network.solve(np.flatnonzero(kept))
        # Reduced costs of every pair against the potentials that prove the kept pairs'
        # flow optimal: none negative, and the flow is optimal on all of them.
        left_out = ~kept
        if not (left_out & (reduced < 0)).any():
            return flow
        # The pairs that came close join too, so that one more round usually ends it.
        kept |= left_out & (reduced < top // MARGIN_SHARE)
    return network.solve(np.arange(len(gain)))[0]


def max_placements(candidate: np.ndarray, vacancy: np.ndarray, seats: np.ndarray, *,
                   employer: np.ndarray | None = None, cap: int | None = None) -> int:
    """The most of the pairs one assignment can take under seats and the cap per employer
    (a maximum flow through the same network, without gains, targets or bypass)."""
    if len(candidate) == 0:
        return 0
    network = _Network(candidate, vacancy, np.zeros(len(candidate), np.int64), seats,
                       employer if cap is not None else None, cap, None)
    through = ~((network.tails == network.source) & (network.heads == network.sink))
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(
        np.concatenate((network.tails[through], network.pair_tails)),
        np.concatenate((network.heads[through], network.pair_heads)),
        np.concatenate((network.capacities[through], np.ones(len(candidate), np.int64))))
    if solver.solve(network.source, network.sink) != solver.OPTIMAL:
        raise RuntimeError("maximum flow did not end optimal")
    return int(solver.optimal_flow())


class _Network:
    """The arcs of the network of one solve but its pairs, and how to solve it on a subset
    of the pairs."""

    def __init__(self, candidate: np.ndarray, vacancy: np.ndarray, gain: np.ndarray,
                 seats: np.ndarray, employer: np.ndarray | None, cap: int | None,
                 targets: Targets | None) -> None:
        who, column = _compact(candidate)
        m, n_vacancies = len(who), len(seats)
        n_employers = int(employer.max(initial=-1)) + 1 if employer is not None else 0
        minimum = targets.minimum if targets is not None else np.zeros(0, np.int64)
        group = targets.group[who] if targets is not None else np.full(m, -1)
        first_vacancy, first_employer = m, m + n_vacancies
        first_group = first_employer + n_employers
        source = first_group + len(minimum)
        sink = source + 1
        placements = min(m, int(seats.sum()))
        supply = placements + int(minimum.sum())
        shortfall_cost = int(gain.max(initial=0)) * placements + 1

        vacancies = np.arange(n_vacancies)
        grouped = group >= 0
        members = np.bincount(group[grouped], minlength=len(minimum))
        arcs = [  # (tails, heads, capacities, costs); the shortfall arcs first
            (first_group + np.arange(len(minimum)), np.full(len(minimum), sink), minimum,
             np.full(len(minimum), shortfall_cost)),
            (np.where(grouped, first_group + group, source), np.arange(m), np.ones(m, np.int64),
             np.zeros(m, np.int64)),
            (np.full(len(minimum), source), first_group + np.arange(len(minimum)),
             np.maximum(members, minimum) - minimum, np.zeros(len(minimum), np.int64)),
            (np.array([source]), np.array([sink]), np.array([supply]), np.zeros(1, np.int64)),
        ]
        if employer is not None and cap is not None:
            arcs += [(first_vacancy + vacancies, first_employer + employer, seats,
                      np.zeros(n_vacancies, np.int64)),
                     (first_employer + np.arange(n_employers), np.full(n_employers, sink),
                      np.full(n_employers, cap), np.zeros(n_employers, np.int64))]
        else:
            arcs.append((first_vacancy + vacancies, np.full(n_vacancies, sink), seats,
                         np.zeros(n_vacancies, np.int64)))
        self.tails, self.heads, self.capacities, self.costs = (
            np.concatenate(part).astype(np.int64) for part in zip(*arcs, strict=True))
        self.pair_tails, self.pair_heads = column.astype(np.int64), first_vacancy + vacancy
        self.pair_costs = -gain.astype(np.int64)
        self.nodes, self.source, self.sink = sink + 1, source, sink
        self.shortfalls = len(minimum)
        self.supplied = np.concatenate(([source, sink], first_group + np.arange(len(minimum))))
        self.supplies = np.concatenate(([supply - int(minimum.sum()), -supply], minimum))

    def solve(self, pairs: np.ndarray) -> tuple[Flow, np.ndarray]:
        """The optimal flow using only ``pairs`` (indices), and every pair's reduced cost
        against potentials that prove it optimal (computed only when some pair is left out).
        """
        tails = np.concatenate((self.tails, self.pair_tails[pairs]))
        heads = np.concatenate((self.heads, self.pair_heads[pairs]))
        capacities = np.concatenate((self.capacities, np.ones(len(pairs), np.int64)))
        costs = np.concatenate((self.costs, self.pair_costs[pairs]))
        solver = min_cost_flow.SimpleMinCostFlow()
        solver.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
        solver.set_nodes_supplies(self.supplied, self.supplies)
        status = solver.solve()
        if status != solver.OPTIMAL:  # the bypass and shortfall arcs make every case feasible
            raise RuntimeError(f"min-cost flow ended {status!r}")
        flows = solver.flows(np.arange(len(tails)))
        first_pair = len(self.tails)
        flow = Flow(pairs[flows[first_pair:] > 0], int(flows[:self.shortfalls].sum()))
        if len(pairs) == len(self.pair_costs):
            return flow, np.zeros(0, np.int64)
        # The residual graph: an arc with room left forward, an arc with flow backward.
        forward, backward = flows < capacities, flows > 0
        potential = _potentials(np.concatenate((tails[forward], heads[backward])),
                                np.concatenate((heads[forward], tails[backward])),
                                np.concatenate((costs[forward], -costs[backward])), self.nodes)
        return flow, self.pair_costs + potential[self.pair_tails] - potential[self.pair_heads]


def _likely(candidate: np.ndarray, vacancy: np.ndarray, gain: np.ndarray,
            seats: np.ndarray) -> npt.NDArray[np.bool_]:
    """The pairs an optimum most likely uses: each vacancy's best ``2 x seats + 3`` (and any
    tied with the last of them) and each candidate's pairs within an eighth of the top gain of
    their best."""
    top = int(gain.max(initial=0)) + 1
    wanted = 2 * seats + 3
    kept: npt.NDArray[np.bool_]
    if len(seats) * top <= 4 * len(gain):
        # Gains are small integers: each vacancy's threshold from its histogram of gains
        # (ties at the threshold all kept), without sorting the pairs.
        counts = np.bincount(vacancy * top + gain, minlength=len(seats) * top)
        at_least = np.cumsum(counts.reshape(len(seats), top)[:, ::-1], axis=1)[:, ::-1]
        threshold = (at_least >= wanted[:, None]).sum(axis=1) - 1  # -1: fewer pairs than wanted
        kept = gain >= threshold[vacancy]
    else:
        order = np.lexsort((-gain, vacancy))
        degree = np.bincount(vacancy, minlength=len(seats))
        first = np.cumsum(degree) - degree
        rank = np.empty(len(gain), np.int64)
        rank[order] = np.arange(len(gain)) - np.repeat(first, degree)
        kept = rank < wanted[vacancy]
    if top // 8:  # (all gains alike, as when counting placements: every pair would be in)
        # Pairs come sorted by candidate: each candidate's pairs are one run.
        starts = np.flatnonzero(np.diff(candidate, prepend=-1))
        best = np.maximum.reduceat(gain, starts)
        kept |= gain >= np.repeat(best, np.diff(np.append(starts, len(gain)))) - top // 8
    return kept


def _compact(candidate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct candidates, and each pair's index among them (``np.unique``'s answer;
    without its sort when the pairs come sorted by candidate, as :class:`.Pairs` do)."""
    if len(candidate) and (np.diff(candidate) >= 0).all():
        change = np.diff(candidate, prepend=candidate[0] - 1) != 0
        return candidate[change], np.cumsum(change) - 1
    who, column = np.unique(candidate, return_inverse=True)
    return who, column


def _potentials(tails: np.ndarray, heads: np.ndarray, costs: np.ndarray,
                nodes: int) -> npt.NDArray[np.int64]:
    """Shortest distances from a root joined to every node at cost 0 (Bellman-Ford, each
    round relaxing only the arcs out of the nodes the last one improved).

    On the residual graph of an optimal flow there is no negative cycle, so they exist, and
    ``cost + potential[tail] - potential[head] >= 0`` on every residual arc.
    """
    order = np.argsort(tails, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    indptr = np.concatenate(([0], np.cumsum(np.bincount(tails, minlength=nodes))))
    distance = np.zeros(nodes, np.int64)
    frontier = np.arange(nodes)
    for _ in range(nodes + 1):
        start = indptr[frontier]
        degree = indptr[frontier + 1] - start
        arcs = np.repeat(start - np.cumsum(degree) + degree, degree) + np.arange(degree.sum())
        reached = distance[tails[arcs]] + costs[arcs]
        better = reached < distance[heads[arcs]]
        if not better.any():
            return distance
        before = distance.copy()
        np.minimum.at(distance, heads[arcs][better], reached[better])
        frontier = np.flatnonzero(distance < before)
    raise RuntimeError("negative cycle in the residual graph of an optimal flow")


def lattice_gains(score: np.ndarray, scale: int | None) -> npt.NDArray[np.int64] | None:
    """``score * scale`` as integers when every score is a whole multiple of ``1 / scale`` (up
    to float rounding, checked here), else None: then no integer cost keeps the optimum exact."""
    if scale is None:
        return None
    scaled = score * scale
    gain = np.rint(scaled)
    if np.abs(scaled - gain).max(initial=0.0) > 1e-6:
        return None
    integral: npt.NDArray[np.int64] = gain.astype(np.int64)
    return integral

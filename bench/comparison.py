"""Two HTTP endpoints loaded by wrk in turns, as report figures: throughput, then tail latency.

The reads benchmark (service vs a bare asyncpg app) and the gateway benchmark (through the
gateway vs straight to the service) compare the same way, so they share this.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.figures import Figure, distribution, figure
from bench.wrk import LoadResult, best, run_wrk

THROUGHPUT_GOAL = 0.8  # of the baseline's requests per second
ROUNDS = 3  # best of three: one round disturbed by other work on the machine does not decide


@dataclass
class Comparison:
    """One request loaded on two endpoints: ours and the baseline, round after round."""

    name: str
    script: Path
    ours_url: str
    baseline_url: str
    connections: int = 64  # wrk's open connections, each sending its next request at once
    goal: float = THROUGHPUT_GOAL  # ours / the baseline's requests per second, at least
    ours: list[LoadResult] = field(default_factory=list)
    baseline: list[LoadResult] = field(default_factory=list)

    def round(self, seconds: int) -> None:
        """Load the baseline, then ours, once each."""
        for url, results in ((self.baseline_url, self.baseline), (self.ours_url, self.ours)):
            results.append(run_wrk(url, script=self.script, seconds=seconds,
                                   connections=self.connections,
                                   threads=min(2, self.connections)))


def run_rounds(comparisons: list[Comparison], *, rounds: int, seconds: int) -> None:
    """Every comparison once per round, in turns: load from other work on a shared machine
    then weighs on all of them alike instead of on whichever ran during it."""
    for _ in range(rounds):
        for comparison in comparisons:
            comparison.round(seconds)


TailGoal = Callable[[LoadResult, LoadResult], tuple[str, bool | None]]


def figures(comparison: Comparison, *, labels: tuple[str, str], baseline_name: str,
            tail_goal: TailGoal) -> Iterator[Figure]:
    """Requests per second (with both latency curves for the chart), then p99.

    ``labels`` name ours and the baseline on the chart; ``tail_goal(ours, baseline)`` gives the
    p99 figure's goal text and whether it is met. Each side keeps its best round.
    """
    ours, base = best(comparison.ours), best(comparison.baseline)
    errors = ours.errors + base.errors
    yield figure(
        f"{comparison.name}: requests/s", unit="req/s", value=round(ours.requests_per_second),
        baseline=round(base.requests_per_second), baseline_name=baseline_name,
        goal=f">= {comparison.goal}",
        # Non-2xx answers make a throughput meaningless, however high.
        met=errors == 0 and ours.requests_per_second >= comparison.goal * base.requests_per_second,
        errors=errors, rounds=[round(r.requests_per_second) for r in comparison.ours],
        baseline_rounds=[round(r.requests_per_second) for r in comparison.baseline],
        distribution=distribution(f"{comparison.name} (wrk, best round of each)",
                                  {labels[0]: ours.percentiles_ms,
                                   labels[1]: base.percentiles_ms}))
    goal, met = tail_goal(ours, base)
    yield figure(
        f"{comparison.name}: p99 latency", unit="ms", value=round(ours.p99_ms, 2),
        baseline=round(base.p99_ms, 2), baseline_name=baseline_name, goal=goal, met=met,
        p50_ms=round(ours.p50_ms, 2), baseline_p50_ms=round(base.p50_ms, 2),
        p99_over_p50=round(ours.p99_ms / ours.p50_ms, 2),
        note=f"p50 {ours.p50_ms:.1f} ms, p99 = {ours.p99_ms / ours.p50_ms:.2f}x p50")

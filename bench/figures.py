"""What a benchmark returns: figures, each a value against a baseline measured in the same run.

A figure is a plain dict (it goes to ``report.json`` as it is) with at least ``name``, ``unit``,
``value``, ``baseline``, ``baseline_name``, ``ratio`` (value / baseline), ``goal`` (text) and
``met`` (True, False, or None when the goal is only "reported"). Any other key is detail kept
in the JSON; a short ``note`` (what the goal is judged on, when not the ratio) shows next to
the value in the Markdown table. A figure may carry a ``distribution``: latency percentiles of
the measured thing and of its baseline, which the report's chart draws; and ``tokens``: how
both sides check the caller's bearer token, which the report's Tokens section says.
"""

import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import numpy as np

# 1st..99th percentile, then the tail: what a reader of a latency curve looks at.
PERCENTILES: tuple[float, ...] = (*map(float, range(1, 100)), 99.5, 99.9, 99.99)

Figure = dict[str, Any]


def figure(name: str, *, unit: str, value: float, baseline: float, baseline_name: str,
           goal: str, met: bool | None, **detail: Any) -> Figure:
    """One figure, its ratio computed here so that every benchmark rounds it alike."""
    ratio = round(value / baseline, 3) if baseline else None
    return {"name": name, "unit": unit, "value": value, "baseline": baseline,
            "baseline_name": baseline_name, "ratio": ratio, "goal": goal, "met": met,
            **detail}


def not_measured(name: str, *, unit: str, baseline_name: str, goal: str,
                 why: str) -> Figure:
    """A figure whose peer could not be run here (``why``): no value, no ratio, no verdict,
    and the report says so instead of failing the whole benchmark."""
    return {"name": name, "unit": unit, "value": "not measured", "baseline": "not measured",
            "baseline_name": baseline_name, "ratio": None, "goal": goal, "met": None,
            "note": why}


def percentiles_of(samples_ms: Iterable[float]) -> dict[float, float]:
    """The :data:`PERCENTILES` of some latencies (ms), for a distribution."""
    values = np.fromiter(samples_ms, dtype=float)
    return dict(zip(PERCENTILES, np.percentile(values, PERCENTILES).round(3).tolist(),
                    strict=True))


def distribution(title: str, series: Mapping[str, Mapping[float, float]]) -> dict[str, Any]:
    """Latency curves to draw under ``title`` (label -> percentile -> ms), as JSON wants them.

    Only the percentiles every series has are kept, so that the curves compare point by point.
    """
    common = sorted(set.intersection(*(set(s) for s in series.values())))
    return {"title": title, "percentiles": common,
            "series": {label: [round(s[p], 3) for p in common] for label, s in series.items()}}


class Incomplete(Exception):
    """A benchmark failed part way; ``figures`` holds what it had measured before, which the
    report keeps next to the error (raise it ``from`` the error)."""

    def __init__(self, figures: list[Figure]) -> None:
        super().__init__(f"failed after {len(figures)} figures")
        self.figures = figures


async def best_ms(run: Callable[[], Awaitable[Any]], rounds: int) -> float:
    """The best time of ``rounds`` runs of ``run``, in milliseconds (caches warm: the first
    runs pay for what the next ones find ready)."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        await run()
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def print_figures(figures: Iterable[Figure]) -> None:
    """Each figure against its baseline, one line each (a benchmark run on its own)."""
    for f in figures:
        print(f"   {f['name']}: {f['value']} {f['unit']} vs baseline {f['baseline']} "
              f"({f['baseline_name']}) -> ratio {f['ratio']} (goal {f['goal']})")

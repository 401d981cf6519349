"""The report's charts: one latency-by-percentile panel per figure that carries a distribution,
and the scale curves (time and memory by pool size) in a second image.

Each panel draws the measured thing and its baseline (service vs bare asyncpg, gateway vs
direct, relay vs direct POST) as latency against percentile. The percentile axis is spaced by
"nines" (-log10(1 - p)), as HdrHistogram plots are, so that the tail from p90 to p99.99 gets as
much room as the body: the tail is where two curves with the same median differ.
"""

import math
import textwrap
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on servers and in CI; must precede pyplot's import

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

TICKS = (50.0, 90.0, 99.0, 99.9, 99.99)
COLUMNS = 2


def _nines(percentile: float) -> float:
    return -math.log10(1 - percentile / 100)


def _panel(axes: Axes, figure: dict[str, Any]) -> None:
    curve = figure["distribution"]
    x = [_nines(p) for p in curve["percentiles"]]
    for (label, values), style in zip(curve["series"].items(), ("-", "--", ":", "-."),
                                      strict=False):
        axes.plot(x, values, style, label=label, linewidth=1.6)
    axes.set_title(textwrap.fill(curve.get("title", figure["name"]), 56), fontsize=9)
    axes.set_xticks([_nines(p) for p in TICKS], [f"p{p:g}" for p in TICKS], fontsize=8)
    axes.set_xlim(0, max(x))
    axes.set_ylabel("latency (ms)", fontsize=8)
    axes.tick_params(axis="y", labelsize=8)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8, loc="upper left")


def draw(figures: list[dict[str, Any]], path: Path) -> int:
    """Write the chart to ``path`` (PNG); return how many panels it has.

    With no distribution in the run (e.g. only matching was selected) it still writes a PNG that
    says so, so that the report's image link never dangles.
    """
    curves = [f for f in figures if f.get("distribution", {}).get("series")]
    rows = max(1, math.ceil(len(curves) / COLUMNS))
    columns = COLUMNS if len(curves) > 1 else 1
    fig, grid = plt.subplots(rows, columns, figsize=(6.2 * columns, 3.8 * rows), squeeze=False)
    try:
        cells = [axes for row in grid for axes in row]
        for axes, figure in zip(cells, curves, strict=False):
            _panel(axes, figure)
        for axes in cells[len(curves):]:
            axes.axis("off")
        if not curves:
            cells[0].text(0.5, 0.5, "no latency distributions in this run", ha="center",
                          va="center")
        fig.suptitle("Latency by percentile: measured vs its baseline (same run)", fontsize=11)
        fig.tight_layout()
        fig.savefig(path, format="png", dpi=110)
    finally:
        plt.close(fig)
    return len(curves)


def draw_scale(figures: list[dict[str, Any]], path: Path) -> int:
    """Write the scale curves (time and peak RSS by pool size; figures with a
    ``scale_curve``) to ``path`` (PNG); return how many curves. Always writes the file."""
    curves = [f["scale_curve"] for f in figures if f.get("scale_curve", {}).get("points")]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    try:
        for curve in curves:
            points = curve["points"]
            sizes = [p["candidates"] for p in points]
            left.plot(sizes, [p["seconds"] for p in points], "o-", linewidth=1.6)
            right.plot(sizes, [p["peak_rss_mb"] for p in points], "o-", linewidth=1.6)
            fig.suptitle(curve.get("title", "scale curve"), fontsize=11)
        for axes, label in ((left, "time (s)"), (right, "peak RSS (MB)")):
            axes.set_xlabel("candidates (vacancies 0.2x)", fontsize=8)
            axes.set_ylabel(label, fontsize=8)
            axes.tick_params(labelsize=8)
            axes.grid(True, alpha=0.3)
        if not curves:
            left.text(0.5, 0.5, "no scale curve in this run", ha="center", va="center")
        fig.tight_layout()
        fig.savefig(path, format="png", dpi=110)
    finally:
        plt.close(fig)
    return len(curves)

"""Write a run's report: ``report.json`` (everything), ``report.md``, ``latency.png`` and
``scale.png``.

The report is a dict: ``measured_at``, ``seconds``, ``benchmarks`` (name, status, seconds,
figures: one entry per benchmark selected, failed ones with their error), ``machine`` (see
:mod:`bench.machine`) and ``figures`` (see :mod:`bench.figures`). Writing it runs nothing, so
that a test can check it on made-up figures.
"""

import json
import re
from pathlib import Path
from typing import Any

from bench.chart import draw, draw_scale

CHART = "latency.png"
SCALE_CHART = "scale.png"


def met(figure: dict[str, Any]) -> bool | None:
    """Whether the figure meets its goal: its own ``met``, else read from a ``>= x``,
    ``<= x`` or ``= x`` goal on the ratio (older benchmarks only say the goal); None if
    neither says."""
    if "met" in figure:
        said: bool | None = figure["met"]
        return said
    found = re.fullmatch(r"\s*(>=|<=|=)\s*([\d.]+)\s*", str(figure.get("goal", "")))
    if found is None or figure.get("ratio") is None:
        return None
    op, bound, ratio = found.group(1), float(found.group(2)), float(figure["ratio"])
    return {">=": ratio >= bound, "<=": ratio <= bound, "=": abs(ratio - bound) < 1e-6}[op]


def _cell(value: Any) -> str:
    # A table cell must not open a new column or a new row.
    return str(value).replace("|", "\\|").replace("\n", " ")


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int | float) and not isinstance(value, bool) \
        else str(value)


def _amount(value: Any, unit: str) -> str:
    # A value that is words ("not measured") has no unit.
    return value if isinstance(value, str) else f"{_number(value)} {unit}"


def _row(figure: dict[str, Any]) -> str:
    value = _amount(figure["value"], figure["unit"])
    notes = [figure["note"]] if figure.get("note") else []
    if figure.get("errors"):
        notes.append(f"{figure['errors']} errors")
    if notes:
        value += f" ({', '.join(notes)})"
    baseline = f"{_amount(figure['baseline'], figure['unit'])}: {figure['baseline_name']}"
    verdict = {True: "yes", False: "**no**", None: "—"}[met(figure)]
    ratio = "—" if figure.get("ratio") is None else figure["ratio"]
    return "| " + " | ".join(_cell(c) for c in (figure["name"], value, baseline, ratio,
                                                  figure["goal"], verdict)) + " |"


def _machine(report: dict[str, Any]) -> list[str]:
    m = report["machine"]
    packages = ", ".join(f"{name} {version}" for name, version in m["packages"].items())
    rows = [("CPU", f"{m['cpu']}, {m['cores']} cores"), ("memory", f"{m['memory_gib']} GiB"),
            ("load average at start (1, 5, 15 min)", " ".join(map(str, m["load_average_start"]))),
            ("load average at end", " ".join(map(str, m.get("load_average_end", [])))),
            ("OS", m["os"]), ("Python", m["python"]),
            ("PostgreSQL server", m.get("postgres", "unknown")), ("wrk", m["wrk"]),
            ("packages", packages)]
    return ["## Machine", "", "| | |", "|---|---|",
            *(f"| {_cell(k)} | {_cell(v)} |" for k, v in rows), ""]


def _benchmarks(report: dict[str, Any]) -> list[str]:
    lines = ["## Benchmarks run", "", "| benchmark | status | seconds | figures |",
             "|---|---|---|---|"]
    for b in report["benchmarks"]:
        status = "ok" if b["status"] == "ok" else f"**{b['status']}**"
        lines.append(f"| {b['name']} | {status} | {b['seconds']:.0f} | {b['figures']} |")
    return [*lines, ""]


def _failures(report: dict[str, Any]) -> list[str]:
    failed = [b for b in report["benchmarks"] if b["status"] != "ok"]
    if not failed:
        return []
    lines = ["## Failures", ""]
    for b in failed:
        lines += [f"### {b['name']}", "", "```", b.get("error", "").rstrip(), "```", ""]
    return lines


def _tokens(report: dict[str, Any]) -> list[str]:
    """How both sides of the figures check the caller's bearer token, where a benchmark says
    (its figures' ``tokens``): a ratio compares equal work only if both do the same."""
    said: dict[str, list[str]] = {}
    for f in report["figures"]:
        if f.get("tokens"):
            said.setdefault(f["tokens"], []).append(f["name"])
    if not said:
        return []
    lines = ["## Tokens", ""]
    for text, names in said.items():
        lines += [f"{text[0].upper()}{text[1:]}.", "",
                  *(f"- {_cell(name)}" for name in names), ""]
    return lines


def markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: machine, benchmarks run, figures, how tokens are checked,
    chart, failures."""
    figures = report["figures"]
    missed = sum(1 for f in figures if met(f) is False)
    failed = sum(1 for b in report["benchmarks"] if b["status"] != "ok")
    lines = ["# Pathways benchmark report", "",
             f"Measured {report['measured_at']} in {report['seconds']:.0f} s: "
             f"{len(figures)} figures, {missed} goals missed, {failed} benchmarks failed. "
             "Every baseline was measured in this run on this machine; the ratio is value / "
             "baseline.", "",
             *_machine(report), *_benchmarks(report),
             "## Figures", "",
             "| figure | value | baseline (same run) | ratio | goal | met? |",
             "|---|---|---|---|---|---|",
             *(_row(f) for f in figures), "",
             "Details (rounds, latency percentiles, plans' times, memory) are in `report.json`.",
             "", *_tokens(report),
             "## Latency distributions", "", f"![latency]({CHART})", "",
             "## Scale curves", "", f"![scale]({SCALE_CHART})", "",
             *_failures(report)]
    return "\n".join(lines).rstrip() + "\n"


def write(report: dict[str, Any], directory: Path) -> dict[str, Path]:
    """Write the four files into ``directory``; their paths by kind."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {"json": directory / "report.json", "markdown": directory / "report.md",
             "chart": directory / CHART, "scale_chart": directory / SCALE_CHART}
    report = {**report, "chart_panels": draw(report["figures"], paths["chart"]),
              "scale_curves": draw_scale(report["figures"], paths["scale_chart"])}
    paths["json"].write_text(json.dumps(report, indent=2, default=str) + "\n")
    paths["markdown"].write_text(markdown(report))
    return paths

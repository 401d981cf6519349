"""``make bench``: run every benchmark and write ``bench/results/report.{json,md}`` and its chart.

Select some with ``python -m bench reads imports``: their report goes to ``var/bench`` (git
ignores it), so that trying one benchmark never replaces the report of record, which only a run
of all of them writes. ``--out DIR`` writes either elsewhere. A benchmark that fails does not
stop the others: its error goes into the report, the report is written all the same, and the
exit status is 1 at the end.
"""

import asyncio
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    events,
    fair_recruitment,
    gateway,
    imports,
    indicators,
    matching,
    reads,
    report,
)
from bench.environment import PROJECT_ROOT, RESULTS, bench_database
from bench.figures import Incomplete
from bench.machine import load_average, machine, postgres_version
from launcher.database import service_database_url
from launcher.topology import service

Benchmark = Callable[[str], Awaitable[Any]]
BENCHMARKS: dict[str, Benchmark] = {
    "reads": reads.run, "imports": imports.run, "gateway": gateway.run, "events": events.run,
    "matching": matching.run, "indicators": indicators.run,
    "fair_recruitment": fair_recruitment.run}


# Where a selection's report goes unless told otherwise.
SCRATCH = PROJECT_ROOT / "var" / "bench"


def _print(figure: dict[str, Any]) -> None:
    # Failed answers make a figure unmet however good it looks: say how many, beside it.
    errors = f", {figure['errors']} failed answers" if figure.get("errors") else ""
    print(f"   {figure['name']}: {figure['value']} {figure['unit']} vs baseline "
          f"{figure['baseline']} -> ratio {figure['ratio']} (goal {figure['goal']}, met "
          f"{report.met(figure)}{errors})", flush=True)


def _run_one(name: str, candidates_url: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One benchmark in its own event loop (a task it leaks cannot touch the next one)."""
    print(f"== {name}", flush=True)
    started = time.monotonic()
    error = None
    try:
        result = asyncio.run(BENCHMARKS[name](candidates_url))
        figures = result if isinstance(result, list) else [result]
    except Exception as failure:  # the report tells it, and the next benchmark still runs
        error = traceback.format_exc()
        print(error, file=sys.stderr, flush=True)
        figures = failure.figures if isinstance(failure, Incomplete) else []
    for figure in figures:
        _print(figure)
    outcome = {"name": name, "status": "ok" if error is None else "failed",
               "seconds": time.monotonic() - started, "figures": len(figures)}
    return (outcome if error is None else {**outcome, "error": error}), figures


def run(names: list[str]) -> dict[str, Any]:
    """Run ``names`` on one fresh database; the report, failures included."""
    started, measured_at = time.monotonic(), datetime.now(UTC).isoformat(timespec="seconds")
    about = machine()
    runs: list[dict[str, Any]] = []
    figures: list[dict[str, Any]] = []
    try:
        with bench_database() as admin_url:
            about["postgres"] = asyncio.run(postgres_version(admin_url))
            url = service_database_url(admin_url, service("candidates"))
            for name in names:
                outcome, got = _run_one(name, url)
                runs.append(outcome)
                figures += got
    except Exception:  # the database could not be set up or dropped: say so, keep the rest
        error = traceback.format_exc()
        print(error, file=sys.stderr, flush=True)
        done = {r["name"] for r in runs}
        runs += [{"name": name, "status": "not run", "seconds": 0.0, "figures": 0,
                  "error": f"the benchmark database failed:\n{error}"}
                 for name in names if name not in done]
        if len(done) == len(names):  # it was the teardown: every benchmark ran
            runs.append({"name": "database teardown", "status": "failed", "seconds": 0.0,
                         "figures": 0, "error": error})
    about["load_average_end"] = load_average()
    return {"measured_at": measured_at, "seconds": round(time.monotonic() - started, 1),
            "selected": names, "machine": about, "benchmarks": runs, "figures": figures}


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all by default), write the report (see the module for where);
    1 if any failed, 2 for a wrong command line."""
    out: Path | None = None
    if "--out" in argv:
        at = argv.index("--out")
        if at + 1 == len(argv):
            print("--out needs a directory")
            return 2
        out, argv = Path(argv[at + 1]), argv[:at] + argv[at + 2:]
    names = argv or list(BENCHMARKS)
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        print(f"unknown benchmarks: {', '.join(sorted(unknown))}; known: {', '.join(BENCHMARKS)}")
        return 2
    if out is None:
        out = RESULTS if set(names) == set(BENCHMARKS) else SCRATCH
    result = run(names)
    paths = report.write(result, out)
    print(f"report: {paths['markdown']} (and {paths['json'].name}, {paths['chart'].name}, "
          f"{paths['scale_chart'].name}); "
          f"took {result['seconds']:.0f} s", flush=True)
    failed = [b["name"] for b in result["benchmarks"] if b["status"] != "ok"]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

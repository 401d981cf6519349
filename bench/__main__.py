"""``make bench``: run every benchmark and write ``bench/results/report.{json,md}``.

Select some with ``python -m bench reads imports``.
"""

import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

from bench import events, gateway, imports, indicators, matching, reads
from bench.environment import RESULTS, bench_database, machine
from shared.runner import service_database_url
from shared.topology import service

BENCHMARKS = {"reads": reads.run, "imports": imports.run, "gateway": gateway.run,
              "events": events.run, "matching": matching.run, "indicators": indicators.run}


def _markdown(report: dict[str, Any]) -> str:
    lines = ["# Pathways benchmark report", "",
             f"Measured {report['measured_at']} on {report['machine']['platform']} "
             f"({report['machine']['cpus']} CPUs, Python {report['machine']['python']}).", "",
             "| figure | value | baseline (same run) | ratio | goal |",
             "|---|---|---|---|---|"]
    for f in report["figures"]:
        extra = f" (p50 {f['p50_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms)" if "p50_ms" in f else ""
        lines.append(f"| {f['name']} | {f['value']} {f['unit']}{extra} | {f['baseline']} "
                     f"{f['unit']}: {f['baseline_name']} | {f['ratio']} | {f['goal']} |")
    return "\n".join(lines) + "\n"


async def _run(names: list[str], candidates_url: str) -> list[dict[str, Any]]:
    figures: list[dict[str, Any]] = []
    for name in names:
        print(f"== {name}", flush=True)
        result = await BENCHMARKS[name](candidates_url)
        for figure in result if isinstance(result, list) else [result]:
            print(f"   {figure['name']}: {figure['value']} {figure['unit']} vs baseline "
                  f"{figure['baseline']} -> ratio {figure['ratio']} (goal {figure['goal']})",
                  flush=True)
            figures.append(figure)
    return figures


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all by default) and write the report."""
    names = argv or list(BENCHMARKS)
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        print(f"unknown benchmarks: {', '.join(sorted(unknown))}; known: {', '.join(BENCHMARKS)}")
        return 2
    with bench_database() as admin_url:
        url = service_database_url(admin_url, service("candidates"))
        figures = asyncio.run(_run(names, url))
    report = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": machine(), "figures": figures}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "report.json").write_text(json.dumps(report, indent=2))
    (RESULTS / "report.md").write_text(_markdown(report))
    print(f"report: {RESULTS / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The benchmark report writer on made-up figures: valid JSON, a Markdown table, a PNG chart.

Nothing here runs a benchmark or needs a database: it must stay fast.
"""

import json
import subprocess
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest

from bench import report
from bench.figures import (
    PERCENTILES,
    Incomplete,
    distribution,
    figure,
    not_measured,
    percentiles_of,
)
from bench.nginx import PACKAGES, nginx_conf
from bench.packages import installed, may_install
from bench.wrk import lua_script, parse

PNG = b"\x89PNG\r\n\x1a\n"
WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:1/
  2 threads and 64 connections
  Latency Distribution
     50%    4.10ms
     75%    5.00ms
     90%    6.20ms
     99%   12.30ms
  1000 requests in 1.00s, 1.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   1000.50
Transfer/sec:      1.00MB
pathways-latency-us 1=1000 50=4150 99=12500 99.9=20000
"""


def _curve(scale: float) -> dict[float, float]:
    return {p: scale * (1 + p / 50) for p in PERCENTILES}


def _report(figures: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "measured_at": "2026-01-01T00:00:00+00:00", "seconds": 12.0, "selected": ["a", "b"],
        "machine": {"cpu": "Test CPU", "cores": 2, "memory_gib": 24.0,
                    "load_average_start": [0.1, 0.2, 0.3], "load_average_end": [1.0, 0.5, 0.3],
                    "os": "Test OS", "python": "3.11.0", "postgres": "18.0", "wrk": "wrk 4.1.0",
                    "packages": {"fastapi": "1.0", "numpy": "2.0"}},
        "benchmarks": [{"name": "a", "status": "ok", "seconds": 10.0, "figures": len(figures)},
                       {"name": "b", "status": "failed", "seconds": 2.0, "figures": 0,
                        "error": "Traceback (most recent call last):\nRuntimeError: boom"}],
        "figures": figures}


FIGURES = [
    figure("GET /x: requests/s", unit="req/s", value=900, baseline=1000, baseline_name="bare",
           goal=">= 0.8", met=True, errors=0,
           distribution=distribution("GET /x", {"service": _curve(2.0),
                                                "bare | app": _curve(1.5)})),
    figure("GET /x: p99 latency", unit="ms", value=9.5, baseline=7.5, baseline_name="bare",
           goal="<= 3x its p50", met=False, note="p99 = 3.5x p50"),
    # An older benchmark's figure: no "met", its goal read from the ratio.
    {"name": "import", "unit": "rows/s", "value": 100, "baseline": 400,
     "baseline_name": "COPY", "ratio": 0.25, "goal": ">= 0.5"},
    figure("events: p99", unit="ms", value=20.0, baseline=10.0, baseline_name="direct",
           goal="reported", met=None,
           distribution=distribution("events", {"relay": percentiles_of(range(100)),
                                      "direct": percentiles_of(range(50))})),
]


def test_report_writes_json_markdown_and_png(tmp_path: Path) -> None:
    paths = report.write(_report(FIGURES), tmp_path)

    written = json.loads(paths["json"].read_text())
    assert [f["name"] for f in written["figures"]] == [f["name"] for f in FIGURES]
    assert written["chart_panels"] == 2

    text = paths["markdown"].read_text()
    table = [line for line in text.splitlines()
             if line.startswith("| ") and "baseline (same run)" not in line
             and line.count(" | ") >= 5 and "---" not in line]
    assert len(table) == len(FIGURES)
    for row in table:  # six cells each, an escaped pipe included
        assert row.replace("\\|", "").count("|") == 7
    assert "| figure | value | baseline (same run) | ratio | goal | met? |" in text
    assert "![latency](latency.png)" in text
    assert "| GET /x: requests/s | 900 req/s | 1,000 req/s: bare | 0.9 | >= 0.8 | yes |" in text
    assert "| 9.5 ms (p99 = 3.5x p50) | 7.5 ms: bare |" in text
    assert "| import | 100 rows/s | 400 rows/s: COPY | 0.25 | >= 0.5 | **no** |" in text
    assert "## Failures" in text and "RuntimeError: boom" in text
    assert "| load average at end | 1.0 0.5 0.3 |" in text

    chart = paths["chart"].read_bytes()
    assert chart.startswith(PNG) and len(chart) > 10_000


def test_report_says_how_both_sides_check_tokens(tmp_path: Path) -> None:
    said = "both sides verify the same token"
    figures = [{**FIGURES[0], "tokens": said}, {**FIGURES[1], "tokens": said}, FIGURES[2]]
    text = report.write(_report(figures), tmp_path)["markdown"].read_text()
    section = text.split("## Tokens\n", 1)[1].split("\n## ", 1)[0]
    assert section.strip().split("\n") == ["Both sides verify the same token.", "",
                                            "- GET /x: requests/s", "- GET /x: p99 latency"]
    # Without a word on tokens, no section.
    assert "## Tokens" not in report.markdown(_report(FIGURES))


def test_chart_without_distributions_is_still_a_png(tmp_path: Path) -> None:
    paths = report.write(_report([FIGURES[1]]), tmp_path)
    assert paths["chart"].read_bytes().startswith(PNG)
    assert json.loads(paths["json"].read_text())["chart_panels"] == 0


def test_a_peer_that_could_not_run_is_not_measured(tmp_path: Path) -> None:
    missing = not_measured("GET /x vs nginx: requests/s", unit="req/s", baseline_name="nginx",
                           goal=">= 0.95", why="nginx is not installed")
    text = report.write(_report([missing, FIGURES[0]]), tmp_path)["markdown"].read_text()
    assert ("| GET /x vs nginx: requests/s | not measured (nginx is not installed) "
            "| not measured: nginx | — | >= 0.95 | — |") in text
    assert "0 goals missed" in text


def test_the_nginx_peer_configuration_is_valid(tmp_path: Path) -> None:
    # nginx as the benchmark gets it: installed from the system's packages when missing.
    nginx = installed("nginx", PACKAGES)
    if nginx is None and not may_install():
        # Nothing here may install it (the benchmark then says "not measured" alike); where
        # something may, a failed installation fails the test.
        pytest.skip("nginx is not installed and this user cannot install it")
    assert nginx is not None, f"none of {PACKAGES} installed nginx with apt-get"
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_conf(tmp_path, port=1, upstream="127.0.0.1:2"))
    checked = subprocess.run([nginx, "-t", "-p", str(tmp_path),
                              "-c", str(conf), "-e", str(tmp_path / "error.log")],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    assert "keepalive 64;" in conf.read_text() and "worker_processes 1;" in conf.read_text()


def test_wrk_output_and_done_hook_are_read() -> None:
    result = parse(WRK_OUTPUT)
    assert result.requests_per_second == 1000.5
    assert result.errors == 3
    # The done() hook's finer values override the --latency table's rounded ones.
    assert result.p50_ms == 4.15 and result.p99_ms == 12.5
    assert result.percentiles_ms[75.0] == 5.0 and result.percentiles_ms[99.9] == 20.0
    script = lua_script(["/a", '/b"c'], {"Authorization": "Bearer t"})
    assert 'wrk.headers["Authorization"] = "Bearer t"' in script
    assert '"/b\\"c"' in script and "latency:percentile(p)" in script


def test_a_failing_benchmark_is_reported_and_the_others_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import __main__ as bench_main

    async def fails(_: str) -> list[dict[str, Any]]:
        raise RuntimeError("no such table")

    async def partly(_: str) -> list[dict[str, Any]]:
        raise Incomplete([FIGURES[1]]) from RuntimeError("end to end broke")

    async def works(_: str) -> list[dict[str, Any]]:
        return [FIGURES[0]]

    async def version(_: str) -> str:
        return "18.0"

    monkeypatch.setattr(bench_main, "BENCHMARKS", {"a": fails, "b": partly, "c": works})
    monkeypatch.setattr(bench_main, "bench_database",
                        lambda: nullcontext("postgresql://admin@127.0.0.1:1/bench"))
    monkeypatch.setattr(bench_main, "postgres_version", version)
    monkeypatch.setattr(bench_main, "RESULTS", tmp_path)

    assert bench_main.main([]) == 1
    written = json.loads((tmp_path / "report.json").read_text())
    assert [(b["name"], b["status"], b["figures"]) for b in written["benchmarks"]] == [
        ("a", "failed", 0), ("b", "failed", 1), ("c", "ok", 1)]
    assert [f["name"] for f in written["figures"]] == [FIGURES[1]["name"], FIGURES[0]["name"]]
    text = (tmp_path / "report.md").read_text()
    assert "RuntimeError: no such table" in text and "end to end broke" in text
    assert bench_main.main(["nope"]) == 2


def test_only_a_run_of_every_benchmark_replaces_the_report_of_record(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from bench import __main__ as bench_main

    async def works(_: str) -> list[dict[str, Any]]:
        return [{**FIGURES[0], "errors": 3, "met": False}]

    async def version(_: str) -> str:
        return "18.0"

    record, scratch, elsewhere = tmp_path / "record", tmp_path / "scratch", tmp_path / "out"
    monkeypatch.setattr(bench_main, "BENCHMARKS", {"a": works, "b": works})
    monkeypatch.setattr(bench_main, "bench_database",
                        lambda: nullcontext("postgresql://admin@127.0.0.1:1/bench"))
    monkeypatch.setattr(bench_main, "postgres_version", version)
    monkeypatch.setattr(bench_main, "RESULTS", record)
    monkeypatch.setattr(bench_main, "SCRATCH", scratch)

    assert bench_main.main(["a"]) == 0
    assert (scratch / "report.json").exists() and not record.exists()
    # The console says why a figure that looks fine is unmet.
    assert "met False, 3 failed answers)" in capsys.readouterr().out
    assert bench_main.main(["b", "--out", str(elsewhere)]) == 0
    assert json.loads((elsewhere / "report.json").read_text())["selected"] == ["b"]
    assert not record.exists()
    assert bench_main.main(["b", "a"]) == 0
    assert json.loads((record / "report.json").read_text())["selected"] == ["b", "a"]
    assert bench_main.main(["a", "--out"]) == 2


def test_scale_curve_is_drawn_and_linked(tmp_path: Path) -> None:
    points = [{"candidates": n, "seconds": n / 10_000, "peak_rss_mb": n // 50}
              for n in (10_000, 20_000, 40_000)]
    curve = {**FIGURES[1], "scale_curve": {"title": "scale", "points": points}}
    paths = report.write(_report([curve]), tmp_path)
    assert paths["scale_chart"].read_bytes().startswith(PNG)
    assert json.loads(paths["json"].read_text())["scale_curves"] == 1
    assert "![scale](scale.png)" in paths["markdown"].read_text()
    # Without a curve, the image still exists, so the link never dangles.
    empty = report.write(_report([FIGURES[1]]), tmp_path / "empty")
    assert empty["scale_chart"].read_bytes().startswith(PNG)

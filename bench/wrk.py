"""The HTTP load generator: wrk, with a Lua ``done()`` hook that prints its full latency curve.

``wrk --latency`` prints only the 50/75/90/99th percentiles; the chart of the report wants the
whole distribution, so every run goes through a script whose ``done()`` writes
``latency:percentile(p)`` for each of :data:`bench.figures.PERCENTILES` on one line that
:func:`run_wrk` reads back. wrk keeps its latencies in microseconds.
"""

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.figures import PERCENTILES
from bench.packages import installed

_MARK = "pathways-latency-us"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def ensure_wrk() -> str:
    """The path of ``wrk``, installing Debian's package when it is missing and we are root."""
    found = installed("wrk", ("wrk",))
    if not found:
        raise RuntimeError("wrk is needed for the HTTP benchmarks: apt-get install wrk")
    return found


def wrk_version() -> str:
    """wrk's version line, or why there is none (it prints it on ``-v`` and exits 1)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return "not installed"
    output = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False).stdout
    return output.split(" Copyright")[0].strip() or "unknown"


@dataclass(frozen=True)
class LoadResult:
    """What wrk measured: throughput, latency percentiles (percentile -> ms) and errors."""

    requests_per_second: float
    percentiles_ms: dict[float, float]
    errors: int

    @property
    def p50_ms(self) -> float:
        """The median latency."""
        return self.percentiles_ms[50.0]

    @property
    def p99_ms(self) -> float:
        """The 99th percentile latency."""
        return self.percentiles_ms[99.0]


def best(results: Sequence[LoadResult]) -> LoadResult:
    """The round with the most requests per second: the one least disturbed by other work."""
    return max(results, key=lambda r: r.requests_per_second)


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua_script(paths: Sequence[str] = (), headers: dict[str, str] | None = None) -> str:
    """A wrk script: GETs of random ``paths`` (else the URL's), ``headers``, the ``done`` hook."""
    lines = []
    for name, value in (headers or {}).items():
        lines.append(f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}")
    if paths:
        lines += ["local paths = {" + ",".join(_lua_string(p) for p in paths) + "}",
                  "math.randomseed(7)",  # the same sequence of ids in every run
                  "request = function()",
                  '  return wrk.format("GET", paths[math.random(#paths)])',
                  "end"]
    marks = ", ".join(f"{p:g}" for p in PERCENTILES)
    lines += ["done = function(summary, latency, requests)",
              f"  local out = {{{_lua_string(_MARK)}}}",
              f"  for _, p in ipairs({{{marks}}}) do",
              '    out[#out + 1] = string.format("%g=%d", p, latency:percentile(p))',
              "  end",
              '  io.write(table.concat(out, " ") .. "\\n")',
              "end"]
    return "\n".join(lines) + "\n"


@contextmanager
def script_file(paths: Sequence[str] = (),
                headers: dict[str, str] | None = None) -> Iterator[Path]:
    """:func:`lua_script` written to a temporary file, removed afterwards."""
    with tempfile.NamedTemporaryFile("w", prefix="pathways-wrk-", suffix=".lua") as file:
        file.write(lua_script(paths, headers))
        file.flush()
        yield Path(file.name)


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse(output: str) -> LoadResult:
    """Read wrk's summary, and the ``done`` hook's line when there is one."""
    # The --latency table first; the done() hook's finer list overrides it.
    percentiles = {float(p): _ms(v) for p, v in
                   re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", output, re.M)}
    for line in output.splitlines():
        if line.startswith(_MARK):
            for pair in line.split()[1:]:
                p, micros = pair.split("=")
                percentiles[float(p)] = int(micros) / 1000
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = 0
    if non_2xx := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(non_2xx.group(1))
    if socket_errors := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                                  r"timeout (\d+)", output):
        errors += sum(int(n) for n in socket_errors.groups())
    return LoadResult(rps, dict(sorted(percentiles.items())), errors)


def run_wrk(url: str, *, script: Path, seconds: int = 10, threads: int = 2,
            connections: int = 64) -> LoadResult:
    """Load ``url`` with wrk running ``script`` (see :func:`script_file`); read what it says."""
    command = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "-s", str(script), url]
    # The timeout only guards against a wedged wrk: it stops by itself after ``seconds``.
    output = subprocess.run(command, check=True, capture_output=True, text=True,
                            timeout=seconds + 60).stdout
    result = parse(output)
    if 50.0 not in result.percentiles_ms or 99.0 not in result.percentiles_ms:
        raise RuntimeError(f"wrk printed no latency percentiles:\n{output}")
    return result

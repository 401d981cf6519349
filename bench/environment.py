"""What every benchmark needs: a prepared database, service processes and a load generator.

Figures are only compared with baselines measured in the same run on the same machine: the
machines are shared and noisy, so absolute numbers mean little on their own.
"""

import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from shared.runner import PROJECT_ROOT, stop, throwaway_database, wait_until_ready

RESULTS = PROJECT_ROOT / "bench" / "results"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_database() -> AbstractContextManager[str]:
    """A fresh, migrated database (admin URL): embedded, or on ``DATABASE_URL``'s cluster."""
    return throwaway_database("pathways_bench")


@contextmanager
def uvicorn_process(app: str, *, env: dict[str, str], factory: bool = True) -> Iterator[str]:
    """Serve ``app`` with one uvicorn worker (uvloop, httptools); yields its base URL."""
    port = free_port()
    log = open(tempfile.mktemp(prefix="pathways-bench-", suffix=".log"), "wb")  # noqa: SIM115
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
               "--no-access-log", "--loop", "uvloop", "--http", "httptools",
               "--log-level", "warning"]
    if factory:
        command.insert(3, "--factory")
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=PROJECT_ROOT,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, process=process)
        yield url
    finally:
        stop([process])
        log.close()


def ensure_wrk() -> str:
    """The path of ``wrk``, installing Debian's package when it is missing and we are root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update", "-q"], check=True, stdout=subprocess.DEVNULL)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True,
                           stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is needed for the HTTP benchmarks: apt-get install wrk")
    return found


@dataclass(frozen=True)
class LoadResult:
    """What wrk measured: throughput and latency percentiles in milliseconds."""

    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def run_wrk(url: str, *, script: Path | None = None, seconds: int = 10, threads: int = 2,
            connections: int = 64) -> LoadResult:
    """Load ``url`` with wrk and read its summary."""
    command = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", output, re.M))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = 0
    if non_2xx := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(non_2xx.group(1))
    if socket_errors := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                                  r"timeout (\d+)", output):
        errors += sum(int(n) for n in socket_errors.groups())
    return LoadResult(rps, _ms(percentiles["50"]), _ms(percentiles["90"]),
                      _ms(percentiles["99"]), errors)


def machine() -> dict[str, str | int]:
    """The machine and versions the figures were measured on."""
    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count() or 0}

"""What every benchmark needs: a prepared database and service processes.

Figures are only compared with baselines measured in the same run on the same machine: the
machines are shared and noisy, so absolute numbers mean little on their own. The load generator
is in :mod:`bench.wrk`, the description of the machine in :mod:`bench.machine`.
"""

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from launcher.database import service_database_url, throwaway_database
from launcher.runner import PROJECT_ROOT, free_port, stop, wait_until_ready
from launcher.topology import service as service_spec
from shared import sealing

RESULTS = PROJECT_ROOT / "bench" / "results"



def bench_database() -> AbstractContextManager[str]:
    """A fresh, migrated database (admin URL): embedded, or on ``DATABASE_URL``'s cluster.

    Thrown away afterwards, so its sealing and digest keys are made for it unless the
    environment has some (shared.sealing has no default); the processes started inherit them."""
    if not os.environ.get(sealing.SEALING_KEYS):
        os.environ.update(sealing.generated_environment())
        sealing.reload()
    return throwaway_database("pathways_bench")


@contextmanager
def alone(service: str) -> Iterator[str]:
    """The URL of ``service``'s role on a throwaway database (:func:`bench_database`), for a
    benchmark run on its own (``python -m bench.<name>``)."""
    with bench_database() as admin_url:
        yield service_database_url(admin_url, service_spec(service))


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def uvicorn_process(app: str, *, env: dict[str, str], factory: bool = True,
                    port: int | None = None, probe: str = "/health/ready",
                    http: str = "httptools") -> Iterator[str]:
    """:func:`served` 's base URL."""
    with served(app, env=env, factory=factory, port=port, probe=probe, http=http) as server:
        yield server.url


@dataclass(frozen=True)
class Server:
    """A process :func:`served` started: its base URL and process id."""

    url: str
    pid: int

    def cpu_seconds(self) -> float | None:
        """The CPU time the process has used so far (user and system, all its threads), or None
        where ``/proc`` does not tell it."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return None
        # utime and stime, the 14th and 15th fields (counted after the command's parentheses).
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def served(app: str, *, env: dict[str, str], factory: bool = True, port: int | None = None,
           probe: str = "/health/ready", http: str = "httptools") -> Iterator[Server]:
    """Serve ``app`` with one uvicorn worker (uvloop, the ``http`` protocol) on ``port`` (a free
    one by default); yields it once ``probe`` answers 200 (``/health/live`` for a gateway
    started before its upstream).

    Its output goes to a log file that is kept, so that a failed run can be looked into; the
    end of it goes into the error when the process does not start.
    """
    port = port or free_port()
    log_path = Path(tempfile.mkstemp(prefix="pathways-bench-", suffix=".log")[1])
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
               "--no-access-log", "--loop", "uvloop", "--http", http,
               "--log-level", "warning"]
    if factory:
        command.insert(3, "--factory")
    with log_path.open("wb") as log:
        # A service checks tokens when ``env`` gives it an issuer's AUTH_JWKS_URL
        # (bench.tokens); without, it runs with no token checks, which it must be told
        # explicitly (it refuses to start otherwise).
        auth = {} if "AUTH_JWKS_URL" in env else {"AUTH_DISABLED": "true"}
        process = subprocess.Popen(command, env={**os.environ, **auth, **env},
                                   cwd=PROJECT_ROOT,
                                   stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_until_ready(url, process=process, probe=probe)
            except (RuntimeError, TimeoutError) as error:
                raise RuntimeError(f"{app} did not start ({error}); end of {log_path}:\n"
                                   f"{_tail(log_path)}") from error
            yield Server(url, process.pid)
        finally:
            stop([process])

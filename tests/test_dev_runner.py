"""``pathways dev`` as a person runs it: taken ports refused up front, crashed processes
restarted while the others keep running, Ctrl-C stopping everything."""

import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest

from launcher import runner
from launcher.runner import Child, port_in_use, supervise, wait_until_ready
from launcher.topology import SERVICES, service
from tests.actors import until
from tests.conftest import RunDatabase
from tests.system import TEST_ENV, admin_token

PATHWAYS = str(Path(sys.executable).with_name("pathways"))
OFFSETS = [spec.port - 8000 for spec in SERVICES]  # from the gateway's port


def free_base() -> int:
    """A port base whose every port (one replica) is free now."""
    for _ in range(100):
        base = random.randrange(20000, 40000, 10)
        if not any(port_in_use(base + offset) for offset in OFFSETS):
            return base
    raise RuntimeError("no free port base found")


class Output:
    """The lines a process prints, read by a thread of their own (so that its pipe never fills)
    and waited for by pattern."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, pattern: str, *, timeout: float) -> re.Match[str]:
        """The first line matching ``pattern``, waiting for it up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    if match := re.search(pattern, line):
                        return match
                left = deadline - time.monotonic()
                # The reader appends under the lock: once it has ended, every line is here.
                if left <= 0 or not self._thread.is_alive():
                    raise AssertionError(f"no line matching {pattern!r} within {timeout:g} s:\n"
                                         + "\n".join(self.lines[-40:]))
                self._changed.wait(min(left, 0.5))

    def text(self) -> str:
        """Everything read so far."""
        with self._changed:
            return "\n".join(self.lines)


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and has not exited (a zombie has)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


@contextmanager
def pathways_dev(*args: str, env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str],
                                                                    Output]]:
    """``pathways dev *args`` running, its output (stdout and stderr) read as it comes. In a
    session of its own, so that whatever it leaves behind is stopped by its group at the
    end."""
    process = subprocess.Popen([PATHWAYS, "dev", *args], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        yield process, Output(process)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            with suppress(subprocess.TimeoutExpired):
                process.wait(15)
        with suppress(ProcessLookupError):  # the group: the runner and whatever it started
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_a_taken_port_is_named_before_anything_starts() -> None:
    base = free_base()
    taken = base + 102  # placements' port
    # The database cannot be reached: had the runner gone on to it, it would fail otherwise.
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing"}
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", taken))
        holder.listen()
        with pathways_dev("--port-base", str(base), env=env) as (process, output):
            assert process.wait(30) == 2
            output.wait_for(r"Nothing was started", timeout=5)
    text = output.text()
    assert f"Port {taken} (placements) is already in use" in text
    assert re.search(r"pathways dev --port-base \d+ \(make dev PORT_BASE=\d+\)", text)
    assert "Preparing the database" not in text
    # Only the taken port was named: the others were free.
    assert text.count("is already in use") == 1


def test_a_crashed_service_is_restarted_while_the_others_keep_running(
        scratch_database: RunDatabase) -> None:
    base = free_base()
    env = {**os.environ, **TEST_ENV, "DATABASE_URL": scratch_database.admin_url}
    with pathways_dev("--port-base", str(base), env=env) as (process, output):
        listed = output.wait_for(r"\[pathways dev\] processes: (.*)", timeout=120).group(1)
        pids = {name: int(pid) for name, pid in re.findall(r"(\w+) :\d+ pid (\d+)", listed)}
        assert set(pids) == {spec.name for spec in SERVICES}
        ports = {spec.name: base + spec.port - 8000 for spec in SERVICES}
        assert f":{ports['candidates']}" in listed

        os.kill(pids["candidates"], signal.SIGKILL)
        output.wait_for(rf"candidates \(:{ports['candidates']}, pid {pids['candidates']}\) "
                        r"exited with SIGKILL; restarting it in 1 s", timeout=10)
        restarted = int(output.wait_for(
            rf"candidates: restarted on :{ports['candidates']} \(pid (\d+)\)",
            timeout=10).group(1))
        assert restarted != pids["candidates"]
        wait_until_ready(f"http://127.0.0.1:{ports['candidates']}", timeout=60)

        others = {name: pid for name, pid in pids.items() if name != "candidates"}
        assert all(alive(pid) for pid in others.values())
        assert output.text().count("exited with") == 1
        for name in others:
            answer = httpx.get(f"http://127.0.0.1:{ports[name]}/health/ready")
            assert answer.json() == {"status": "ok"}, name
        # Wired to each other at the chosen base: the restarted service checks the tokens the
        # gateway there issues against the keys it publishes there.
        token = admin_token(scratch_database.admin_url, f"http://127.0.0.1:{ports['gateway']}")
        auth = {"Authorization": f"Bearer {token}"}
        url = f"http://127.0.0.1:{ports['candidates']}/v1/programmes"
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, headers=auth).status_code == 200

        process.send_signal(signal.SIGINT)  # Ctrl-C
        assert process.wait(30) == 0
        every = [restarted, *others.values()]
        until(lambda: not any(alive(pid) for pid in every), "every process stopped",
              deadline=10)


class Crashing(Child):
    """A child whose every start is a process exiting at once with code 3."""

    def start(self, admin_url: str) -> subprocess.Popen[bytes]:
        self.process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
        self.started_at, self.restart_at = time.monotonic(), None
        return self.process


def test_a_process_crashing_again_and_again_waits_longer_each_time(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(runner, "RESTART_DELAY_MAX", 0.2)  # the doubling, in tenths of a second
    child = Crashing(service("placements"), "http://127.0.0.1:1", 1, {}, restart_delay=0.05)
    child.start("unused")
    starts: list[int] = []

    def stopping() -> bool:
        assert child.process is not None
        if child.process.pid not in starts:
            starts.append(child.process.pid)
        return len(starts) > 4  # the first start and four restarts

    supervise("unused", [child], stopping, poll_interval=0.01)
    assert child.process is not None
    child.process.wait()
    said = capsys.readouterr().out
    assert re.findall(r"placements \(:1, pid \d+\) exited with code 3; restarting it in "
                      r"([\d.]+) s", said) == ["0.05", "0.1", "0.2", "0.2"]
    assert said.count("placements: restarted on :1") == 4

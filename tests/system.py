"""The whole system as ``make dev`` runs it, for tests: real uvicorn processes on free ports."""

import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from gateway.cli import create_admin
from shared.runner import start_service, stop, system_env, wait_until_ready
from shared.topology import SERVICES

ADMIN, PASSWORD = "admin@example.org", "a long enough passphrase"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_system(admin_url: str) -> Iterator[dict[str, str]]:
    """Every service started as its own process against ``admin_url``'s database, wired to
    each other exactly as ``make dev`` wires them (tokens, events, addresses); yields each
    service's base URL by name. Logs go to a temporary folder."""
    log_dir = Path(tempfile.mkdtemp(prefix="pathways-procs-"))
    urls = {spec.name: f"http://127.0.0.1:{free_port()}" for spec in SERVICES}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for spec, env in system_env(urls).items():
            processes.append(start_service(spec, admin_url,
                                           port=int(urls[spec.name].rsplit(":", 1)[1]),
                                           log_file=log_dir / f"{spec.name}.log",
                                           extra_env=env))
        for spec, process in zip(SERVICES, processes, strict=True):
            wait_until_ready(urls[spec.name], process=process)
        yield urls
    finally:
        stop(processes)


def admin_token(admin_url: str, gateway_url: str) -> str:
    """An admin's token from the gateway, the admin made by the CLI's own function."""
    assert create_admin(admin_url, email=ADMIN, password=PASSWORD,
                        gateway_url=gateway_url) == 0
    return password_token(gateway_url, ADMIN, PASSWORD)


def password_token(gateway_url: str, email: str, password: str) -> str:
    """A person's token from the gateway (password grant)."""
    response = httpx.post(f"{gateway_url}/v1/auth/token", data={
        "grant_type": "password", "username": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]  # type: ignore[no-any-return]

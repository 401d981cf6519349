"""The services as ``make dev`` runs them: real uvicorn processes on real ports."""

import asyncio
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from shared.runner import gateway_env, start_service, stop, wait_until_ready
from shared.topology import SERVICES, service
from tests.candidates.factories import programme_body
from tests.conftest import RunDatabase


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def running(scratch_database: RunDatabase) -> Iterator[dict[str, str]]:
    """Every service started as its own process against the scratch database."""
    log_dir = Path(tempfile.mkdtemp(prefix="pathways-procs-"))
    urls: dict[str, str] = {}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for spec in SERVICES:
            port = _free_port()
            process = start_service(spec, scratch_database.admin_url, port=port,
                                    log_file=log_dir / f"{spec.name}.log",
                                    extra_env=gateway_env(urls) if spec.name == "gateway"
                                    else None)
            processes.append(process)
            urls[spec.name] = f"http://127.0.0.1:{port}"
            wait_until_ready(urls[spec.name], process=process)
        yield urls
    finally:
        stop(processes)


class TestRunningSystem:
    def test_every_service_is_ready(self, running: dict[str, str]) -> None:
        for url in running.values():
            assert httpx.get(f"{url}/health/ready").json() == {"status": "ok"}

    def test_candidates_serves_docs_and_api(self, running: dict[str, str]) -> None:
        url = running["candidates"]
        assert httpx.get(f"{url}/docs").status_code == 200
        spec = httpx.get(f"{url}/openapi.json").json()
        assert "/v1/programmes" in spec["paths"]
        created = httpx.post(f"{url}/v1/programmes", json=programme_body(),
                             headers={"X-Request-ID": "proc-test-1"})
        assert created.status_code == 201
        assert created.headers["x-request-id"] == "proc-test-1"
        fetched = httpx.get(f"{url}{created.headers['location']}")
        assert fetched.json() == created.json()

    def test_service_connects_as_its_own_role(self, running: dict[str, str],
                                              scratch_database: RunDatabase) -> None:
        async def roles() -> set[str]:
            connection = await asyncpg.connect(scratch_database.admin_url)
            try:
                rows = await connection.fetch(
                    "SELECT DISTINCT usename FROM pg_stat_activity "
                    "WHERE application_name = 'candidates' AND datname = current_database()")
                return {r["usename"] for r in rows}
            finally:
                await connection.close()

        assert asyncio.run(roles()) == {service("candidates").role}

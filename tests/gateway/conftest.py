"""A real gateway process in front of real service processes (and stand-in upstreams)."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from gateway import identity
from launcher.runner import (
    PROJECT_ROOT,
    auth_env,
    free_port,
    free_ports,
    start_service,
    stop,
    wait_until_ready,
)
from launcher.topology import service
from shared import sealing
from shared.db import Database
from tests.conftest import RunDatabase

ISSUER = "http://gateway.test"
AUDIENCE = "pathways"
ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "correct horse battery staple"



def _garbage_server() -> int:
    """A TCP server answering every connection with bytes that are not HTTP."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)

    def serve() -> None:
        while True:
            connection, _ = server.accept()
            try:
                connection.recv(65536)
                connection.sendall(b"this is not http at all\r\n\r\n")
            finally:
                connection.close()

    threading.Thread(target=serve, daemon=True).start()
    return server.getsockname()[1]


@dataclass
class GatewaySystem:
    """Base URLs of the gateway and what stands behind it, and the gateway's database."""

    gateway: str
    candidates: str
    echo: str
    gateway_db_url: str
    # What another gateway in front of the same upstreams needs (see start_another_gateway).
    admin_url: str = ""
    gateway_env: dict[str, str] = field(default_factory=dict)
    logs: Path = Path(".")

    def token(self, *, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> str:
        response = httpx.post(f"{self.gateway}/v1/auth/token", data={
            "grant_type": "password", "username": email, "password": password})
        assert response.status_code == 200, response.text
        return response.json()["access_token"]  # type: ignore[no-any-return]

    def signing_key(self) -> tuple[str, Any]:
        """The kid and private key the gateway signs with (to mint tricky tokens)."""

        async def load() -> tuple[str, str]:
            connection = await asyncpg.connect(self.gateway_db_url)
            try:
                row = await connection.fetchrow(
                    "SELECT kid, private_pem FROM gateway.signing_key WHERE retired_at IS NULL "
                    "ORDER BY created_at DESC LIMIT 1")
                return row["kid"], row["private_pem"]
            finally:
                await connection.close()

        kid, pem = asyncio.run(load())
        # Stored sealed (shared.sealing): this run's keys open it, as the gateway's do.
        return kid, serialization.load_pem_private_key(sealing.unseal(pem).encode(),
                                                       password=None)

    def mint(self, **claims: Any) -> str:
        """A token signed with the gateway's real key, with ``claims`` over good defaults."""
        kid, key = self.signing_key()
        now = int(time.time())
        body = {"sub": str(uuid.uuid4()), "role": "admin", "iss": ISSUER, "aud": AUDIENCE,
                "iat": now, "exp": now + 300, **claims}
        return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid})


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env={**os.environ, **env}, cwd=PROJECT_ROOT,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def system(scratch_database: RunDatabase) -> Iterator[GatewaySystem]:
    """Candidates, an echo upstream, a garbage upstream and a gateway as real processes (the
    gateways counting in Redis are fixtures of their own below: only their tests need Redis)."""
    logs = Path(tempfile.mkdtemp(prefix="pathways-gateway-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        candidates_port, echo_port, gateway_port = free_ports(3)
        candidates = start_service(service("candidates"), scratch_database.admin_url,
                                   port=candidates_port, log_file=logs / "candidates.log",
                                   extra_env=auth_env(f"http://127.0.0.1:{gateway_port}",
                                                      ISSUER))
        processes.append(candidates)
        echo = _start([sys.executable, "-m", "uvicorn", "tests.gateway.echo_app:app",
                       "--host", "127.0.0.1", "--port", str(echo_port), "--log-level",
                       "warning"], {}, logs / "echo.log")
        processes.append(echo)
        urls = {"candidates": f"http://127.0.0.1:{candidates_port}",
                "placements": f"http://127.0.0.1:{echo_port}",
                "reintegration": f"http://127.0.0.1:{free_port()}",  # nobody listens
                "garbage": f"http://127.0.0.1:{_garbage_server()}"}
        common = {"GATEWAY_UPSTREAMS": json.dumps(urls), "GATEWAY_ISSUER": ISSUER,
                  "GATEWAY_ROUTES": json.dumps({"/v1/garbage": "garbage"}),
                  "GATEWAY_READ_TIMEOUT": "5", "GATEWAY_MAX_BODY_BYTES": "65536"}
        gateway = start_service(service("gateway"), scratch_database.admin_url,
                                port=gateway_port, log_file=logs / "gateway.log",
                                extra_env=common)
        processes.append(gateway)
        for process, port in ((candidates, candidates_port), (echo, echo_port)):
            wait_until_ready(f"http://127.0.0.1:{port}", process=process)
        # Never ready: nobody serves reintegration (nor a readiness probe at garbage).
        wait_until_ready(f"http://127.0.0.1:{gateway_port}", process=gateway,
                         probe="/health/live")
        gateway_db_url = scratch_database.url("gateway")

        async def create_admin() -> None:
            database = Database(gateway_db_url, application_name="test", pool_size=1)
            try:
                async with database.sessionmaker() as session, session.begin():
                    await identity.create_account(session, email=ADMIN_EMAIL,
                                                  password=ADMIN_PASSWORD, role="admin")
            finally:
                await database.dispose()

        asyncio.run(create_admin())
        yield GatewaySystem(gateway=f"http://127.0.0.1:{gateway_port}",
                            candidates=urls["candidates"], echo=urls["placements"],
                            gateway_db_url=gateway_db_url, admin_url=scratch_database.admin_url,
                            gateway_env=common, logs=logs)
    finally:
        stop(processes)


# The rate-limited gateways count 3 requests per window. The window is an hour, far longer than
# a test takes, so a test's requests fall in at most two consecutive windows whatever the clock
# says: 2 * RATE_LIMIT + 1 requests from a fresh subject always meet a 429, even on a busy
# machine or across a window's end.
RATE_LIMIT = 3
RATE_LIMIT_WINDOW = 3600


@contextmanager
def another_gateway(system: GatewaySystem, name: str, env: dict[str, str]) -> Iterator[str]:
    """One more gateway process before the system's upstreams, with ``env`` over the usual
    settings; yields its URL once ready and stops it afterwards."""
    port = free_port()
    process = start_service(service("gateway"), system.admin_url, port=port,
                            log_file=system.logs / f"{name}.log",
                            extra_env={**system.gateway_env, **env})
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", process=process, probe="/health/live")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop([process])


def limited_env(redis_url: str, **more: str) -> dict[str, str]:
    return {"REDIS_URL": redis_url, "GATEWAY_RATE_LIMIT_REQUESTS": str(RATE_LIMIT),
            "GATEWAY_RATE_LIMIT_WINDOW_SECONDS": str(RATE_LIMIT_WINDOW),
            # this module's own keys: the run's Redis is shared by every module using it
            "GATEWAY_RATE_LIMIT_KEY_PREFIX": f"pathways-test-{uuid.uuid4().hex}", **more}


@pytest.fixture(scope="module")
def limited_gateway(system: GatewaySystem, redis_url: str) -> Iterator[str]:
    """A gateway rate-limited in the run's own Redis (skipped without one)."""
    with another_gateway(system, "limited", limited_env(redis_url)) as url:
        yield url

"""Two processes of every service and of the gateway, as ``pathways dev --replicas 2`` runs them.

The gateways share one signing key and, with Redis, one rate-limit budget; each spreads requests
over the replicas of a service and passes over one that is down; the services' relays share the
outbox (claims with ``SKIP LOCKED``), so each event arrives once.
"""

import os
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
import redis

from tests.candidates.factories import programme_body
from tests.conftest import RunDatabase
from tests.system import System, admin_token, running_system

RATE_LIMIT = 120
WINDOW = 3600  # seconds: fixed windows, so that the test's requests fall in one of them


def redis_url() -> str | None:
    """``REDIS_URL`` if set, else a Redis answering on the usual local port, else None."""
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except (redis.RedisError, OSError):
        return None
    return url


REDIS = redis_url()


@pytest.fixture(scope="module")
def system(scratch_database: RunDatabase) -> Iterator[System]:
    """Two replicas of each process, sharing rate limits through Redis when one answers."""
    env = {"GATEWAY_RATE_LIMIT_REQUESTS": str(RATE_LIMIT),
           "GATEWAY_RATE_LIMIT_WINDOW_SECONDS": str(WINDOW),
           # this run's own keys: the Redis may be shared with other runs
           "GATEWAY_RATE_LIMIT_KEY_PREFIX": f"pathways-test-{uuid.uuid4().hex}"}
    if REDIS:
        env["REDIS_URL"] = REDIS
    with running_system(scratch_database.admin_url, replicas=2, env=env) as running:
        yield running


@pytest.fixture(scope="module")
def token(system: System, scratch_database: RunDatabase) -> str:
    return admin_token(scratch_database.admin_url, system["gateway"])


def served_by(system: System, service: str, request_id: str) -> list[int]:
    """Which replicas (counted from 1) logged the request ``request_id``."""
    return [i + 1 for i in range(len(system.replicas[service]))
            if f'"request_id":"{request_id}"' in
            (system.log_dir / f"{service}-{i + 1}.log").read_text()]


class TestTwoReplicas:
    def test_every_replica_is_ready(self, system: System) -> None:
        urls = [url for replicas in system.replicas.values() for url in replicas]
        assert len(urls) == 8
        for url in urls:
            assert httpx.get(f"{url}/health/ready").status_code == 200

    def test_a_token_from_one_gateway_works_at_the_other(self, system: System,
                                                          token: str) -> None:
        first, second = system.replicas["gateway"]
        auth = {"Authorization": f"Bearer {token}"}
        created = httpx.post(f"{first}/v1/programmes", json=programme_body(), headers=auth)
        assert created.status_code == 201, created.text
        fetched = httpx.get(f"{second}/v1/programmes/{created.json()['id']}", headers=auth)
        assert fetched.status_code == 200
        assert fetched.json()["code"] == created.json()["code"]

    def test_the_gateway_spreads_requests_over_the_replicas(self, system: System,
                                                            token: str) -> None:
        ids = [f"spread-{uuid.uuid4().hex[:12]}" for _ in range(6)]
        for request_id in ids:
            response = httpx.get(f"{system['gateway']}/v1/programmes", headers={
                "Authorization": f"Bearer {token}", "X-Request-ID": request_id})
            assert response.status_code == 200
        replicas = [served_by(system, "candidates", request_id) for request_id in ids]
        assert all(len(r) == 1 for r in replicas)  # each request served once
        assert {r[0] for r in replicas} == {1, 2}  # and by both, in turn

    @pytest.mark.skipif(REDIS is None, reason="no Redis answers (set REDIS_URL)")
    def test_the_gateways_share_one_rate_limit_through_redis(self, system: System,
                                                             token: str) -> None:
        # A fresh subject, so the budget is this test's alone.
        email = f"limited-{uuid.uuid4().hex[:8]}@example.org"
        created = httpx.post(f"{system['gateway']}/v1/admin/accounts", json={
            "email": email, "password": "a long enough passphrase", "role": "ministry",
            "programme_ids": []}, headers={"Authorization": f"Bearer {token}"})
        assert created.status_code == 201, created.text
        issued = httpx.post(f"{system.replicas['gateway'][1]}/v1/auth/token", data={
            "grant_type": "password", "username": email,
            "password": "a long enough passphrase"})
        limited = {"Authorization": f"Bearer {issued.json()['access_token']}"}
        gateways = system.replicas["gateway"]
        # The count starts afresh with each window: begin early enough in one to stay in it.
        left = WINDOW - time.time() % WINDOW
        if left < 60:
            time.sleep(left + 0.5)
        statuses = [httpx.get(f"{gateways[i % 2]}/v1/programmes", headers=limited).status_code
                    for i in range(RATE_LIMIT + 1)]
        # Each gateway saw about half of them: only a shared count reaches the limit.
        assert statuses[:RATE_LIMIT] == [200] * RATE_LIMIT
        assert statuses[RATE_LIMIT] == 429

    def test_a_replica_down_is_passed_over(self, system: System, token: str) -> None:
        system.stop_replica(system.replicas["candidates"][0])
        auth = {"Authorization": f"Bearer {token}"}
        for _ in range(4):
            assert httpx.get(f"{system['gateway']}/v1/programmes",
                             headers=auth).status_code == 200
        # Writes too: the refused connection carried nothing, so the next replica takes it.
        created = httpx.post(f"{system['gateway']}/v1/programmes", json=programme_body(),
                             headers=auth)
        assert created.status_code == 201

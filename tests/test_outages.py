"""Outages, as a running system lives through them: its database restarted, its database down
for a while, a service process down behind the gateway.

The database is a PostgreSQL server of this module's own (tests.postgres_server), bootstrapped
and migrated as ``make dev`` does, that the tests stop and start. While it is down every request
that needs it answers 503 ``database-unavailable`` with ``Retry-After``, never a 500, and the
services say they are not ready; once it is back the very first request on each path succeeds
(no pooled connection the restart closed is lent), and the relay and the periodic jobs resume on
their own. A hot read's 503 is the express lane's own, the app's answer header for header, so
the app does not reach for the database a second time. Each test leaves the system whole,
whatever the order they run in.
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from launcher.database import prepare_database
from tests.actors import until
from tests.candidates.factories import candidate_body, programme_body
from tests.postgres_server import PostgresServer, postgres_server
from tests.system import (
    ADMIN,
    PASSWORD,
    System,
    admin_token,
    answer_headers,
    express_answers,
    fetch,
    running_system,
)

# Building an API document is slow on a loaded machine: a wait, not a threshold.
DOCUMENT_TIMEOUT = 120.0

SERVICES = ("candidates", "placements", "reintegration")
ENV = {
    # Rebuilt at each request: a cached whole document would hide a service gone since.
    "GATEWAY_OPENAPI_CACHE_SECONDS": "0",
    # Rounds during an outage, to see a job live through it; in reintegration, whose pool the
    # restart test does not use: the job would find the connections the restart closed first.
    "REINTEGRATION_OVERDUE_INTERVAL_SECONDS": "0.3",
    # Nor may anything else use the gateway's pool meanwhile: its follower of the revocations
    # (one gateway: nothing to follow) and the services polling its feed.
    "GATEWAY_REVOCATIONS_POLL_SECONDS": "3600",
    "AUTH_REVOCATIONS_POLL_SECONDS": "3600",
}
DEADLINE_SECONDS = 60.0


@dataclass
class Outages:
    """The database server, the system running on it and an admin's token."""

    server: PostgresServer
    system: System
    token: str
    database: str
    candidate_id: str
    programme_id: str

    @property
    def gateway(self) -> str:
        return self.system["gateway"]

    def requests(self) -> dict[str, Callable[[], httpx.Response]]:
        """One request of each kind, through the gateway: a token, a read of a service (on an
        ORM session), a hot read (asyncpg's pool and the access record's session), a write and
        a read the gateway composes from several."""
        auth = {"Authorization": f"Bearer {self.token}"}
        return {
            "token": lambda: httpx.post(f"{self.gateway}/v1/auth/token", data={
                "grant_type": "password", "username": ADMIN, "password": PASSWORD}),
            "read": lambda: httpx.get(f"{self.gateway}/v1/programmes", headers=auth),
            "hot read": lambda: httpx.get(f"{self.gateway}/v1/candidates/{self.candidate_id}",
                                          headers=auth),
            "write": lambda: httpx.post(f"{self.gateway}/v1/programmes", json=programme_body(),
                                        headers=auth),
            "composed read": lambda: httpx.get(
                f"{self.gateway}/v1/programmes/{self.programme_id}/overview", headers=auth),
        }

    def listening(self, application_name: str) -> int:
        """How many connections of ``application_name`` have LISTEN as their last statement."""

        [(count,)] = fetch(self.server.url(self.database),
                           "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 "
                           "AND query LIKE 'LISTEN %'", application_name)
        return int(count)

    def log(self, name: str) -> str:
        """What the first process of service ``name`` logged so far."""
        return (self.system.log_dir / f"{name}-1.log").read_text()


@pytest.fixture(scope="module")
def outages() -> Iterator[Outages]:
    with postgres_server() as server:
        database = f"pathways_outage_{uuid.uuid4().hex[:8]}"
        admin_url = server.url(database)
        prepare_database(admin_url)
        with running_system(admin_url, env=ENV) as system:
            token = admin_token(admin_url, system["gateway"])
            auth = {"Authorization": f"Bearer {token}"}
            person = httpx.post(f"{system['gateway']}/v1/candidates", json=candidate_body(),
                                headers=auth)
            assert person.status_code == 201, person.text
            programme = httpx.post(f"{system['gateway']}/v1/programmes", json=programme_body(),
                                   headers=auth)
            assert programme.status_code == 201, programme.text
            yield Outages(server, system, token, database, person.json()["id"],
                          programme.json()["id"])
        # No request, whatever happened, was a bug.
        for log in system.log_dir.glob("*.log"):
            text = log.read_text()
            assert '"status":500' not in text and "unhandled error" not in text, log.name


def succeeds(name: str, response: httpx.Response) -> None:
    assert response.status_code in (200, 201), (name, response.status_code, response.text)


def ready(url: str) -> httpx.Response:
    return httpx.get(f"{url}/health/ready", timeout=10)


def test_a_database_restart_costs_no_request(outages: Outages) -> None:
    requests = outages.requests()
    for name, request in requests.items():  # each path's pool holds a connection now
        succeeds(name, request())
    outages.server.stop()
    outages.server.start()
    # The restart closed every pooled connection; none is lent again.
    for name, request in requests.items():
        succeeds(name, request())


def test_a_database_outage_is_a_503_and_ends_on_its_own(outages: Outages) -> None:
    requests = outages.requests()
    system = outages.system
    outages.server.stop()
    try:
        for name, request in requests.items():
            response = request()
            assert response.status_code == 503, (name, response.status_code, response.text)
            assert response.headers["content-type"] == "application/problem+json", name
            assert int(response.headers["retry-after"]) > 0, name
            assert response.json()["type"] == "/problems/database-unavailable", name
        for name in SERVICES:
            answer = ready(system[name])
            assert answer.status_code == 503, name
            assert answer.json()["not_ready"] == ["database"], name
        # Its own database at once; the services once its cached view of their readiness
        # (GATEWAY_UPSTREAM_READY_CACHE_SECONDS) runs out: a wait, not a race.
        expected = {"database", *SERVICES}
        until(lambda: (r := ready(outages.gateway)).status_code == 503
              and set(r.json()["not_ready"]) == expected,
              f"the gateway not ready for {sorted(expected)}", deadline=DEADLINE_SECONDS)
        # The relay and the job say so, once each, and go on trying.
        until(lambda: "relay: database unavailable" in outages.log("reintegration")
              and "job round skipped: database unavailable" in outages.log("reintegration"),
              "the relay's and the job's warnings", deadline=DEADLINE_SECONDS)
    finally:
        outages.server.start()
    for name, request in requests.items():
        succeeds(name, request())
    for url in (*(system[name] for name in SERVICES), outages.gateway):
        until(lambda url=url: ready(url).status_code == 200, f"{url} ready again",
              deadline=DEADLINE_SECONDS)
    until(lambda: resumed(outages.log("reintegration")), "the relay and the job resumed",
          deadline=DEADLINE_SECONDS)
    # The relay listens again for the NOTIFY of new events, on one connection.
    until(lambda: outages.listening("reintegration-relay") == 1, "the relay listening again",
          deadline=DEADLINE_SECONDS)


def test_a_hot_read_in_an_outage_is_answered_once_as_the_app_answers(
        outages: Outages) -> None:
    auth = {"Authorization": f"Bearer {outages.token}"}
    path, route = f"/v1/candidates/{outages.candidate_id}", "/v1/candidates/{candidate_id}"
    candidates = outages.system["candidates"]
    outages.server.stop()
    try:
        for base in (outages.gateway, candidates):
            before = express_answers(candidates).get(route, 0.0)
            lane = httpx.get(f"{base}{path}", headers=auth)
            answered = express_answers(candidates).get(route, 0.0)
            # A condition takes the app's path (shared.express): the app's own 503.
            app = httpx.get(f"{base}{path}", headers={**auth, "If-None-Match": '"0"'})
            assert (lane.status_code, app.status_code) == (503, 503), (base, lane.text)
            assert (answered - before, express_answers(candidates)[route]) == (1, answered)
            assert lane.content == app.content, base
            assert answer_headers(lane) == answer_headers(app), base
    finally:
        outages.server.start()
    succeeds("hot read", httpx.get(f"{outages.gateway}{path}", headers=auth))


def resumed(log: str) -> bool:
    """Whether the relay and the job said, after each outage they saw, that it ended."""
    return 0 < log.count("relay: database unavailable") == \
        log.count("relay: database reachable again") and \
        0 < log.count("job round skipped: database unavailable") == \
        log.count("job resumed: database reachable again")


def test_a_service_down_makes_the_gateway_not_ready_and_its_api_incomplete(
        outages: Outages) -> None:
    system = outages.system
    candidates = system["candidates"]
    system.stop_replica(candidates)
    try:
        not_ready = until(lambda: (r := ready(outages.gateway)).status_code == 503 and r,
                          "the gateway not ready", deadline=DEADLINE_SECONDS)
        assert not_ready.headers["content-type"] == "application/problem+json"
        assert int(not_ready.headers["retry-after"]) > 0
        assert not_ready.json()["not_ready"] == ["candidates"]
        assert httpx.get(f"{outages.gateway}/health/live").status_code == 200
        document = httpx.get(f"{outages.gateway}/openapi.json", timeout=DOCUMENT_TIMEOUT)
        assert document.status_code == 503
        assert int(document.headers["retry-after"]) > 0
        assert document.json()["type"] == "/problems/api-incomplete"
        assert document.json()["missing"] == ["candidates"]
    finally:
        system.start_replica(candidates)
    until(lambda: ready(outages.gateway).status_code == 200, "the gateway ready again",
          deadline=DEADLINE_SECONDS)
    document = httpx.get(f"{outages.gateway}/openapi.json", timeout=DOCUMENT_TIMEOUT)
    assert document.status_code == 200
    assert "/v1/candidates/{candidate_id}" in document.json()["paths"]

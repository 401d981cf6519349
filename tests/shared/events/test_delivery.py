"""Events between real processes: relays as their own processes, a consumer under uvicorn.

Nothing lost, nothing applied twice, order per subject kept: with the subscriber down while
10,000 events pile up, with two relays at once, and with a relay killed mid-delivery.
"""

import json
import signal
import subprocess
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from launcher.runner import free_port, start_service, stop, wait_until_ready
from shared.events import wire
from shared.events.signing import Signer, generate_secret
from tests.candidates.factories import candidate_body, programme_body
from tests.conftest import RunDatabase
from tests.shared.events.helpers import (
    CANDIDATES,
    SECRET,
    placements_fetch,
    relay_env,
    start_consumer,
    start_relay,
    subscribe,
    wait_for,
    write_events,
)

EFFECTS = "placements.test_event_effect"


@dataclass
class Rig:
    """The scratch database, a log folder and the processes to stop at the end."""

    admin_url: str
    logs: Path
    processes: list[subprocess.Popen[bytes]]

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"


@pytest.fixture
def rig(scratch_database: RunDatabase) -> Iterator[Rig]:
    processes: list[subprocess.Popen[bytes]] = []
    rig = Rig(scratch_database.admin_url, Path(tempfile.mkdtemp(prefix="pathways-events-")),
              processes)
    try:
        yield rig
    finally:
        stop(processes)


async def effects_of(admin_url: str, subjects: list[str]) -> list[dict[str, object]]:
    rows = await placements_fetch(
        admin_url, f"SELECT n, event_id, subject_id, seq FROM {EFFECTS} "
        "WHERE subject_id = ANY($1::text[]) ORDER BY n", subjects)
    return [dict(r) for r in rows]


def assert_exactly_once_in_order(effects: list[dict[str, object]], *, subjects: list[str],
                                 per_subject: int) -> None:
    assert len(effects) == len(subjects) * per_subject
    assert len({e["event_id"] for e in effects}) == len(effects), "an event applied twice"
    seen: dict[object, list[object]] = defaultdict(list)
    for effect in effects:
        seen[effect["subject_id"]].append(effect["seq"])
    assert set(seen) == set(subjects)
    for subject, seqs in seen.items():
        assert seqs == list(range(per_subject)), f"{subject} applied out of order: {seqs}"


async def count_effects(admin_url: str, subjects: list[str]) -> int:
    rows = await placements_fetch(
        admin_url, f"SELECT count(*) AS n FROM {EFFECTS} WHERE subject_id = ANY($1::text[])",
        subjects)
    return int(rows[0]["n"])


async def count_undelivered(admin_url: str, subjects: list[str]) -> int:
    rows = await placements_fetch(
        admin_url, "SELECT count(*) AS n FROM candidates.event_delivery "
        "WHERE status <> 'delivered' AND subject_id = ANY($1::text[])", subjects)
    return int(rows[0]["n"])


async def settled(admin_url: str, subjects: list[str]) -> None:
    """Wait until every delivery of ``subjects`` is marked delivered. A relay marks a batch in
    the transaction that claimed it, after the consumer answered: once none is left, no request
    is in flight that could still apply an event twice, so the effects are final."""

    async def none_left() -> bool:
        return await count_undelivered(admin_url, subjects) == 0

    assert await wait_for(none_left, deadline_in=60, interval=0.1), "deliveries left undone"


class TestBacklog:
    async def test_ten_thousand_events_written_while_subscriber_down(self, rig: Rig) -> None:
        port = free_port()
        url = f"http://127.0.0.1:{port}/internal/events"
        await subscribe(rig.admin_url, url)
        subjects = await write_events(rig.admin_url, subjects=1000, per_subject=10)
        env = relay_env(rig.admin_url, url)
        # Two replicas at once, both failing against the absent subscriber first.
        rig.processes += [start_relay(env, rig.log("relay-a")),
                          start_relay(env, rig.log("relay-b"))]

        async def relays_failed() -> bool:
            # Both relays up, and deliveries already refused by the absent subscriber.
            running = all("relay running" in rig.log(name).read_text()
                          for name in ("relay-a", "relay-b"))
            rows = await placements_fetch(
                rig.admin_url, "SELECT count(*) AS n FROM candidates.event_delivery "
                "WHERE attempts > 0 AND status = 'pending' AND subject_id = ANY($1::text[])",
                subjects)
            return running and rows[0]["n"] > 0

        assert await wait_for(relays_failed, deadline_in=60, interval=0.1), \
            "the relays never tried the absent subscriber"
        rig.processes.append(start_consumer(rig.admin_url, port, rig.log("consumer")))

        async def all_arrived() -> bool:
            return await count_effects(rig.admin_url, subjects) >= 10_000

        # How fast the backlog drains is bench/'s business; here only that it does.
        assert await wait_for(all_arrived, deadline_in=120, interval=0.2), \
            "not every event arrived"
        await settled(rig.admin_url, subjects)
        assert_exactly_once_in_order(await effects_of(rig.admin_url, subjects),
                                     subjects=subjects, per_subject=10)

    async def test_relay_killed_mid_delivery(self, rig: Rig) -> None:
        port = free_port()
        url = f"http://127.0.0.1:{port}/internal/events"
        # Each event holds the consumer's transaction a little: requests are in flight when
        # the relay dies, some of them already applied but not yet marked delivered.
        rig.processes.append(start_consumer(rig.admin_url, port, rig.log("consumer-slow"),
                                            delay=0.002))
        await subscribe(rig.admin_url, url)
        subjects = await write_events(rig.admin_url, subjects=300, per_subject=10)
        env = relay_env(rig.admin_url, url, CANDIDATES_EVENTS_REQUEST_BATCH="20")
        first = start_relay(env, rig.log("relay-killed"))
        rig.processes.append(first)

        async def some_arrived() -> bool:
            return await count_effects(rig.admin_url, subjects) >= 300

        assert await wait_for(some_arrived, deadline_in=30, interval=0.02)
        first.send_signal(signal.SIGKILL)
        first.wait()
        at_kill = await count_effects(rig.admin_url, subjects)
        assert at_kill < 3000, "the relay finished before it could be killed"
        rig.processes += [start_relay(env, rig.log("relay-2")),
                          start_relay(env, rig.log("relay-3"))]

        async def all_arrived() -> bool:
            return await count_effects(rig.admin_url, subjects) >= 3000

        assert await wait_for(all_arrived, deadline_in=60, interval=0.1)
        await settled(rig.admin_url, subjects)
        assert_exactly_once_in_order(await effects_of(rig.admin_url, subjects),
                                     subjects=subjects, per_subject=10)


@pytest.fixture(scope="module")
def consumer_url(scratch_database: RunDatabase) -> Iterator[str]:
    logs = Path(tempfile.mkdtemp(prefix="pathways-consumer-"))
    port = free_port()
    process = start_consumer(scratch_database.admin_url, port, logs / "consumer.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop([process])


def _event(subject: str, seq: int = 0) -> dict[str, object]:
    return {"id": str(uuid.uuid4()), "type": "test.tick", "version": 1, "source": "test",
            "subject_id": subject, "occurred_at": "2026-11-23T17:00:00+00:00",
            "data": {"seq": seq}}


class TestInboxRefuses:
    """Bad signatures, stale timestamps and replayed ids: 4xx and no effect."""

    @pytest.fixture
    async def http(self, consumer_url: str) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(base_url=consumer_url) as client:
            yield client

    async def _post(self, http: httpx.AsyncClient, events: list[dict[str, object]], *,
                    secret: str = SECRET, msg_id: str | None = None,
                    timestamp: int | None = None,
                    headers: dict[str, str] | None = None) -> httpx.Response:
        body = json.dumps(events).encode()
        signed = Signer([secret]).sign(
            msg_id=msg_id or wire.batch_id([str(e["id"]) for e in events]), body=body,
            timestamp=timestamp)
        return await http.post("/internal/events", content=body,
                               headers={**signed.as_dict(), **(headers or {})})

    async def _effects(self, admin_url: str, subject: str) -> int:
        return await count_effects(admin_url, [subject])

    async def test_valid_then_duplicate(self, http: httpx.AsyncClient,
                                        scratch_database: RunDatabase) -> None:
        subject = f"s-{uuid.uuid4()}"
        events = [_event(subject, 0), _event(subject, 1)]
        first = await self._post(http, events)
        assert first.status_code == 200, first.text
        assert first.json() == {"received": 2, "applied": 2, "duplicates": 0}
        again = await self._post(http, events)
        assert again.status_code == 200
        assert again.json() == {"received": 2, "applied": 0, "duplicates": 2}
        assert await self._effects(scratch_database.admin_url, subject) == 2

    async def test_wrong_secret(self, http: httpx.AsyncClient,
                                scratch_database: RunDatabase) -> None:
        subject = f"s-{uuid.uuid4()}"
        response = await self._post(http, [_event(subject)], secret=generate_secret())
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert await self._effects(scratch_database.admin_url, subject) == 0

    async def test_tampered_body(self, http: httpx.AsyncClient,
                                 scratch_database: RunDatabase) -> None:
        subject = f"s-{uuid.uuid4()}"
        event = _event(subject)
        body = json.dumps([event]).encode()
        signed = Signer([SECRET]).sign(msg_id=str(event["id"]), body=body)
        tampered = body.replace(b'"seq": 0', b'"seq": 7')
        response = await http.post("/internal/events", content=tampered,
                                   headers=signed.as_dict())
        assert response.status_code == 401
        assert await self._effects(scratch_database.admin_url, subject) == 0

    async def test_stale_timestamp(self, http: httpx.AsyncClient,
                                   scratch_database: RunDatabase) -> None:
        subject = f"s-{uuid.uuid4()}"
        response = await self._post(http, [_event(subject)],
                                    timestamp=int(time.time()) - 3600)
        assert response.status_code == 400
        assert response.json()["type"] == "/problems/stale-webhook"
        future = await self._post(http, [_event(subject)], timestamp=int(time.time()) + 3600)
        assert future.status_code == 400
        assert await self._effects(scratch_database.admin_url, subject) == 0

    async def test_replayed_with_another_id(self, http: httpx.AsyncClient,
                                            scratch_database: RunDatabase) -> None:
        """A captured request resent under a new webhook-id fails the signature."""
        subject = f"s-{uuid.uuid4()}"
        event = _event(subject)
        body = json.dumps([event]).encode()
        signed = Signer([SECRET]).sign(msg_id=str(event["id"]), body=body).as_dict()
        response = await http.post("/internal/events", content=body,
                                   headers={**signed, "webhook-id": str(uuid.uuid4())})
        assert response.status_code == 401
        assert await self._effects(scratch_database.admin_url, subject) == 0

    async def test_id_not_naming_the_body(self, http: httpx.AsyncClient,
                                          scratch_database: RunDatabase) -> None:
        subject = f"s-{uuid.uuid4()}"
        response = await self._post(http, [_event(subject)], msg_id=str(uuid.uuid4()))
        assert response.status_code == 400
        assert await self._effects(scratch_database.admin_url, subject) == 0

    async def test_missing_headers(self, http: httpx.AsyncClient) -> None:
        response = await http.post("/internal/events", json=[_event("x")])
        assert response.status_code == 401

    async def test_rotation_accepts_either_secret(self, http: httpx.AsyncClient,
                                                  scratch_database: RunDatabase) -> None:
        """A sender signing with a new and the current secret is accepted."""
        subject = f"s-{uuid.uuid4()}"
        event = _event(subject)
        body = json.dumps([event]).encode()
        signed = Signer([generate_secret(), SECRET]).sign(msg_id=str(event["id"]), body=body)
        assert " " in signed.signature
        response = await http.post("/internal/events", content=body, headers=signed.as_dict())
        assert response.status_code == 200, response.text
        assert await self._effects(scratch_database.admin_url, subject) == 1


class TestServiceProcess:
    """The candidates service, its relay running inside it, publishes a real domain event."""

    async def test_submitted_application_reaches_consumer(
            self, consumer_url: str, scratch_database: RunDatabase) -> None:
        logs = Path(tempfile.mkdtemp(prefix="pathways-service-"))
        port = free_port()
        subscribers = [
            {"name": "consumer", "url": f"{consumer_url}/internal/events",
             "events": ["application.submitted"]},
            {"name": "broken", "url": f"{consumer_url}/internal/nowhere",
             "events": ["application.submitted"]},
        ]
        process = start_service(CANDIDATES, scratch_database.admin_url, port=port,
                                log_file=logs / "candidates.log", extra_env={
                                    "CANDIDATES_EVENT_SUBSCRIBERS": json.dumps(subscribers),
                                    "CANDIDATES_EVENTS_SIGNING_SECRETS": json.dumps([SECRET]),
                                    "CANDIDATES_EVENTS_MAX_ATTEMPTS": "2",
                                    "CANDIDATES_EVENTS_BACKOFF_BASE_SECONDS": "0.05"})
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_ready(base, process=process)
            async with httpx.AsyncClient(base_url=base) as http:
                programme = (await http.post("/v1/programmes", json=programme_body())).json()
                candidate = (await http.post("/v1/candidates", json=candidate_body())).json()
                consent = await http.post(f"/v1/candidates/{candidate['id']}/consents", json={
                    "purpose": "data_processing", "action": "given", "text_version": "v1"})
                assert consent.status_code == 201, consent.text
                app = (await http.post("/v1/applications", json={
                    "candidate_id": candidate["id"], "programme_id": programme["id"]})).json()
                submitted = await http.post(f"/v1/applications/{app['id']}/submit")
                assert submitted.status_code == 200, submitted.text

                async def arrived() -> bool:
                    rows = await placements_fetch(
                        scratch_database.admin_url,
                        f"SELECT data FROM {EFFECTS} WHERE subject_id = $1", app["id"])
                    return len(rows) == 1

                assert await wait_for(arrived, deadline_in=10)

                async def dead_lettered() -> bool:
                    dead = (await http.get("/admin/events/dead-letters")).json()
                    return any(d["subject_id"] == app["id"] for d in dead)

                assert await wait_for(dead_lettered, deadline_in=10, interval=0.1)
                lag = (await http.get("/admin/events/lag")).json()
                broken = next(s for s in lag["subscribers"] if s["name"] == "broken")
                assert broken["dead"] == 1
                assert lag["relay"]["delivered"] >= 1
        finally:
            stop([process])

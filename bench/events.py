"""Events: outbox → relay → signed POST → inbox, between two real processes on loopback.

The candidates service (its relay running inside it, as in production) delivers to a consumer
process serving the shared inbox on the placements schema (``tests.shared.events.consumer``),
which applies each event by inserting a row in the same transaction as its inbox row.

The baseline, in the same run: the same number of events POSTed straight to the same consumer
by this process, signed and shaped as the relay sends them (batches of ``events_request_batch``,
as many at once as one relay round holds), with no outbox in between. So the ratio is what the
outbox and relay keep of what the receiver can take.

- backlog: 10,000 events committed at once; events/s from that commit to the last applied.
  Goal: >= 1,000 events/s.
- steady: 100 events/s, one per transaction, for 10 s; latency from each commit to its
  applied row (the database's clock on both ends). Goal: p99 < 500 ms. Its curve, and the
  direct POSTs', go to the chart.
"""

import asyncio
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bench.environment import uvicorn_process
from bench.figures import distribution, figure, percentiles_of
from services.candidates.database import event_tables
from shared.db import async_url
from shared.events import wire
from shared.events.outbox import NewEvent, Outbox
from shared.events.signing import Signer, generate_secret
from shared.settings import ServiceSettings, role_url

BACKLOG = 10_000
SUBJECTS = 2_000
STEADY_RATE = 100
STEADY_SECONDS = 10
EFFECTS = "placements.test_event_effect"
DRAIN_GOAL = 1_000  # events/s
P99_GOAL_MS = 500.0
# What the relay sends: events per POST, and deliveries claimed (so POSTs in flight) per round.
REQUEST_BATCH = ServiceSettings.model_fields["events_request_batch"].default
ROUND = ServiceSettings.model_fields["events_batch_size"].default


async def _applied(connection: asyncpg.Connection, ids: list[uuid.UUID]) -> dict[Any, float]:
    rows = await connection.fetch(
        f"SELECT event_id, extract(epoch FROM applied_at) AS at FROM {EFFECTS} "
        "WHERE event_id = ANY($1::uuid[])", ids)
    return {r["event_id"]: float(r["at"]) for r in rows}


async def _wait_applied(connection: asyncpg.Connection, ids: list[uuid.UUID],
                        within: float) -> dict[Any, float]:
    deadline = time.monotonic() + within
    while True:
        applied = await _applied(connection, ids)
        if len(applied) >= len(ids) or time.monotonic() > deadline:
            return applied
        await asyncio.sleep(0.1)


class Direct:
    """The baseline's sender: signed batches POSTed straight to the consumer's inbox."""

    def __init__(self, http: httpx.AsyncClient, url: str, secret: str) -> None:
        self.http, self.url, self.signer = http, url, Signer([secret])

    async def post(self, events: list[tuple[uuid.UUID, str, int]]) -> None:
        """POST ``(id, subject, seq)`` events as one batch, as the relay would."""
        now = datetime.now(UTC)
        body = wire.encode([wire.envelope(
            id=i, type="bench.tick", version=1, source="bench", subject_id=subject,
            occurred_at=now, request_id=None, traceparent=None,
            payload_json=json.dumps({"seq": seq})) for i, subject, seq in events])
        headers = {"content-type": "application/json", **self.signer.sign(
            msg_id=wire.batch_id([str(e[0]) for e in events]), body=body).as_dict()}
        response = await self.http.post(self.url, content=body, headers=headers)
        response.raise_for_status()

    async def backlog(self, events: list[tuple[uuid.UUID, str, int]]) -> None:
        """All of ``events``, a relay round's worth of batches at a time."""
        for start in range(0, len(events), ROUND):
            chunk = events[start:start + ROUND]
            await asyncio.gather(*(self.post(chunk[i:i + REQUEST_BATCH])
                                   for i in range(0, len(chunk), REQUEST_BATCH)))


def _backlog_events(prefix: str) -> list[tuple[uuid.UUID, str, int]]:
    # The same layout for both: consecutive events of different subjects.
    return [(uuid.uuid4(), f"{prefix}-{i % SUBJECTS}", i // SUBJECTS) for i in range(BACKLOG)]


Send = Callable[[int], Awaitable[tuple[uuid.UUID, float]]]


async def _paced(send: Send) -> dict[uuid.UUID, float]:
    """Call ``send(i)`` STEADY_RATE times a second; each event's id -> when it was handed over
    (``send`` says: after the commit for the outbox, before the POST for the direct path)."""
    sent: dict[uuid.UUID, float] = {}
    start = time.monotonic()
    for i in range(STEADY_RATE * STEADY_SECONDS):
        await asyncio.sleep(max(0.0, start + i / STEADY_RATE - time.monotonic()))
        event_id, at = await send(i)
        sent[event_id] = at
    return sent


async def _latencies(reader: asyncpg.Connection, sent: dict[uuid.UUID, float]) -> list[float]:
    applied = await _wait_applied(reader, list(sent), within=60)
    if len(applied) != len(sent):
        raise RuntimeError(f"only {len(applied)} of {len(sent)} steady events were applied")
    return [(applied[i] - sent[i]) * 1000 for i in sent]


async def _drain_rate(reader: asyncpg.Connection, ids: list[uuid.UUID], started: float) -> float:
    applied = await _wait_applied(reader, ids, within=120)
    if len(applied) != len(ids):
        raise RuntimeError(f"only {len(applied)} of {len(ids)} backlog events were applied")
    return len(ids) / (max(applied.values()) - started)


async def _through_relay(sessions: async_sessionmaker[Any], reader: asyncpg.Connection,
                         ) -> tuple[float, list[float]]:
    """Backlog rate and steady latencies through the outbox and the relay."""
    outbox = Outbox(event_tables)
    events = [NewEvent(type="bench.tick", subject_id=subject, payload={"seq": seq})
              for _, subject, seq in _backlog_events("b")]
    async with sessions() as session, session.begin():
        await outbox.record_many(session, events)
    rate = await _drain_rate(reader, [e.id for e in events], time.time())

    async def commit(i: int) -> tuple[uuid.UUID, float]:
        async with sessions() as session, session.begin():
            event_id = await outbox.record(session, type="bench.tick", subject_id=f"s-{i % 50}",
                                           payload={"seq": i // 50})
        return event_id, time.time()

    return rate, await _latencies(reader, await _paced(commit))


async def _direct(direct: Direct, reader: asyncpg.Connection) -> tuple[float, list[float]]:
    """The same two measures with the events POSTed straight to the consumer."""
    events = _backlog_events("d")
    started = time.time()
    await direct.backlog(events)
    rate = await _drain_rate(reader, [e[0] for e in events], started)

    async def post(i: int) -> tuple[uuid.UUID, float]:
        event_id, at = uuid.uuid4(), time.time()
        await direct.post([(event_id, f"ds-{i % 50}", i // 50)])
        return event_id, at

    return rate, await _latencies(reader, await _paced(post))


def _figures(relay: tuple[float, list[float]],
             direct: tuple[float, list[float]]) -> list[dict[str, Any]]:
    baseline_name = "the same events POSTed straight to the consumer"
    curves = {"outbox + relay": percentiles_of(relay[1]),
              "POSTed directly": percentiles_of(direct[1])}
    p99, base_p99 = curves["outbox + relay"][99.0], curves["POSTed directly"][99.0]
    return [
        figure(f"events: backlog of {BACKLOG:,} drained", unit="events/s",
               value=round(relay[0]), baseline=round(direct[0]), baseline_name=baseline_name,
               goal=f">= {DRAIN_GOAL:,} events/s", met=relay[0] >= DRAIN_GOAL),
        figure(f"events: commit→applied p99 at {STEADY_RATE} events/s", unit="ms",
               value=round(p99, 1), baseline=round(base_p99, 1),
               baseline_name=f"{baseline_name} (send→applied)",
               goal=f"p99 < {P99_GOAL_MS:g} ms", met=p99 < P99_GOAL_MS,
               p50_ms=round(curves["outbox + relay"][50.0], 1),
               baseline_p50_ms=round(curves["POSTed directly"][50.0], 1),
               distribution=distribution(
                   f"events: commit→applied at {STEADY_RATE} events/s", curves)),
    ]


async def run(candidates_url: str) -> list[dict[str, Any]]:
    """Both measures through the relay, then straight to the consumer; both figures."""
    placements_url = role_url(candidates_url, role="pathways_placements",
                              password=os.environ.get("PLACEMENTS_DATABASE_PASSWORD"))
    secret = generate_secret()
    consumer_env = {"PLACEMENTS_DATABASE_URL": placements_url,
                    "PLACEMENTS_EVENTS_SIGNING_SECRETS": json.dumps([secret]),
                    "PLACEMENTS_LOG_LEVEL": "WARNING"}
    engine = create_async_engine(async_url(candidates_url))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    reader = await asyncpg.connect(placements_url)
    try:
        with uvicorn_process("tests.shared.events.consumer:create_app",
                             env=consumer_env) as consumer, \
                uvicorn_process("services.candidates.main:create_app", env={
                    "CANDIDATES_DATABASE_URL": candidates_url, "CANDIDATES_LOG_LEVEL": "WARNING",
                    "CANDIDATES_EVENTS_SIGNING_SECRETS": json.dumps([secret]),
                    "CANDIDATES_EVENT_SUBSCRIBERS": json.dumps([{
                        "name": "bench-consumer", "events": ["bench.tick"],
                        "url": f"{consumer}/internal/events"}])}):
            relay = await _through_relay(sessions, reader)
            async with httpx.AsyncClient(timeout=60) as http:
                direct = await _direct(Direct(http, f"{consumer}/internal/events", secret),
                                       reader)
    finally:
        await reader.close()
        await engine.dispose()
    return _figures(relay, direct)

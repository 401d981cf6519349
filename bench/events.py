"""Events: outbox → relay → signed POST → inbox, between two real processes on loopback.

The candidates service (its relay running inside it, as in production) delivers to a consumer
process serving the shared inbox on the placements schema (``tests.shared.events.consumer``),
which applies each event by inserting a row in the same transaction as its inbox row.

- backlog: 10,000 events committed at once; events/s from that commit to the last applied.
  Goal: >= 1,000 events/s.
- steady: 100 events/s, one per transaction, for 10 s; latency from each commit to its
  applied row (the database's clock on both ends). Goal: p99 < 500 ms.
"""

import asyncio
import json
import os
import time
import uuid
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bench.environment import uvicorn_process
from services.candidates.database import event_tables
from shared.db import async_url
from shared.events.outbox import NewEvent, Outbox
from shared.events.signing import generate_secret
from shared.settings import role_url

BACKLOG = 10_000
STEADY_RATE = 100
STEADY_SECONDS = 10
EFFECTS = "placements.test_event_effect"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


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


async def run(candidates_url: str) -> list[dict[str, Any]]:
    """Both figures."""
    placements_url = role_url(candidates_url, role="pathways_placements",
                              password=os.environ.get("PLACEMENTS_DATABASE_PASSWORD"))
    secret = generate_secret()
    consumer_env = {"PLACEMENTS_DATABASE_URL": placements_url,
                    "PLACEMENTS_EVENTS_SIGNING_SECRETS": json.dumps([secret]),
                    "PLACEMENTS_LOG_LEVEL": "WARNING"}
    engine = create_async_engine(async_url(candidates_url))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    outbox = Outbox(event_tables)
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
            # backlog: one commit of 10,000 events over 2,000 subjects
            events = [NewEvent(type="bench.tick", subject_id=f"b-{i % 2000}",
                               payload={"seq": i // 2000}) for i in range(BACKLOG)]
            async with sessions() as session, session.begin():
                await outbox.record_many(session, events)
            committed = time.time()
            applied = await _wait_applied(reader, [e.id for e in events], within=120)
            assert len(applied) == BACKLOG, f"only {len(applied)} of {BACKLOG} applied"
            drain_rate = BACKLOG / (max(applied.values()) - committed)

            # steady: 100 events/s, one per transaction
            commits: dict[uuid.UUID, float] = {}
            start = time.monotonic()
            for i in range(STEADY_RATE * STEADY_SECONDS):
                await asyncio.sleep(max(0.0, start + i / STEADY_RATE - time.monotonic()))
                async with sessions() as session, session.begin():
                    event_id = await outbox.record(session, type="bench.tick",
                                                   subject_id=f"s-{i % 50}",
                                                   payload={"seq": i // 50})
                commits[event_id] = time.time()
            applied = await _wait_applied(reader, list(commits), within=60)
            assert len(applied) == len(commits), "steady events were lost"
            latencies = [(applied[i] - commits[i]) * 1000 for i in commits]
    finally:
        await reader.close()
        await engine.dispose()
    p50, p99 = _percentile(latencies, 0.50), _percentile(latencies, 0.99)
    return [
        {"name": "events: backlog of 10,000 drained", "unit": "events/s",
         "value": round(drain_rate), "baseline": 1000, "baseline_name": "goal",
         "ratio": round(drain_rate / 1000, 3), "goal": ">= 1,000 events/s"},
        {"name": "events: commit→applied at 100 events/s", "unit": "ms p99",
         "value": round(p99, 1), "baseline": 500, "baseline_name": "goal (p99)",
         "ratio": round(p99 / 500, 3), "goal": "p99 < 500 ms",
         "p50_ms": round(p50, 1), "p99_ms": round(p99, 1)},
    ]

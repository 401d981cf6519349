"""Processes and data for event delivery tests and benchmarks: consumer, relays, events."""

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from launcher.database import service_database_url
from launcher.runner import PROJECT_ROOT, start_service, wait_until_ready
from launcher.topology import ServiceSpec, service
from services.candidates.database import event_tables
from shared.db import async_url
from shared.events import wire
from shared.events.delivery_repository import sync_subscriptions
from shared.events.outbox import NewEvent, Outbox
from shared.events.relay import asyncpg_dsn
from shared.events.signing import Signer, generate_secret
from shared.settings import EventSubscriber

SECRET = generate_secret()
CONSUMER = ServiceSpec("placements", "tests.shared.events.consumer:create_app",
                       "services.placements", 0)
CANDIDATES = service("candidates")


async def deliver(client: httpx.AsyncClient, signer: Signer,
                  events: list[dict[str, Any]]) -> httpx.Response:
    """POST a signed batch of events to the inbox of ``client``'s app, as a relay does."""
    body = json.dumps(events).encode()
    headers = signer.sign(msg_id=wire.batch_id([e["id"] for e in events]), body=body).as_dict()
    return await client.post("/internal/events", content=body,
                             headers={**headers, "content-type": "application/json"})



def subscribers_json(url: str, *, name: str = "consumer",
                     events: tuple[str, ...] = ("*",)) -> str:
    """The EVENT_SUBSCRIBERS setting for one subscriber."""
    return json.dumps([{"name": name, "url": url, "events": list(events)}])


def relay_env(admin_url: str, subscriber_url: str, **extra: str) -> dict[str, str]:
    """Environment of a candidates relay delivering everything to ``subscriber_url``."""
    env = {**os.environ,
           "CANDIDATES_DATABASE_URL": service_database_url(admin_url, CANDIDATES),
           "CANDIDATES_EVENT_SUBSCRIBERS": subscribers_json(subscriber_url),
           "CANDIDATES_EVENTS_SIGNING_SECRETS": json.dumps([SECRET]),
           "CANDIDATES_EVENTS_BACKOFF_BASE_SECONDS": "0.05",
           "CANDIDATES_EVENTS_BACKOFF_MAX_SECONDS": "0.3",
           "CANDIDATES_EVENTS_MAX_ATTEMPTS": "1000",
           "CANDIDATES_EVENTS_POLL_SECONDS": "0.1",
           **extra}
    env.pop("DATABASE_URL", None)
    return env


def start_relay(env: dict[str, str], log_file: Path) -> subprocess.Popen[bytes]:
    """``python -m launcher.relay --service candidates`` as a child process."""
    return subprocess.Popen([sys.executable, "-m", "launcher.relay", "--service",
                             "candidates"], env=env, cwd=PROJECT_ROOT,
                            stdout=log_file.open("ab"), stderr=subprocess.STDOUT)


def start_consumer(admin_url: str, port: int, log_file: Path,
                   delay: float = 0.0) -> subprocess.Popen[bytes]:
    """The test consumer as a real uvicorn process; returns once it is ready."""
    process = start_service(CONSUMER, admin_url, port=port, log_file=log_file, extra_env={
        "PLACEMENTS_EVENTS_SIGNING_SECRETS": json.dumps([SECRET]),
        "CONSUMER_DELAY_SECONDS": str(delay)})
    wait_until_ready(f"http://127.0.0.1:{port}", process=process)
    return process


async def subscribe(admin_url: str, url: str, *, name: str = "consumer") -> None:
    """Make ``url`` the candidates service's one internal subscriber (as a relay would)."""
    connection = await asyncpg.connect(asyncpg_dsn(service_database_url(admin_url, CANDIDATES)))
    try:
        async with connection.transaction():
            await sync_subscriptions(connection, event_tables,
                                     [EventSubscriber(name=name, url=url, events=["*"])])
    finally:
        await connection.close()


async def write_events(admin_url: str, *, subjects: int, per_subject: int,
                       type: str = "test.tick", per_transaction: int = 5000) -> list[str]:
    """Record ``subjects * per_subject`` events, subjects interleaved; return the subjects."""
    engine = create_async_engine(async_url(service_database_url(admin_url, CANDIDATES)))
    outbox = Outbox(event_tables)
    names = [f"subject-{i:05d}-{time.monotonic_ns()}" for i in range(subjects)]
    events = [NewEvent(type=type, subject_id=names[s], payload={"seq": seq, "subject": s})
              for seq in range(per_subject) for s in range(subjects)]
    try:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        for start in range(0, len(events), per_transaction):
            async with sessions() as session, session.begin():
                await outbox.record_many(session, events[start:start + per_transaction])
    finally:
        await engine.dispose()
    return names


async def placements_fetch(admin_url: str, query: str, *args: object) -> list[asyncpg.Record]:
    """Run a query on the placements schema as the admin."""
    connection = await asyncpg.connect(admin_url)
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


async def wait_for(check: Callable[[], Awaitable[bool]], *, deadline_in: float,
                   interval: float = 0.05) -> bool:
    """Poll the async ``check`` until it is true or ``timeout`` passes."""
    deadline = time.monotonic() + deadline_in
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(interval)
    return False

"""Partner webhooks are scoped to their creator's grant: a real local HTTP receiver of
programme A never gets an event of programme B; a visa authority gets only its country's visa
events, shaped to the minimum; a grant asking for types it may not see is refused."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from launcher.runner import free_port
from services.placements.database import event_tables
from services.placements.events import outbox
from services.placements.main import create_app as create_placements_app
from services.placements.settings import Settings as PlacementsSettings
from shared.auth import Principal
from shared.db import async_url
from shared.events import grants
from shared.events.access import EventsClient, events_client
from shared.events.outbox import NewEvent
from shared.events.relay import Relay, asyncpg_dsn
from tests.conftest import RunDatabase

A, B = uuid.uuid4(), uuid.uuid4()


def _payload(programme: uuid.UUID, country: str, **extra: Any) -> dict[str, Any]:
    return {"placement_id": str(uuid.uuid4()), "candidate_id": str(uuid.uuid4()),
            "programme_id": str(programme), "destination_country": country,
            "gender": "female", "status": "visa_pending", "start_date": "2027-01-01",
            "end_date": "2027-07-01", "employer_id": str(uuid.uuid4()), **extra}


class Receiver:
    """A real HTTP server on 127.0.0.1 recording every body POSTed to it."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.port = free_port()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length"))
        self.bodies.append(json.loads(await reader.readexactly(length)))
        writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()
        writer.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    server = await asyncio.start_server(found.handle, "127.0.0.1", found.port)
    try:
        yield found
    finally:
        server.close()
        await server.wait_closed()


async def _subscribe(app: FastAPI, principal: Principal, url: str,
                     types: list[str]) -> Any:
    """Register through the real route (its grant read from ``principal``)."""
    import httpx

    async def caller() -> EventsClient:
        return await events_client(principal)

    app.dependency_overrides[events_client] = caller
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://placements") as http:
            return await http.post("/v1/webhooks/placements/subscriptions",
                                   json={"url": url, "event_types": types})
    finally:
        app.dependency_overrides.pop(events_client, None)


async def test_partners_receive_only_their_grant(scratch_database: RunDatabase,
                                                 receiver: Receiver) -> None:
    url = scratch_database.url("placements")
    settings = PlacementsSettings(database_url=url, candidates_url="http://candidates.invalid",
                                  webhooks_allow_private_targets=True)
    app = create_placements_app(settings)
    base = f"http://127.0.0.1:{receiver.port}"
    async with app.router.lifespan_context(app):
        ministry = Principal(subject="m", role="ministry", programme_ids=(A,), client_id="m-a")
        desk = Principal(subject="v", role="visa_authority", programme_ids=(A,), country="IT",
                         client_id="v-it")
        made = await _subscribe(app, ministry, f"{base}/ministry",
                                ["placement.confirmed"])
        assert made.status_code == 201, made.text
        assert made.json()["programme_ids"] == [str(A)]
        made = await _subscribe(app, desk, f"{base}/visa",
                                ["placement.visa_requested"])
        assert made.status_code == 201, made.text
        refused = await _subscribe(app, desk, f"{base}/visa",
                                   ["placement.visa_requested", "placement.confirmed"])
        assert refused.status_code == 403
        assert refused.json()["type"] == "/problems/event-types-not-allowed"
        assert refused.json()["event_types"] == ["placement.confirmed"]

    engine = create_async_engine(async_url(url))
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            await outbox.record_many(session, [
                NewEvent(type="placement.confirmed", subject_id="a", payload=_payload(A, "IT")),
                NewEvent(type="placement.confirmed", subject_id="b", payload=_payload(B, "IT")),
                NewEvent(type="placement.visa_requested", subject_id="a-it",
                         payload=_payload(A, "IT")),
                NewEvent(type="placement.visa_requested", subject_id="a-be",
                         payload=_payload(A, "BE")),
                NewEvent(type="placement.visa_requested", subject_id="b-it",
                         payload=_payload(B, "IT")),
            ])
    finally:
        await engine.dispose()

    relay = Relay(database_url=url, tables=event_tables, source="placements", settings=settings)
    await relay.open()
    try:
        while await relay.run_once():
            pass
    finally:
        await relay.close()
    by_subject = {b["subject_id"]: b for b in receiver.bodies}
    assert set(by_subject) == {"a", "a-it"}, by_subject
    assert "candidate_id" not in by_subject["a"]["data"]
    assert "gender" not in by_subject["a"]["data"]
    assert by_subject["a"]["data"]["programme_id"] == str(A)
    assert set(by_subject["a-it"]["data"]) <= grants.VISA_FIELDS
    assert by_subject["a-it"]["data"]["destination_country"] == "IT"
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await connection.fetch("SELECT count(*) FROM placements.event_delivery")
        assert rows[0][0] == 2  # none was even queued for another programme or country
    finally:
        await connection.close()

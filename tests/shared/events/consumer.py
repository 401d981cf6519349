"""A tiny subscriber for tests and benchmarks: the shared inbox on the placements schema.

Run it as a real process: ``uvicorn --factory tests.shared.events.consumer:create_app`` with
``PLACEMENTS_DATABASE_URL`` and ``PLACEMENTS_EVENTS_SIGNING_SECRETS`` set. Every event it
applies adds a row to ``placements.test_event_effect`` in the inbox's transaction; the tests
count those rows to prove "exactly once, in order". ``CONSUMER_DELAY_SECONDS`` makes each
request hold its transaction that long (to kill a relay while requests are in flight).
"""

import asyncio
import os

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.database import event_tables
from services.placements.settings import Settings
from shared.app import create_service_app
from shared.db import driver_connection
from shared.events import inbox
from shared.events.inbox import ReceivedEvent
from shared.events.service_events import ServiceEvents

EFFECT_TABLE = "placements.test_event_effect"
EVENT_TYPES = ("test.tick", "bench.tick", "application.submitted", "application.selected",
               "application.withdrawn", "candidate.erased")
CREATE = f"""
    CREATE TABLE IF NOT EXISTS {EFFECT_TABLE} (
        n bigserial PRIMARY KEY, event_id uuid NOT NULL, type text NOT NULL,
        subject_id text NOT NULL, seq int, data jsonb NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT clock_timestamp())
"""


def create_app() -> FastAPI:
    """The consumer app."""
    delay = float(os.environ.get("CONSUMER_DELAY_SECONDS", "0"))

    async def apply(session: AsyncSession, event: ReceivedEvent) -> None:
        await session.execute(
            text(f"INSERT INTO {EFFECT_TABLE} (event_id, type, subject_id, seq, data) "
                 "VALUES (:id, :type, :subject, :seq, CAST(:data AS jsonb))"),
            {"id": event.id, "type": event.type, "subject": event.subject_id,
             "seq": event.data.get("seq"), "data": event.model_dump_json(include={"data"})})
        if delay:
            await asyncio.sleep(delay)

    async def apply_many(session: AsyncSession, events: list[ReceivedEvent]) -> None:
        connection = await driver_connection(session)
        await connection.execute(
            f"INSERT INTO {EFFECT_TABLE} (event_id, type, subject_id, seq, data) "
            "SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::jsonb[])",
            [e.id for e in events], [e.type for e in events], [e.subject_id for e in events],
            [e.data.get("seq") for e in events],
            [e.model_dump_json(include={"data"}) for e in events])
        if delay:
            await asyncio.sleep(delay * len(events))

    async def create_effect_table(app: FastAPI) -> None:
        async with app.state.database.engine.begin() as connection:
            await connection.execute(text(CREATE))

    return create_service_app(
        settings=Settings(events_relay=False, candidates_url="http://unused.invalid"),
        title="test consumer", description="",
        routers=[],
        internal_routers=[inbox.router],
        events=ServiceEvents(tables=event_tables, source="placements"),
        inbox=inbox.Inbox(handlers=dict.fromkeys(EVENT_TYPES, apply),
                          batch_handlers={"bench.tick": apply_many, "test.tick": apply_many}),
        on_startup=[create_effect_table],
    )

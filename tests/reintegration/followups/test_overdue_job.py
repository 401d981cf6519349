"""The overdue job as it runs in production: its own transactions, several replicas at once.

These tests commit (unique data) and clean up after themselves.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from services.reintegration.followups.overdue import OverdueJob, lifespan_hooks
from shared.events.signing import Signer
from tests.reintegration.factories import deliver, placement_event

LATER = datetime(2030, 1, 1, tzinfo=UTC)  # every window of a 2026 return has closed


@pytest.fixture
async def committed_case(reintegration_app: FastAPI, signer: Signer) -> AsyncIterator[str]:
    """A case with five follow-ups, committed; deleted with its events afterwards."""
    transport = httpx.ASGITransport(app=reintegration_app)
    event = placement_event(actual_end_date=date(2026, 1, 31))
    async with httpx.AsyncClient(transport=transport, base_url="http://r") as http:
        assert (await deliver(http, signer, [event])).status_code == 200
    sessions = reintegration_app.state.database.sessionmaker
    async with sessions() as session:
        case_id = str(await session.scalar(text(
            "SELECT id FROM reintegration.returnee_case WHERE placement_id = :p"),
            {"p": event["data"]["placement_id"]}))
    try:
        yield case_id
    finally:
        async with sessions() as session, session.begin():
            await session.execute(text(
                "DELETE FROM reintegration.outbox WHERE subject_id = :c"), {"c": case_id})
            await session.execute(text(
                "DELETE FROM reintegration.returnee_case WHERE id = :c"), {"c": case_id})
            await session.execute(text("DELETE FROM reintegration.inbox WHERE event_id = :e"),
                                  {"e": uuid.UUID(event["id"])})


async def overdue_events(app: FastAPI, case_id: str) -> list[dict[str, Any]]:
    async with app.state.database.sessionmaker() as session:
        rows = await session.execute(text(
            "SELECT payload FROM reintegration.outbox "
            "WHERE type = 'followup.overdue' AND subject_id = :c"), {"c": case_id})
        return [r[0] for r in rows.all()]


async def test_replicas_mark_each_follow_up_once(reintegration_app: FastAPI,
                                                 committed_case: str) -> None:
    sessions = reintegration_app.state.database.sessionmaker
    replicas = [OverdueJob(sessions, interval=0.01, batch_size=2, clock=lambda: LATER)
                for _ in range(3)]
    results = await asyncio.gather(*(job.run_once() for job in replicas),
                                   *(job.run_once() for job in replicas))
    assert sum(results) == 5
    events = await overdue_events(reintegration_app, committed_case)
    assert sorted(e["point_months"] for e in events) == [0, 1, 3, 6, 12]


async def test_runs_in_the_lifespan_until_stopped(reintegration_app: FastAPI,
                                                  committed_case: str) -> None:
    start, stop = lifespan_hooks()
    settings = reintegration_app.state.settings
    app = type("App", (), {})()
    app.state = type("State", (), {})()
    app.state.settings = settings.model_copy(update={"overdue_job": True,
                                                     "overdue_interval_seconds": 0.01})
    app.state.database = reintegration_app.state.database
    await start(app)
    job: OverdueJob = app.state.overdue_job
    job.clock = lambda: LATER
    try:
        # A round under way may still use the clock it read before: the one after it sees
        # LATER. Waiting on rounds, not time (a hang guard only).
        await asyncio.wait_for(job.after_rounds(job.rounds + 2), 300)
    finally:
        await stop(app)
    assert job.marked == 5
    assert len(await overdue_events(reintegration_app, committed_case)) == 5


async def test_off_by_setting(reintegration_app: FastAPI) -> None:
    start, stop = lifespan_hooks()
    assert reintegration_app.state.settings.overdue_job is False
    await start(reintegration_app)
    assert reintegration_app.state.overdue_job is None
    await stop(reintegration_app)

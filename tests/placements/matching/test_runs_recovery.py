"""Runs a dead process left unfinished are failed at startup, never another replica's live
run; a run under way when the service stops ends failed. These tests commit (a fresh app on
the run's database starts and stops): their rows use programmes of their own and go at the end.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.placements.main import create_app
from services.placements.matching.profiles import CandidatesClient
from services.placements.matching.repository import RUN_LOCK_CLASS
from services.placements.settings import Settings
from tests.conftest import RunDatabase

INSERT = text("INSERT INTO placements.matching_run (programme_id, algorithm, parameters, "
              "requested_by, status, created_at) VALUES (:p, 'optimal', '{}', 'test', :s, "
              "now() - make_interval(secs => :age)) RETURNING id")


@pytest.fixture
async def fresh(database: RunDatabase, placements_app: FastAPI) -> AsyncIterator[
        tuple[FastAPI, AsyncEngine]]:
    """A second placements app (not started) and the engine to set the stage with; the
    runs it leaves are deleted."""
    app = create_app(Settings(database_url=database.url("placements"), events_relay=False,
                              candidates_url="http://candidates.invalid"))
    engine: AsyncEngine = placements_app.state.database.engine
    programmes: list[uuid.UUID] = []
    app.state.test_programmes = programmes
    try:
        yield app, engine
    finally:
        async with engine.begin() as connection:
            await connection.execute(text(
                "DELETE FROM placements.matching_run WHERE programme_id = ANY(:p)"),
                {"p": programmes})


async def _add(engine: AsyncEngine, programmes: list[uuid.UUID], status: str,
               age_seconds: float = 0) -> uuid.UUID:
    programmes.append(uuid.uuid4())
    async with engine.begin() as connection:
        return (await connection.execute(INSERT, {"p": programmes[-1], "s": status,
                                                  "age": age_seconds})).scalar_one()


async def _status(engine: AsyncEngine, run_id: uuid.UUID) -> tuple[str, str | None]:
    async with engine.connect() as connection:
        row = (await connection.execute(text(
            "SELECT status, failure_reason FROM placements.matching_run WHERE id = :i"),
            {"i": run_id})).one()
    return row.status, row.failure_reason


class TestRecovery:
    async def test_startup_fails_what_dead_processes_left(
            self, fresh: tuple[FastAPI, AsyncEngine]) -> None:
        app, engine = fresh
        programmes = app.state.test_programmes
        crashed = await _add(engine, programmes, "running")
        stale = await _add(engine, programmes, "queued", age_seconds=3600)
        just_queued = await _add(engine, programmes, "queued")
        completed = await _add(engine, programmes, "completed", age_seconds=3600)
        alive = await _add(engine, programmes, "running")
        async with engine.connect() as replica:  # another replica working on `alive`
            await replica.execute(text("SELECT pg_advisory_lock(:k, hashtext(:i))"),
                                  {"k": RUN_LOCK_CLASS, "i": str(alive)})
            # Starting the app is what is tested: its start-up fails the runs nobody holds.
            async with app.router.lifespan_context(app):
                pass
            await replica.execute(text("SELECT pg_advisory_unlock_all()"))
            await replica.commit()
        assert await _status(engine, crashed) == ("failed", "interrupted")
        assert await _status(engine, stale) == ("failed", "interrupted")
        assert await _status(engine, just_queued) == ("queued", None)
        assert await _status(engine, completed) == ("completed", None)
        assert await _status(engine, alive) == ("running", None)

    async def test_stopping_fails_the_runs_under_way(
            self, fresh: tuple[FastAPI, AsyncEngine]) -> None:
        app, engine = fresh
        fetching = asyncio.Event()

        async def never_answers(request: httpx.Request) -> httpx.Response:
            fetching.set()
            await asyncio.sleep(3600)
            raise AssertionError("unreachable")

        run_id = await _add(engine, app.state.test_programmes, "queued")
        async with app.router.lifespan_context(app):
            app.state.candidates_client = CandidatesClient(httpx.AsyncClient(
                transport=httpx.MockTransport(never_answers), base_url="http://c"))
            app.state.matching_jobs.start(run_id, authorization=None)
            await asyncio.wait_for(fetching.wait(), 10)
            assert await _status(engine, run_id) == ("running", None)
        assert await _status(engine, run_id) == ("failed", "interrupted")

"""The escalation of grievances past their deadline: one step with an injected now, moving a
grievance from the employer to the programme to the ministry; and the job as it runs in
production (its own transactions, several replicas at once, in the app's lifespan)."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.grievances.escalation import (
    EscalationJob,
    escalate_due,
    lifespan_hooks,
)
from services.placements.grievances.models import Grievance
from services.placements.grievances.state import deadline
from tests.placements.factories import add_placement
from tests.placements.grievances.conftest import (
    Auth,
    Clock,
    act,
    events,
    file,
    moment,
    parties,
)

LATER = datetime(2100, 1, 1, tzinfo=UTC)  # past every deadline of a grievance filed now


class TestEnteredAfterwards:
    async def test_an_officer_enters_a_complaint_made_earlier(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            clock: Clock) -> None:
        """Its deadline counts from when it was made: one entered late escalates at once."""
        placement = await add_placement(session, status="active")
        who = parties(auth, placement)
        assert clock.now is not None
        made = clock.now - timedelta(days=7)
        filed = await file(client, who.officer, placement.id, severity="high",
                           received_at=made.isoformat())
        assert moment(filed["filed_at"]) == made
        assert moment(filed["due_at"]) == made + timedelta(days=5)
        assert await escalate_due(session, now=clock.now) == 1

    async def test_only_staff_and_never_in_the_future(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            clock: Clock) -> None:
        placement = await add_placement(session, status="active")
        who = parties(auth, placement)
        assert clock.now is not None
        before = (await session.execute(text("SELECT count(*) FROM placements.grievance"))
                  ).scalar_one()
        for headers, when, status, slug in (
                (who.worker, clock.now - timedelta(days=1), 403, "historical-entry-forbidden"),
                (who.officer, clock.now + timedelta(days=1), 422, "invalid-dates")):
            response = await client.post("/v1/grievances", headers=headers, json={
                "placement_id": str(placement.id), "category": "wages", "severity": "low",
                "description": "Late pay.", "received_at": when.isoformat()})
            assert response.status_code == status, response.text
            assert response.json()["type"].endswith(slug)
        after = (await session.execute(text("SELECT count(*) FROM placements.grievance"))
                 ).scalar_one()
        assert after == before


class TestEscalateDue:
    async def test_employer_then_programme_then_ministry(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            clock: Clock) -> None:
        placement = await add_placement(session, status="active")
        who = parties(auth, placement)
        filed = await file(client, who.worker, placement.id, severity="medium",
                           category="hours", handled_first_by="employer")
        url = f"/v1/grievances/{filed['id']}"
        assert clock.now is not None
        assert moment(filed["due_at"]) == clock.now + timedelta(days=10)

        # Not a second before its deadline.
        assert await escalate_due(session, now=moment(filed["due_at"]) - timedelta(seconds=1)) == 0
        first = moment(filed["due_at"]) + timedelta(days=1)
        assert await escalate_due(session, now=first) == 1
        at_programme = (await client.get(url, headers=who.officer)).json()
        assert (at_programme["level"], at_programme["status"]) == ("programme", "open")
        assert moment(at_programme["escalated_at"]) == first
        assert moment(at_programme["due_at"]) == first + timedelta(days=10)
        assert await escalate_due(session, now=first) == 0  # once per deadline

        second = moment(at_programme["due_at"]) + timedelta(days=1)
        assert await escalate_due(session, now=second) == 1
        at_ministry = (await client.get(url, headers=who.officer)).json()
        assert (at_ministry["level"], moment(at_ministry["due_at"])) == (
            "ministry", second + timedelta(days=10))
        assert await escalate_due(session, now=LATER) == 0  # nothing above the ministry

        steps = (await client.get(f"{url}/history", headers=who.worker)).json()["items"]
        assert [(s["action"], s["level"], s["actor_role"]) for s in steps] == [
            ("file", "employer", "candidate"), ("escalate", "programme", "service"),
            ("escalate", "ministry", "service")]
        escalated = [p for kind, p in await events(session, filed["id"])
                     if kind == "grievance.escalated"]
        assert [(p["previous_level"], p["level"], p["status"]) for p in escalated] == [
            ("employer", "programme", "open"), ("programme", "ministry", "open")]
        assert all(set(p) == {"grievance_id", "programme_id", "category", "severity", "level",
                              "previous_level", "status", "outcome", "due_at"}
                   for p in escalated)

        # The ministry's statistics count it: escalated and unresolved, and overdue once past
        # the deadline at its level; resolving it takes it out.
        clock.now = LATER
        statistics = f"/v1/grievances/statistics?programme_id={placement.programme_id}"
        counted = (await client.get(statistics, headers=who.officer)).json()
        assert (counted["escalated_to_ministry_unresolved"], counted["overdue"]) == (1, 1)
        await act(client, filed, "resolve", who.officer,
                  json={"outcome": "partly_upheld", "resolution": "Hours paid back."})
        counted = (await client.get(statistics, headers=who.officer)).json()
        assert (counted["escalated_to_ministry_unresolved"], counted["overdue"]) == (0, 0)

    async def test_in_time_and_resolved_grievances_stay(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            clock: Clock) -> None:
        placement = await add_placement(session, status="active")
        who = parties(auth, placement)
        critical = await file(client, who.worker, placement.id, severity="critical")
        low = await file(client, who.worker, placement.id, severity="low")
        resolved = await file(client, who.worker, placement.id, severity="critical")
        await act(client, resolved, "resolve", who.officer,
                  json={"outcome": "withdrawn", "resolution": "The worker withdrew it."})
        assert clock.now is not None
        assert await escalate_due(session, now=clock.now + timedelta(days=3)) == 1
        levels = {g["id"]: g["level"] for g in (await client.get(
            "/v1/grievances", headers=who.officer)).json()["items"]}
        assert levels == {critical["id"]: "ministry", low["id"]: "programme",
                          resolved["id"]: "programme"}

    async def test_a_batch_takes_the_oldest_deadlines_first(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            clock: Clock) -> None:
        placement = await add_placement(session, status="active")
        who = parties(auth, placement)
        medium = await file(client, who.worker, placement.id, severity="medium")
        high = await file(client, who.worker, placement.id, severity="high")
        assert clock.now is not None
        assert await escalate_due(session, now=clock.now + timedelta(days=30),
                                  batch_size=1) == 1
        read = (await client.get(f"/v1/grievances/{high['id']}", headers=who.officer)).json()
        assert read["level"] == "ministry"
        read = (await client.get(f"/v1/grievances/{medium['id']}", headers=who.officer)).json()
        assert read["level"] == "programme"


# --- the job, committed -------------------------------------------------------------------------


@pytest.fixture
async def committed_grievances(placements_app: FastAPI) -> AsyncIterator[list[uuid.UUID]]:
    """Five grievances at the employer's level, committed, due long ago; deleted with their
    placement, its employer and vacancy, and their events afterwards."""
    sessions = placements_app.state.database.sessionmaker
    filed = datetime.now(UTC) - timedelta(days=60)
    async with sessions() as session, session.begin():
        placement = await add_placement(session, status="active")
        grievances = [Grievance(
            placement_id=placement.id, programme_id=placement.programme_id,
            employer_id=placement.employer_id, candidate_id=placement.candidate_id,
            category="wages", severity="high", description="Unpaid overtime.",
            share_identity_with_employer=False, handled_first_by="employer", on_behalf=False,
            filed_by="candidate-x", filed_by_role="candidate", filed_at=filed,
            level="employer", status="open", due_at=deadline("high", filed)) for _ in range(5)]
        session.add_all(grievances)
        await session.flush()
        ids = [g.id for g in grievances]
        placement_id, vacancy_id, employer_id = (placement.id, placement.vacancy_id,
                                                 placement.employer_id)
    try:
        yield ids
    finally:
        async with sessions() as session, session.begin():
            await session.execute(text("DELETE FROM placements.outbox WHERE subject_id = ANY(:s)"),
                                  {"s": [str(i) for i in ids]})
            for table, key in (("placement", placement_id), ("vacancy", vacancy_id),
                               ("employer", employer_id)):
                await session.execute(text(f"DELETE FROM placements.{table} WHERE id = :i"),
                                      {"i": key})


async def _levels(app: FastAPI, ids: list[uuid.UUID]) -> list[str]:
    async with app.state.database.sessionmaker() as session:
        rows = await session.execute(text(
            "SELECT level FROM placements.grievance WHERE id = ANY(:i)"), {"i": ids})
        return sorted(r.level for r in rows.all())


async def _escalations(app: FastAPI, ids: list[uuid.UUID]) -> int:
    async with app.state.database.sessionmaker() as session:
        return int(await session.scalar(text(
            "SELECT count(*) FROM placements.outbox WHERE type = 'grievance.escalated' "
            "AND subject_id = ANY(:s)"), {"s": [str(i) for i in ids]}) or 0)


async def test_replicas_escalate_each_grievance_once(placements_app: FastAPI,
                                                    committed_grievances: list[uuid.UUID]
                                                    ) -> None:
    sessions = placements_app.state.database.sessionmaker
    # Now is 50 days ago: past the employer's deadline (55 days ago), not yet the programme's.
    then = datetime.now(UTC) - timedelta(days=50)
    replicas = [EscalationJob(sessions, interval=0.01, batch_size=2, clock=lambda: then)
                for _ in range(3)]
    results = await asyncio.gather(*(job.run_once() for job in replicas),
                                   *(job.run_once() for job in replicas))
    assert sum(results) == 5
    assert await _levels(placements_app, committed_grievances) == ["programme"] * 5
    assert await _escalations(placements_app, committed_grievances) == 5


async def test_runs_in_the_lifespan_until_stopped(placements_app: FastAPI,
                                                  committed_grievances: list[uuid.UUID]
                                                  ) -> None:
    start, stop = lifespan_hooks()
    app = type("App", (), {})()
    app.state = type("State", (), {})()
    app.state.settings = placements_app.state.settings.model_copy(update={
        "grievance_escalation_job": True, "grievance_escalation_interval_seconds": 0.01})
    app.state.database = placements_app.state.database
    await start(app)
    job: EscalationJob = app.state.grievance_escalation_job
    # Each round a year after the one before: past the deadline the round before set. (The
    # first round may have read the real clock already: it escalates them once.)
    job.clock = lambda: LATER + timedelta(days=366 * job.rounds)
    try:
        # Waiting on rounds, not time (a hang guard only).
        await asyncio.wait_for(job.after_rounds(job.rounds + 3), 300)
    finally:
        await stop(app)
    # Up to the ministry, and no further.
    assert await _levels(placements_app, committed_grievances) == ["ministry"] * 5
    assert await _escalations(placements_app, committed_grievances) == 10


async def test_off_by_setting(placements_app: FastAPI) -> None:
    start, stop = lifespan_hooks()
    assert placements_app.state.settings.grievance_escalation_job is False
    await start(placements_app)
    assert placements_app.state.grievance_escalation_job is None
    await stop(placements_app)

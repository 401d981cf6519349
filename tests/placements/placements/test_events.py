"""Placement events are written to the outbox in the change's transaction: ids, dates and codes
(the gender and sector the indicators need), nothing else."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.events import EVENT_TYPES, INCIDENT_REPORTED
from services.placements.placements import service
from tests.placements.factories import (
    act,
    add_employer,
    add_placement,
    add_vacancy,
    create_placement,
    today,
)

PAYLOAD_KEYS = {"placement_id", "candidate_id", "programme_id", "vacancy_id", "employer_id",
                "matching_run_id", "proposal_id", "status", "previous_status", "start_date",
                "end_date", "actual_start_date", "actual_end_date", "end_reason",
                "origin_country", "destination_country", "gender", "sector", "stay_type",
                "season", "region", "visa_decision", "visa_decision_date"}


ORDER = ["placement.confirmed", "placement.visa_requested", "placement.visa_decided",
         "placement.started", "placement.extended", "placement.completed",
         "placement.ended_early"]


async def events_of(session: AsyncSession, placement_id: object) -> list[dict[str, Any]]:
    """The placement's events in lifecycle order (one test transaction: one occurred_at)."""
    rows = await session.execute(text(
        "SELECT type, payload FROM placements.outbox WHERE subject_id = :s"),
        {"s": str(placement_id)})
    return sorted((dict(r) for r in rows.mappings().all()), key=lambda e: ORDER.index(e["type"]))


class TestPlacementEvents:
    async def test_lifecycle_publishes_confirmed_started_extended_completed(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        placement = await create_placement(client)
        for action, body in [("accept-employer", None), ("accept-candidate", None),
                             ("request-visa", None), ("visa-decision", {"decision": "granted"}),
                             ("arrive", {"arrival_date": today().isoformat()}),
                             ("extend", {"new_end_date": "2030-01-01",
                                         "offer_text": "One more year"}),
                             ("complete", None)]:
            await act(client, placement, action, json=body)
        events = await events_of(session, placement["id"])
        assert [e["type"] for e in events] == [
            "placement.confirmed", "placement.visa_requested", "placement.visa_decided",
            "placement.started", "placement.extended", "placement.completed"]
        for event in events:
            assert set(event["payload"]) == PAYLOAD_KEYS  # nothing else
        requested, decided = (e["payload"] for e in events[1:3])
        assert (requested["status"], requested["visa_decision"]) == ("visa_pending", None)
        assert (decided["status"], decided["visa_decision"]) == ("visa_granted", "granted")
        assert decided["visa_decision_date"] == today().isoformat()
        confirmed, started, _, completed = (e["payload"] for e in events[:1] + events[3:])
        assert confirmed == {
            "placement_id": placement["id"], "candidate_id": placement["candidate_id"],
            "programme_id": placement["programme_id"], "vacancy_id": placement["vacancy_id"],
            "employer_id": placement["employer_id"], "matching_run_id": None,
            "proposal_id": None, "status": "proposed", "previous_status": None,
            "start_date": placement["start_date"], "end_date": placement["end_date"],
            "actual_start_date": None, "actual_end_date": None, "end_reason": None,
            "origin_country": "MA", "destination_country": "FR", "gender": None,
            "sector": "ict", "stay_type": "work", "season": None, "region": None,
            "visa_decision": None, "visa_decision_date": None}
        assert (started["status"], started["previous_status"],
                started["actual_start_date"]) == ("active", "visa_granted", today().isoformat())
        assert (completed["status"], completed["end_date"],
                completed["actual_end_date"]) == ("completed", "2030-01-01", today().isoformat())

    async def test_ended_early_carries_the_reason_code_only(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        placement = await add_placement(session, status="active")
        await act(client, {"id": placement.id}, "end-early",
                  json={"reason": "misconduct", "note": "Details only officers may read."})
        [event] = await events_of(session, placement.id)
        assert event["type"] == "placement.ended_early"
        assert event["payload"]["end_reason"] == "misconduct"
        assert "Details" not in str(event["payload"])

    async def test_from_proposal_publishes_confirmed_once(self, session: AsyncSession) -> None:
        programme = uuid.uuid4()
        employer = await add_employer(session, programme_id=programme)
        vacancy = await add_vacancy(session, employer=employer, programme_id=programme)
        run, proposal, candidate = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        for _ in range(2):
            placement = await service.create_from_proposal(
                session, programme_id=programme, candidate_id=candidate, vacancy_id=vacancy.id,
                run_id=run, proposal_id=proposal, score=0.5)
        [event] = await events_of(session, placement.id)
        assert (event["type"], event["payload"]["matching_run_id"],
                event["payload"]["proposal_id"]) == ("placement.confirmed", str(run),
                                                     str(proposal))

    async def test_refused_action_records_nothing(self, client: httpx.AsyncClient,
                                                  session: AsyncSession) -> None:
        placement = await create_placement(client)
        await act(client, placement, "arrive",
                  json={"arrival_date": (today() - timedelta(days=1)).isoformat()}, expect=409)
        assert [e["type"] for e in await events_of(session, placement["id"])] == [
            "placement.confirmed"]

    def test_partners_may_subscribe_to_lifecycle_events_not_incidents(self) -> None:
        assert {"placement.confirmed", "placement.started", "placement.completed",
                "placement.ended_early"} <= set(EVENT_TYPES)
        assert INCIDENT_REPORTED not in EVENT_TYPES

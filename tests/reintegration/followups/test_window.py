"""When an answer counts: from the due date's start to the end of the window's last day, UTC,
whatever the offset of the clock that asks; and the overdue job on both sides of that edge."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration.followups.overdue import LOCK_KEY, mark_overdue
from shared.events.signing import Signer
from tests.conftest import RunDatabase
from tests.reintegration.factories import (
    answer_body,
    follow_ups_of,
    open_case,
    outbox_events,
)

# Returned 31 January 2026; the one-month follow-up is due 28 February, window 30 days:
# answerable from 2026-02-28T00:00Z until 2026-03-30T23:59:59.999999Z.
RETURNED = date(2026, 1, 31)
OPENS = datetime(2026, 2, 28, tzinfo=UTC)
CLOSES = datetime(2026, 3, 31, tzinfo=UTC)
TICK = timedelta(microseconds=1)


@pytest.fixture
async def case(client: httpx.AsyncClient, signer: Signer) -> dict[str, Any]:
    return await open_case(client, signer, actual_end_date=RETURNED)


async def one_month(client: httpx.AsyncClient, case: dict[str, Any]) -> dict[str, Any]:
    follow_up = (await follow_ups_of(client, case))[1]
    assert (follow_up["point_months"], follow_up["due_date"]) == (1, "2026-02-28")
    return follow_up


class TestAnswerWindow:
    @pytest.mark.parametrize(("now", "expected"), [
        (OPENS - TICK, "/problems/follow-up-not-open"),
        (OPENS, None),
        (CLOSES - TICK, None),
        (CLOSES, "/problems/follow-up-window-closed"),
        (CLOSES + timedelta(days=40), "/problems/follow-up-window-closed"),
    ], ids=["before-opening", "opening", "last-instant", "closing", "long-after"])
    async def test_edges(self, client: httpx.AsyncClient, case: dict[str, Any], clock: Any,
                         now: datetime, expected: str | None) -> None:
        follow_up = await one_month(client, case)
        clock.set(now)
        response = await client.post(f"/v1/follow-ups/{follow_up['id']}/answer",
                                     json=answer_body())
        if expected is None:
            assert response.status_code == 200, response.text
        else:
            assert response.status_code == 409, response.text
            assert response.json()["type"] == expected

    @pytest.mark.parametrize(("local", "open_"), [
        # 00:30 on 31 March in Casablanca (UTC+1) is still 30 March in UTC: open.
        ("2026-03-31T00:30:00+01:00", True),
        # 20:00 on 30 March in Bogotá (UTC-5) is already 31 March in UTC: closed.
        ("2026-03-30T20:00:00-05:00", False),
        # 23:30 on 27 February in Lagos (UTC+1) is 22:30 UTC: not open yet.
        ("2026-02-27T23:30:00+01:00", False),
        # 01:00 on 28 February in Lagos is midnight UTC: open.
        ("2026-02-28T01:00:00+01:00", True),
    ])
    async def test_the_instant_counts_not_the_local_date(
            self, client: httpx.AsyncClient, case: dict[str, Any], clock: Any, local: str,
            open_: bool) -> None:
        follow_up = await one_month(client, case)
        clock.set(local)
        response = await client.post(f"/v1/follow-ups/{follow_up['id']}/answer",
                                     json=answer_body())
        assert (response.status_code == 200) is open_, response.text

    async def test_window_is_shown(self, client: httpx.AsyncClient,
                                   case: dict[str, Any]) -> None:
        follow_up = await one_month(client, case)
        assert (follow_up["opens_at"], follow_up["window_closes_at"]) == \
            ("2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z")


class TestMarkOverdue:
    async def test_not_before_the_window_closes(self, client: httpx.AsyncClient,
                                                session: AsyncSession,
                                                case: dict[str, Any]) -> None:
        # At return + 0 closes 2026-03-03; the one-month follow-up closes 2026-03-31.
        assert await mark_overdue(session, now=CLOSES - TICK) == 1  # only the first
        statuses = [f["status"] for f in await follow_ups_of(client, case)]
        assert statuses == ["overdue", "scheduled", "scheduled", "scheduled", "scheduled"]

    async def test_at_the_closing_instant(self, client: httpx.AsyncClient,
                                          session: AsyncSession, case: dict[str, Any]) -> None:
        assert await mark_overdue(session, now=CLOSES) == 2
        follow_up = await one_month(client, case)
        assert (follow_up["status"], follow_up["overdue_at"]) == \
            ("overdue", "2026-03-31T00:00:00Z")

    async def test_publishes_followup_overdue_once(self, client: httpx.AsyncClient,
                                                   session: AsyncSession,
                                                   case: dict[str, Any]) -> None:
        assert await mark_overdue(session, now=CLOSES) == 2
        assert await mark_overdue(session, now=CLOSES + timedelta(days=1)) == 0
        events = await outbox_events(session, "followup.overdue")
        assert sorted(e["point_months"] for e in events) == [0, 1]
        assert {e["case_id"] for e in events} == {case["id"]}
        assert {e["status"] for e in events} == {"overdue"}

    async def test_answered_and_cancelled_are_left_alone(self, client: httpx.AsyncClient,
                                                         session: AsyncSession, clock: Any,
                                                         case: dict[str, Any]) -> None:
        at_return_closed = datetime(2026, 3, 3, tzinfo=UTC)  # 31 January + 31 days
        assert await mark_overdue(session, now=at_return_closed) == 1
        clock.set(at_return_closed)
        follow_up = await one_month(client, case)
        await client.post(f"/v1/follow-ups/{follow_up['id']}/answer", json=answer_body())
        await client.post(f"/v1/returnee-cases/{case['id']}/close",
                          json={"reason": "re_emigrated"})
        assert await mark_overdue(session, now=CLOSES + timedelta(days=9999)) == 0
        statuses = [f["status"] for f in await follow_ups_of(client, case)]
        assert statuses == ["overdue", "completed", "cancelled", "cancelled", "cancelled"]

    async def test_batches(self, session: AsyncSession, case: dict[str, Any]) -> None:
        far = CLOSES + timedelta(days=9999)
        assert await mark_overdue(session, now=far, batch_size=2) == 2
        assert await mark_overdue(session, now=far, batch_size=2) == 2
        assert await mark_overdue(session, now=far, batch_size=2) == 1

    async def test_overdue_cannot_be_answered(self, client: httpx.AsyncClient,
                                              session: AsyncSession, clock: Any,
                                              case: dict[str, Any]) -> None:
        await mark_overdue(session, now=CLOSES)
        clock.set(OPENS)  # even if a clock said the window were open
        follow_up = await one_month(client, case)
        response = await client.post(f"/v1/follow-ups/{follow_up['id']}/answer",
                                     json=answer_body())
        assert response.status_code == 409
        assert response.json()["current_state"] == "overdue"

    async def test_another_replica_holding_the_lock_skips_the_round(
            self, session: AsyncSession, database: RunDatabase,
            case: dict[str, Any]) -> None:
        other = await asyncpg.connect(database.url("reintegration"))
        try:
            await other.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
            assert await mark_overdue(session, now=CLOSES) == 0
            await other.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
        finally:
            await other.close()
        assert await mark_overdue(session, now=CLOSES) == 2


class TestAnsweredOn:
    """A caseworker records an answer given earlier: the window is checked against the day it
    was given, not the clock."""

    LATER = "2026-06-01T09:00:00+00:00"  # every window of the first months has closed

    async def record(self, client: httpx.AsyncClient, follow_up: dict[str, Any],
                     answered_on: str, **kwargs: Any) -> httpx.Response:
        return await client.post(f"/v1/follow-ups/{follow_up['id']}/answer",
                                 json=answer_body(answered_on=answered_on), **kwargs)

    @pytest.mark.parametrize("answered_on", ["2026-02-28", "2026-03-15", "2026-03-30"])
    async def test_a_day_inside_the_window_counts(
            self, client: httpx.AsyncClient, case: dict[str, Any], clock: Any,
            answered_on: str) -> None:
        follow_up = await one_month(client, case)
        clock.set(self.LATER)
        response = await self.record(client, follow_up, answered_on)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["status"], body["answer"]["answered_on"]) == ("completed", answered_on)
        assert body["completed_at"] == "2026-06-01T09:00:00Z"  # when it was recorded

    async def test_even_once_marked_overdue(self, client: httpx.AsyncClient,
                                            session: AsyncSession, clock: Any,
                                            case: dict[str, Any]) -> None:
        await mark_overdue(session, now=CLOSES)
        follow_up = await one_month(client, case)
        assert follow_up["status"] == "overdue"
        clock.set(self.LATER)
        response = await self.record(client, follow_up, "2026-03-02")
        assert response.status_code == 200, response.text
        [event] = await outbox_events(session, "followup.completed")
        assert (event["answered_on"], event["at"]) == ("2026-03-02", "2026-06-01T09:00:00Z")
        again = await self.record(client, follow_up, "2026-03-03")
        assert again.status_code == 409 and again.json()["current_state"] == "completed"

    @pytest.mark.parametrize(("point", "answered_on", "why"), [
        (1, "2026-02-27", "opened on 2026-02-28"),
        (1, "2026-03-31", "window closed after 2026-03-30"),
        (0, "2026-01-30", "before the return (2026-01-31)"),
        (1, "2026-06-02", "in the future"),
    ], ids=["before-opening", "after-closing", "before-return", "future"])
    async def test_a_day_outside_is_422(self, client: httpx.AsyncClient, clock: Any,
                                        case: dict[str, Any], point: int, answered_on: str,
                                        why: str) -> None:
        [follow_up] = [f for f in await follow_ups_of(client, case)
                       if f["point_months"] == point]
        clock.set(self.LATER)
        response = await self.record(client, follow_up, answered_on)
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/invalid-dates"
        [error] = response.json()["errors"]
        assert error["loc"] == ["body", "answered_on"] and why in error["msg"]
        kept = (await client.get(f"/v1/follow-ups/{follow_up['id']}")).json()
        assert (kept["status"], kept["answer"]) == ("scheduled", None)

    async def test_a_returnee_answers_today_only(self, client: httpx.AsyncClient,
                                                 auth: Any, clock: Any,
                                                 case: dict[str, Any]) -> None:
        follow_up = await one_month(client, case)
        clock.set("2026-03-10T08:00:00+00:00")
        mine = auth("candidate", candidate_id=uuid.UUID(case["candidate_id"]))
        refused = await client.post(f"/v1/follow-ups/{follow_up['id']}/answer", headers=mine,
                                    json=answer_body("seeking_work", answered_on="2026-03-01"))
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"] == "/problems/historical-entry-forbidden"
        today = await client.post(f"/v1/follow-ups/{follow_up['id']}/answer", headers=mine,
                                  json=answer_body("seeking_work"))
        assert today.status_code == 200, today.text
        assert today.json()["answer"]["answered_on"] == "2026-03-10"

    async def test_officer_of_the_programme_records_history(
            self, client: httpx.AsyncClient, auth: Any, clock: Any,
            case: dict[str, Any]) -> None:
        follow_up = await one_month(client, case)
        clock.set(self.LATER)
        officer = auth("officer", programme_ids=(uuid.UUID(case["programme_id"]),))
        response = await self.record(client, follow_up, "2026-03-01", headers=officer)
        assert response.status_code == 200, response.text
        assert response.json()["answer"]["recorded_via"] == "caseworker"

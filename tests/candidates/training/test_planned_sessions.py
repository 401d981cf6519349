"""Planned sessions of a module: planned ahead one a day, rescheduled with If-Match, called off;
each person of the class has one pending reminder per session, moved by a reschedule, cancelled
by a cancellation or by their dropping out."""

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.notices.models import Notice
from shared.clock import utc_today
from tests.candidates.factories import create_candidate, create_programme, create_training_module
from tests.candidates.training.helpers import enrol


def _day(days: int) -> str:
    return (utc_today() + timedelta(days=days)).isoformat()


async def _module(client: httpx.AsyncClient) -> tuple[dict[str, Any], str]:
    programme = await create_programme(client)
    module = await create_training_module(client, programme_id=programme["id"])
    return module, f"/v1/training-modules/{module['id']}/planned-sessions"


async def _reminders(session: AsyncSession, planned_id: str) -> list[tuple[str, str | None,
                                                                           str]]:
    """(status, reason, session_date) of the session's reminders, pending first."""
    rows = await session.scalars(select(Notice).where(Notice.parent_id == planned_id)
                                 .order_by(Notice.status.desc(), Notice.created_at))
    return [(n.status, n.reason, n.params["session_date"]) for n in rows]


class TestPlan:
    async def test_one_a_day_from_today(self, client: httpx.AsyncClient) -> None:
        _module_body, plan = await _module(client)
        response = await client.post(plan, json={"session_date": _day(3), "start_time": "09:30",
                                                 "place": "Room 4"})
        assert response.status_code == 201, response.text
        made = response.json()
        assert response.headers["location"] == f"/v1/planned-sessions/{made['id']}"
        assert response.headers["etag"] == '"1"'
        assert (made["start_time"], made["status"], made["recorded"]) == ("09:30", "planned",
                                                                          False)
        again = await client.post(plan, json={"session_date": _day(3)})
        assert again.status_code == 409, again.text
        assert again.json()["type"] == "/problems/session-already-planned"
        past = await client.post(plan, json={"session_date": _day(-1)})
        assert past.status_code == 422, past.text
        assert past.json()["type"] == "/problems/invalid-dates"
        for start in ("09:30:15", "09:30+01:00", "25:00"):
            wrong = await client.post(plan, json={"session_date": _day(4), "start_time": start})
            assert wrong.status_code == 422, (start, wrong.text)

    async def test_the_plan_by_date_in_pages(self, client: httpx.AsyncClient) -> None:
        _module_body, plan = await _module(client)
        for days in (5, 2, 9):
            assert (await client.post(plan, json={"session_date": _day(days)})).status_code == 201
        first = (await client.get(plan, params={"limit": 2})).json()
        assert [s["session_date"] for s in first["items"]] == [_day(2), _day(5)]
        rest = (await client.get(plan, params={"cursor": first["next_cursor"]})).json()
        assert [s["session_date"] for s in rest["items"]] == [_day(9)]
        cancelled = (await client.post(f"/v1/planned-sessions/{rest['items'][0]['id']}/cancel"))
        assert cancelled.status_code == 200, cancelled.text
        live = (await client.get(plan, params={"status": "planned"})).json()["items"]
        assert [s["session_date"] for s in live] == [_day(2), _day(5)]

    async def test_an_unknown_module_or_session_is_a_404(self, client: httpx.AsyncClient) -> None:
        missing = "/v1/training-modules/00000000-0000-4000-8000-000000000000/planned-sessions"
        assert (await client.post(missing, json={"session_date": _day(1)})).status_code == 404
        assert (await client.get(missing)).status_code == 404
        response = await client.get("/v1/planned-sessions/00000000-0000-4000-8000-000000000000")
        assert response.json()["type"] == "/problems/planned-session-not-found"


class TestReminders:
    async def test_planned_moved_and_called_off(self, client: httpx.AsyncClient,
                                                session: AsyncSession) -> None:
        module, plan = await _module(client)
        first = await enrol(client, module_id=module["id"],
                            candidate_id=(await create_candidate(session)).id)
        made = (await client.post(plan, json={"session_date": _day(10)})).json()
        url = f"/v1/planned-sessions/{made['id']}"
        assert await _reminders(session, made["id"]) == [("pending", None, _day(10))]

        # Someone enrolled later is reminded too; someone who drops out is not any more.
        later = await enrol(client, module_id=module["id"],
                            candidate_id=(await create_candidate(session)).id)
        assert len(await _reminders(session, made["id"])) == 2
        assert (await client.post(f"/v1/enrolments/{later['id']}/drop")).status_code == 200
        assert sorted(await _reminders(session, made["id"])) == [
            ("cancelled", "dropped", _day(10)), ("pending", None, _day(10))]

        # Rescheduling needs the current ETag, and a free day.
        assert (await client.patch(url, json={"session_date": _day(11)})).status_code == 428
        stale = await client.patch(url, headers={"If-Match": '"7"'},
                                   json={"session_date": _day(11)})
        assert stale.status_code == 412, stale.text
        other = (await client.post(plan, json={"session_date": _day(12)})).json()
        taken = await client.patch(url, headers={"If-Match": '"1"'},
                                   json={"session_date": _day(12)})
        assert taken.status_code == 409, taken.text
        moved = await client.patch(url, headers={"If-Match": '"1"'},
                                   json={"session_date": _day(11), "place": "Room 2"})
        assert moved.status_code == 200, moved.text
        assert (moved.json()["version"], moved.headers["etag"]) == (2, '"2"')
        reminders = await _reminders(session, made["id"])
        assert ("pending", None, _day(11)) in reminders
        assert ("cancelled", "rescheduled", _day(10)) in reminders
        assert [r for r in reminders if r[0] == "pending"] == [("pending", None, _day(11))]
        # The same values again: nothing moves, no new reminder.
        same = await client.patch(url, headers={"If-Match": '"2"'}, json={"place": "Room 2"})
        assert same.json()["version"] == 2
        assert len(await _reminders(session, made["id"])) == len(reminders)

        # Called off: its reminder is cancelled, it cannot move or be called off again, and
        # its day is free.
        called_off = await client.post(f"{url}/cancel")
        assert called_off.status_code == 200, called_off.text
        assert [r for r in await _reminders(session, made["id"]) if r[0] == "pending"] == []
        assert ("cancelled", "session_cancelled", _day(11)) in await _reminders(session,
                                                                                made["id"])
        assert (await client.post(f"{url}/cancel")).status_code == 409
        assert (await client.patch(url, headers={"If-Match": "*"},
                                   json={"place": "Room 3"})).status_code == 409
        assert (await client.post(plan, json={"session_date": _day(11)})).status_code == 201
        # The other session kept its reminder all along.
        assert await _reminders(session, other["id"]) == [("pending", None, _day(12))]
        assert first["status"] == "enrolled"

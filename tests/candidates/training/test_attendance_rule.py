"""Completing a module needs attendance (at least 80 % of its hours by the completion day), and
enrolment, attendance and completion take the days they happened: not in the future, not before
the enrolment. Each refusal is a 422 naming the field, and nothing is stored."""

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.training.service import MIN_ATTENDANCE_SHARE, required_hours
from tests.candidates.factories import create_candidate, create_programme, create_training_module
from tests.candidates.training.helpers import attend, days_ago, enrol


async def _enrolment(client: httpx.AsyncClient, session: AsyncSession, *,
                     hours: str = "40") -> dict[str, Any]:
    """A candidate enrolled a month ago in a fresh module of ``hours``."""
    programme = await create_programme(client)
    module = await create_training_module(client, programme_id=programme["id"], hours=hours)
    candidate = await create_candidate(session)
    return await enrol(client, module_id=module["id"], candidate_id=candidate.id)


async def _state(client: httpx.AsyncClient, enrolment: dict[str, Any]) -> dict[str, Any]:
    listed = (await client.get(
        f"/v1/training-modules/{enrolment['module_id']}/enrolments")).json()["items"]
    found: dict[str, Any] = next(e for e in listed if e["id"] == enrolment["id"])
    return found


def _complete(client: httpx.AsyncClient, enrolment: dict[str, Any], **body: Any) -> Any:
    return client.post(f"/v1/enrolments/{enrolment['id']}/complete", json=body or None)


class TestAttendanceRule:
    def test_the_rule_is_eighty_percent_rounded_up(self) -> None:
        assert Decimal("0.8") == MIN_ATTENDANCE_SHARE
        assert required_hours(Decimal("40")) == Decimal("32.00")
        assert required_hours(Decimal("10.01")) == Decimal("8.01")  # 8.008: never short

    async def test_without_enough_attendance_it_is_422_naming_the_hours(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session)
        await attend(client, enrolment, Decimal("31.99"))
        response = await _complete(client, enrolment)
        assert response.status_code == 422
        problem = response.json()
        assert problem["type"] == "/problems/attendance-insufficient"
        assert (problem["attended_hours"], problem["required_hours"]) == ("31.99", "32.00")
        assert "31.99" in problem["detail"] and "32.00" in problem["detail"]
        assert (await _state(client, enrolment))["status"] == "enrolled"

    async def test_exactly_the_required_hours_complete_it(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session)
        await attend(client, enrolment, Decimal("32"))
        response = await _complete(client, enrolment)
        assert response.status_code == 200, response.text
        assert response.json()["completed_on"] == days_ago(0).isoformat()

    async def test_absences_do_not_count(self, client: httpx.AsyncClient,
                                         session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session, hours="10")
        url = f"/v1/enrolments/{enrolment['id']}/attendance"
        await client.post(url, json={"session_date": days_ago(20).isoformat(), "present": True,
                                     "hours": 7})
        await client.post(url, json={"session_date": days_ago(19).isoformat(),
                                     "present": False})
        response = await _complete(client, enrolment)
        assert response.status_code == 422
        assert response.json()["attended_hours"] == "7.00"

    async def test_sessions_after_the_completion_day_do_not_count(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session, hours="8")
        await client.post(f"/v1/enrolments/{enrolment['id']}/attendance", json={
            "session_date": days_ago(5).isoformat(), "present": True, "hours": 8})
        early = await _complete(client, enrolment, completed_on=days_ago(6).isoformat())
        assert early.status_code == 422
        assert early.json()["attended_hours"] == "0.00"
        done = await _complete(client, enrolment, completed_on=days_ago(5).isoformat())
        assert done.status_code == 200, done.text
        assert done.json()["completed_on"] == days_ago(5).isoformat()


class TestRealDates:
    async def test_a_past_enrolment_keeps_its_day(self, client: httpx.AsyncClient,
                                                  session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session)
        assert enrolment["enrolled_on"] == days_ago(30).isoformat()
        assert enrolment["completed_on"] is None

    @pytest.mark.parametrize("enrolled_on", [days_ago(-1).isoformat(), "2026-02-30", "soon"])
    async def test_a_bad_enrolment_day_is_422_and_enrols_nobody(
            self, client: httpx.AsyncClient, session: AsyncSession, enrolled_on: str) -> None:
        programme = await create_programme(client)
        module = await create_training_module(client, programme_id=programme["id"])
        candidate = await create_candidate(session)
        url = f"/v1/training-modules/{module['id']}/enrolments"
        response = await client.post(url, json={"candidate_id": str(candidate.id),
                                                "enrolled_on": enrolled_on})
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"][-1] == "enrolled_on"
        assert (await client.get(url)).json()["items"] == []

    @pytest.mark.parametrize(("day", "why"), [(days_ago(-1), "future"),
                                              (days_ago(31), "before the enrolment")])
    async def test_a_session_out_of_bounds_is_422_and_records_nothing(
            self, client: httpx.AsyncClient, session: AsyncSession, day: Any, why: str) -> None:
        enrolment = await _enrolment(client, session)
        url = f"/v1/enrolments/{enrolment['id']}/attendance"
        response = await client.post(url, json={"session_date": day.isoformat(),
                                                "present": True, "hours": 8})
        assert response.status_code == 422
        problem = response.json()
        assert problem["type"] == "/problems/invalid-dates"
        assert problem["errors"][0]["loc"] == ["body", "session_date"]
        assert why in problem["detail"]
        status = (await client.get(f"/v1/candidates/{enrolment['candidate_id']}/training")
                  ).json()["programmes"]
        assert [s["hours_attended"] for s in status] == ["0.00"]

    async def test_the_enrolment_day_itself_and_today_are_fine(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session)
        for day in (days_ago(30), days_ago(0)):
            response = await client.post(f"/v1/enrolments/{enrolment['id']}/attendance",
                                         json={"session_date": day.isoformat(),
                                               "present": True, "hours": 8})
            assert response.status_code == 201, response.text

    @pytest.mark.parametrize(("completed_on", "kind"), [
        (days_ago(-1).isoformat(), "invalid-dates"), (days_ago(31).isoformat(), "invalid-dates"),
        ("yesterday", "validation"), (None, None)])
    async def test_a_bad_completion_day_is_422_and_completes_nothing(
            self, client: httpx.AsyncClient, session: AsyncSession, completed_on: str | None,
            kind: str | None) -> None:
        enrolment = await _enrolment(client, session)
        await attend(client, enrolment, Decimal("40"))
        body = {"completed_on": completed_on} if kind else {"completed_at": "2026-01-01"}
        response = await _complete(client, enrolment, **body)
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["type"] == f"/problems/{kind or 'validation'}"
        assert problem["errors"][0]["loc"][-1] == ("completed_on" if kind else "completed_at")
        assert (await _state(client, enrolment))["status"] == "enrolled"

"""Mentors, check-ins with incidents and the alerts they raise, and the final evaluation."""

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.placements import state
from services.placements.placements.models import STATUSES
from tests.pages import all_pages
from tests.placements.factories import PROBLEM, add_placement, today

Auth = Callable[..., dict[str, str]]
MENTOR = {"name": "Luca Bianchi", "email": "luca.bianchi@host.example",
          "phone": "+390212345678", "role": "Senior engineer"}
EVALUATION = {"technical_skills": 4, "communication": 5, "teamwork": 3, "reliability": 5,
              "would_host_again": True, "comments": "A valued member of the team."}


def check_in(**overrides: Any) -> dict[str, Any]:
    """A valid check-in body; override any field."""
    return {"wellbeing": 4, "housing": "ok", "health_flag": False, "notes": "Fine.",
            "incidents": []} | overrides


async def outbox_incidents(session: AsyncSession, placement_id: object) -> list[dict[str, Any]]:
    rows = await session.execute(text(
        "SELECT payload FROM placements.outbox WHERE subject_id = :s AND type = :t"),
        {"s": str(placement_id), "t": "placement.incident_reported"})
    return [r.payload for r in rows.all()]


class TestMentors:
    async def test_name_list_and_remove(self, client: httpx.AsyncClient,
                                        session: AsyncSession) -> None:
        placement = await add_placement(session, status="accepted_by_employer")
        url = f"/v1/placements/{placement.id}/mentors"
        response = await client.post(url, json=MENTOR)
        assert response.status_code == 201, response.text
        mentor = response.json()
        assert {k: mentor[k] for k in MENTOR} == MENTOR
        second = (await client.post(url, json=MENTOR | {"phone": None, "role": None})).json()
        assert [m["id"] for m in (await client.get(url)).json()["items"]] == [
            mentor["id"], second["id"]]
        assert (await client.delete(f"{url}/{mentor['id']}")).status_code == 204
        assert [m["id"] for m in (await client.get(url)).json()["items"]] == [second["id"]]
        again = await client.delete(f"{url}/{mentor['id']}")
        assert again.json()["type"] == "/problems/mentor-not-found"

    @pytest.mark.parametrize("bad", [{"email": "nope"}, {"name": ""}, {"phone": "12"},
                                     {"id": str(uuid.uuid4())}, {"name": None}])
    async def test_bad_body_is_422(self, client: httpx.AsyncClient, session: AsyncSession,
                                   bad: dict[str, Any]) -> None:
        placement = await add_placement(session)
        response = await client.post(f"/v1/placements/{placement.id}/mentors",
                                     json=MENTOR | bad)
        assert response.status_code == 422

    @pytest.mark.parametrize("status", sorted(state.FINAL_STATES))
    async def test_not_once_the_placement_is_over(self, client: httpx.AsyncClient,
                                                  session: AsyncSession, status: str) -> None:
        placement = await add_placement(session, status=status)
        response = await client.post(f"/v1/placements/{placement.id}/mentors", json=MENTOR)
        assert response.status_code == 409
        assert (response.json()["type"], response.json()["current_state"]) == (
            "/problems/placement-state", status)

    async def test_unknown_placement_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.post(f"/v1/placements/{uuid.uuid4()}/mentors", json=MENTOR)
        assert response.json()["type"] == "/problems/placement-not-found"


class TestCheckIns:
    async def test_recorded_and_listed(self, client: httpx.AsyncClient,
                                       session: AsyncSession) -> None:
        placement = await add_placement(session, status="active")
        url = f"/v1/placements/{placement.id}/check-ins"
        body = check_in(housing="issue", housing_note="No heating.", health_flag=True,
                        check_in_date=(today() - timedelta(days=2)).isoformat(),
                        incidents=[{"type": "housing", "severity": "medium",
                                    "description": "Landlord slow to repair."}])
        response = await client.post(url, json=body)
        assert response.status_code == 201, response.text
        created = response.json()
        assert {k: created[k] for k in body} == body
        assert (created["recorded_by_role"], created["placement_id"]) == ("admin",
                                                                          str(placement.id))
        second = (await client.post(url, json=check_in())).json()
        assert second["check_in_date"] == today().isoformat()
        listed = await all_pages(client, url, limit=1)
        assert {c["id"] for c in listed} == {created["id"], second["id"]}
        # A medium incident raises no alert and publishes nothing.
        assert await outbox_incidents(session, placement.id) == []

    @pytest.mark.parametrize("status", [s for s in STATUSES if s != "active"])
    async def test_only_while_active(self, client: httpx.AsyncClient, session: AsyncSession,
                                     status: str) -> None:
        placement = await add_placement(session, status=status)
        response = await client.post(f"/v1/placements/{placement.id}/check-ins",
                                     json=check_in())
        assert response.status_code == 409
        assert response.json()["current_state"] == status

    @pytest.mark.parametrize("bad", [
        {"wellbeing": 0}, {"wellbeing": 6}, {"wellbeing": "good"}, {"wellbeing": None},
        {"housing": "bad"}, {"health_flag": "maybe"}, {"check_in_date": "2026-02-30"},
        {"incidents": [{"type": "accident", "severity": "extreme"}]},
        {"incidents": [{"type": "alien", "severity": "low"}]},
        {"incidents": [{"severity": "low"}]}, {"incidents": {"type": "accident"}},
        {"recorded_by": "me"}, {"status": "ok"},
    ])
    async def test_bad_body_is_422(self, client: httpx.AsyncClient, session: AsyncSession,
                                   bad: dict[str, Any]) -> None:
        placement = await add_placement(session, status="active")
        url = f"/v1/placements/{placement.id}/check-ins"
        assert (await client.post(url, json=check_in() | bad)).status_code == 422
        assert (await client.get(url)).json()["items"] == []

    @pytest.mark.parametrize("days", [1, -31])  # tomorrow; before the arrival 30 days ago
    async def test_date_outside_the_stay_is_422(self, client: httpx.AsyncClient,
                                                session: AsyncSession, days: int) -> None:
        placement = await add_placement(session, status="active")
        response = await client.post(f"/v1/placements/{placement.id}/check-ins", json=check_in(
            check_in_date=(today() + timedelta(days=days)).isoformat()))
        assert response.json()["type"] == "/problems/invalid-dates"


class TestSevereIncidents:
    async def test_raise_alerts_and_events_without_personal_data(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        placement = await add_placement(session, status="active")
        description = "Fell from a ladder; Amina Benali taken to hospital."
        created = (await client.post(f"/v1/placements/{placement.id}/check-ins", json=check_in(
            incidents=[{"type": "accident", "severity": "critical", "description": description},
                       {"type": "housing", "severity": "low"},
                       {"type": "harassment", "severity": "high"}]))).json()
        alerts = await all_pages(client, "/v1/placements/alerts",
                                 programme_id=str(placement.programme_id))
        assert sorted((a["incident_type"], a["severity"], a["check_in_id"]) for a in alerts) == [
            ("accident", "critical", created["id"]), ("harassment", "high", created["id"])]
        assert all(a["acknowledged_at"] is None for a in alerts)
        events = await outbox_incidents(session, placement.id)
        assert sorted(e["severity"] for e in events) == ["critical", "high"]
        for event in events:
            assert set(event) == {"placement_id", "programme_id", "employer_id", "check_in_id",
                                  "alert_id", "incident_type", "severity"}
            assert event["alert_id"] in {a["id"] for a in alerts}
        assert "Amina" not in str(events) and str(placement.candidate_id) not in str(events)


class TestAlerts:
    async def _alert(self, client: httpx.AsyncClient, session: AsyncSession,
                     **placement: Any) -> dict[str, Any]:
        row = await add_placement(session, status="active", **placement)
        await client.post(f"/v1/placements/{row.id}/check-ins", json=check_in(
            incidents=[{"type": "health", "severity": "high"}]))
        [alert] = (await client.get("/v1/placements/alerts", params={
            "placement_id": str(row.id)})).json()["items"]
        return alert

    async def test_acknowledge_once(self, client: httpx.AsyncClient,
                                    session: AsyncSession) -> None:
        alert = await self._alert(client, session)
        url = f"/v1/placements/alerts/{alert['id']}/acknowledge"
        acknowledged = await client.post(url)
        assert acknowledged.status_code == 200, acknowledged.text
        assert acknowledged.json()["acknowledged_by"] == "auth-disabled"
        assert (await client.post(url)).json()["type"] == "/problems/alert-acknowledged"
        assert (await client.post(f"/v1/placements/alerts/{uuid.uuid4()}/acknowledge")
                ).json()["type"] == "/problems/alert-not-found"

    async def test_filters(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        programme = uuid.uuid4()
        first = await self._alert(client, session, programme_id=programme)
        second = await self._alert(client, session, programme_id=programme)
        await client.post(f"/v1/placements/alerts/{first['id']}/acknowledge")

        async def ids(**params: Any) -> set[str]:
            return {a["id"] for a in await all_pages(client, "/v1/placements/alerts",
                                                     programme_id=str(programme), **params)}

        assert await ids() == {first["id"], second["id"]}
        assert await ids(acknowledged="false") == {second["id"]}
        assert await ids(acknowledged="true") == {first["id"]}
        assert await ids(severity="critical") == set()

    @pytest.mark.parametrize("params", [{"acknowledged": "perhaps"}, {"severity": "huge"},
                                        {"programme_id": "p"}])
    async def test_bad_filters_are_422(self, client: httpx.AsyncClient,
                                       params: dict[str, Any]) -> None:
        response = await client.get("/v1/placements/alerts", params=params)
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM

    async def test_officers_see_and_acknowledge_own_programmes(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        alert = await self._alert(client, session)
        other = await self._alert(client, session)
        officer = auth("officer", programme_ids=(uuid.UUID(alert["programme_id"]),))
        listed = await client.get("/v1/placements/alerts", headers=officer)
        assert [a["id"] for a in listed.json()["items"]] == [alert["id"]]
        foreign = await client.post(f"/v1/placements/alerts/{other['id']}/acknowledge",
                                    headers=officer)
        assert foreign.status_code == 404
        own = await client.post(f"/v1/placements/alerts/{alert['id']}/acknowledge",
                                headers=officer)
        assert own.status_code == 200

    @pytest.mark.parametrize(("role", "list_code", "ack_code"), [
        ("employer", 403, 404), ("candidate", 403, 404), ("ministry", 403, 404),
        ("service", 200, 403)])
    async def test_other_roles(self, client: httpx.AsyncClient, session: AsyncSession,
                               auth: Auth, role: str, list_code: int, ack_code: int) -> None:
        alert = await self._alert(client, session)
        headers = auth(role, programme_ids=(uuid.UUID(alert["programme_id"]),))
        assert (await client.get("/v1/placements/alerts",
                                 headers=headers)).status_code == list_code
        response = await client.post(f"/v1/placements/alerts/{alert['id']}/acknowledge",
                                     headers=headers)
        assert response.status_code == ack_code


class TestEvaluation:
    @pytest.mark.parametrize("status", sorted(state.ENDED_STATES))
    async def test_once_after_the_end(self, client: httpx.AsyncClient, session: AsyncSession,
                                      status: str) -> None:
        placement = await add_placement(session, status=status)
        url = f"/v1/placements/{placement.id}/evaluation"
        assert (await client.get(url)).json()["type"] == "/problems/evaluation-not-found"
        response = await client.post(url, json=EVALUATION)
        assert response.status_code == 201, response.text
        assert {k: response.json()[k] for k in EVALUATION} == EVALUATION
        assert response.headers["location"] == url
        assert (await client.get(url)).json() == response.json()
        again = await client.post(url, json=EVALUATION | {"teamwork": 5})
        assert again.json()["type"] == "/problems/evaluation-exists"
        assert (await client.get(url)).json()["teamwork"] == 3

    @pytest.mark.parametrize("status", [s for s in STATUSES if s not in state.ENDED_STATES])
    async def test_not_before_the_end(self, client: httpx.AsyncClient, session: AsyncSession,
                                      status: str) -> None:
        placement = await add_placement(session, status=status)
        response = await client.post(f"/v1/placements/{placement.id}/evaluation",
                                     json=EVALUATION)
        assert response.status_code == 409
        assert response.json()["current_state"] == status

    @pytest.mark.parametrize("bad", [{"teamwork": 0}, {"teamwork": 6}, {"teamwork": 4.5},
                                     {"would_host_again": "sure"}, {"reliability": None},
                                     {"evaluator": "me"}])
    async def test_bad_body_is_422(self, client: httpx.AsyncClient, session: AsyncSession,
                                   bad: dict[str, Any]) -> None:
        placement = await add_placement(session, status="completed")
        response = await client.post(f"/v1/placements/{placement.id}/evaluation",
                                     json=EVALUATION | bad)
        assert response.status_code == 422

    async def test_missing_rating_is_422(self, client: httpx.AsyncClient,
                                         session: AsyncSession) -> None:
        placement = await add_placement(session, status="completed")
        body = {k: v for k, v in EVALUATION.items() if k != "communication"}
        response = await client.post(f"/v1/placements/{placement.id}/evaluation", json=body)
        assert ["body", "communication"] in [e["loc"] for e in response.json()["errors"]]


class TestMonitoringPermissions:
    # Mentors, check-ins, evaluation; the trainee records check-ins on their own placement.
    @pytest.mark.parametrize(("role", "expected"), [
        ("employer", (201, 201, 201)), ("officer", (201, 201, 201)),
        ("candidate", (403, 201, 403)), ("ministry", (403, 403, 403)),
        ("service", (403, 403, 403))])
    async def test_who_records(self, client: httpx.AsyncClient, session: AsyncSession,
                               auth: Auth, role: str, expected: tuple[int, int, int]) -> None:
        active = await add_placement(session, status="active")
        ended = await add_placement(session, status="completed")
        for (placement, path, body), code in zip([(active, "mentors", MENTOR),
                                                  (active, "check-ins", check_in()),
                                                  (ended, "evaluation", EVALUATION)],
                                                 expected, strict=True):
            headers = auth(role, programme_ids=(placement.programme_id,),
                           employer_id=placement.employer_id,
                           candidate_id=placement.candidate_id)
            response = await client.post(f"/v1/placements/{placement.id}/{path}", json=body,
                                         headers=headers)
            assert response.status_code == code, (path, response.text)

    async def test_another_employer_gets_404(self, client: httpx.AsyncClient,
                                             session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        other = auth("employer", employer_id=uuid.uuid4())
        for path, body in [("mentors", MENTOR), ("check-ins", check_in())]:
            response = await client.post(f"/v1/placements/{placement.id}/{path}", json=body,
                                         headers=other)
            assert response.status_code == 404

    async def test_another_trainee_gets_404(self, client: httpx.AsyncClient,
                                            session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        other = auth("candidate", candidate_id=uuid.uuid4())
        url = f"/v1/placements/{placement.id}/check-ins"
        response = await client.post(url, headers=other, json=check_in(wage_check={
            "period": today().strftime("%Y-%m"), "paid_amount": "900.00",
            "agreed_amount": "1200.00", "currency": "EUR"}))
        assert response.json()["type"] == "/problems/placement-not-found"
        assert (await client.get(url, headers=other)).status_code == 404
        assert (await client.get(url)).json()["items"] == []

"""Suspending and reinstating an employer in a programme over HTTP: the rules (a reason, the
dates, explicit actions, 409 naming the state), who may do it, what it closes and forbids, and
its history."""

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.employers.models import EmployerSuspension
from services.placements.events import EMPLOYER_REINSTATED, EMPLOYER_SUSPENDED
from services.placements.placements import service as placement_service
from tests.pages import all_pages
from tests.placements.factories import (
    PROBLEM,
    add_employer,
    add_vacancy,
    create_employer,
    create_vacancy,
    today,
    vacancy_body,
)

Auth = Callable[..., dict[str, str]]
REASON = "Housing below the agreed standard at two check-ins."


async def _two_programme_employer(client: httpx.AsyncClient) -> tuple[dict[str, Any], str, str]:
    """An employer with agreements with two programmes, and the two programmes."""
    mine, other = uuid.uuid4(), uuid.uuid4()
    employer = await create_employer(client, programme_id=mine)
    agreements = employer["agreements"] + [
        employer["agreements"][0] | {"programme_id": str(other)}]
    response = await client.patch(f"/v1/employers/{employer['id']}",
                                  json={"agreements": agreements}, headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    return response.json(), str(mine), str(other)


async def _suspend(client: httpx.AsyncClient, employer: dict[str, Any], programme_id: str, *,
                   expect: int = 200, headers: dict[str, str] | None = None,
                   **body: Any) -> dict[str, Any]:
    response = await client.post(f"/v1/employers/{employer['id']}/suspend", headers=headers,
                                 json={"programme_id": programme_id, "reason": REASON} | body)
    assert response.status_code == expect, response.text
    return response.json()


async def _reinstate(client: httpx.AsyncClient, employer: dict[str, Any], programme_id: str,
                     *, expect: int = 200, headers: dict[str, str] | None = None,
                     **body: Any) -> dict[str, Any]:
    response = await client.post(f"/v1/employers/{employer['id']}/reinstate", headers=headers,
                                 json={"programme_id": programme_id,
                                       "reason": "Housing fixed."} | body)
    assert response.status_code == expect, response.text
    return response.json()


async def _history(client: httpx.AsyncClient, employer: dict[str, Any],
                   headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/employers/{employer['id']}/suspensions",
                                params={"limit": 200}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _status(client: httpx.AsyncClient, vacancy: dict[str, Any]) -> str:
    status: str = (await client.get(f"/v1/vacancies/{vacancy['id']}")).json()["status"]
    return status


class TestSuspend:
    async def test_closes_its_vacancies_in_the_programme_only(
            self, client: httpx.AsyncClient) -> None:
        employer, mine, other = await _two_programme_employer(client)
        first = await create_vacancy(client, employer=employer)
        second = await create_vacancy(client, employer=employer)
        closed_before = await create_vacancy(client, employer=employer)
        await client.post(f"/v1/vacancies/{closed_before['id']}/close")
        elsewhere = await client.post("/v1/vacancies", json=vacancy_body(
            employer_id=employer["id"], programme_id=other))
        assert elsewhere.status_code == 201, elsewhere.text

        suspended = await _suspend(client, employer, mine, review_on=(
            today() + timedelta(days=90)).isoformat())
        assert suspended["standing"] == "suspended"
        assert suspended["version"] == employer["version"] + 1
        [suspension] = suspended["suspensions"]
        assert suspension["reason"] == REASON
        assert suspension["suspended_on"] == today().isoformat()
        assert suspension["programme_id"] == mine
        assert suspension["suspended_by"]
        assert sorted(suspension["closed_vacancy_ids"]) == sorted([first["id"], second["id"]])
        assert [await _status(client, v) for v in (first, second, closed_before)] == [
            "closed"] * 3
        assert await _status(client, elsewhere.json()) == "open"
        assert await _history(client, employer) == [suspension]

    async def test_on_a_past_day(self, client: httpx.AsyncClient) -> None:
        employer = await create_employer(client)
        programme = employer["agreements"][0]["programme_id"]
        day = (today() - timedelta(days=20)).isoformat()
        suspended = await _suspend(client, employer, programme, suspended_on=day,
                                   review_on=day)
        assert suspended["suspensions"][0]["suspended_on"] == day

    @pytest.mark.parametrize("body", [
        {"reason": None}, {"reason": ""}, {"reason": "   "}, {"reason": 42}, {"reason": "x" * 2001},
        {"programme_id": None}, {"programme_id": "nope"}, {"suspended_on": "2026-02-30"},
        {"review_on": "soon"}, {"note": "unknown field"},
    ])
    async def test_bad_input_is_422_and_stores_nothing(
            self, client: httpx.AsyncClient, body: dict[str, Any]) -> None:
        vacancy = await create_vacancy(client)
        employer = (await client.get(f"/v1/employers/{vacancy['employer_id']}")).json()
        programme = vacancy["programme_id"]
        response = await client.post(f"/v1/employers/{employer['id']}/suspend",
                                     json={"programme_id": programme, "reason": REASON} | body)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/validation"
        assert await _history(client, employer) == []
        assert await _status(client, vacancy) == "open"
        after = (await client.get(f"/v1/employers/{employer['id']}")).json()
        assert (after["standing"], after["version"]) == ("active", employer["version"])

    async def test_without_a_reason_is_422_naming_it(self, client: httpx.AsyncClient) -> None:
        employer = await create_employer(client)
        response = await client.post(f"/v1/employers/{employer['id']}/suspend", json={
            "programme_id": employer["agreements"][0]["programme_id"]})
        assert response.status_code == 422
        assert ["body", "reason"] in [e["loc"] for e in response.json()["errors"]]
        assert await _history(client, employer) == []

    @pytest.mark.parametrize(("field", "body"), [
        ("suspended_on", {"suspended_on": "future"}),
        ("review_on", {"suspended_on": "past", "review_on": "earlier"}),
    ])
    async def test_dates_out_of_order_are_422_naming_the_field(
            self, client: httpx.AsyncClient, field: str, body: dict[str, str]) -> None:
        days = {"future": 1, "past": -10, "earlier": -11}
        vacancy = await create_vacancy(client)
        employer = {"id": vacancy["employer_id"]}
        dated = {name: (today() + timedelta(days=days[value])).isoformat()
                 for name, value in body.items()}
        problem = await _suspend(client, employer, vacancy["programme_id"], expect=422, **dated)
        assert (problem["type"], problem["errors"][0]["loc"]) == (
            "/problems/invalid-dates", ["body", field])
        assert await _history(client, employer) == []
        assert await _status(client, vacancy) == "open"

    async def test_twice_is_409_naming_the_state(self, client: httpx.AsyncClient) -> None:
        employer = await create_employer(client)
        programme = employer["agreements"][0]["programme_id"]
        await _suspend(client, employer, programme)
        problem = await _suspend(client, employer, programme, expect=409)
        assert (problem["type"], problem["current_state"], problem["action"]) == (
            "/problems/illegal-transition", "suspended", "suspend")
        assert len(await _history(client, employer)) == 1

    async def test_a_programme_without_agreement_is_404(self, client: httpx.AsyncClient) -> None:
        employer = await create_employer(client)
        problem = await _suspend(client, employer, str(uuid.uuid4()), expect=404)
        assert problem["type"] == "/problems/programme-not-found"
        assert await _history(client, employer) == []

    async def test_stale_if_match_is_412(self, client: httpx.AsyncClient) -> None:
        employer = await create_employer(client)
        programme = employer["agreements"][0]["programme_id"]
        await _suspend(client, employer, programme, expect=412, headers={"If-Match": '"9"'})
        assert await _history(client, employer) == []


class TestReinstate:
    async def test_with_its_reason_leaving_vacancies_closed(
            self, client: httpx.AsyncClient) -> None:
        vacancy = await create_vacancy(client)
        employer = {"id": vacancy["employer_id"]}
        programme = vacancy["programme_id"]
        await _suspend(client, employer, programme,
                       suspended_on=(today() - timedelta(days=3)).isoformat())
        reinstated = await _reinstate(client, employer, programme)
        assert (reinstated["standing"], reinstated["suspensions"]) == ("active", [])
        [past] = await _history(client, employer)
        assert (past["reinstated_on"], past["reinstatement_reason"]) == (
            today().isoformat(), "Housing fixed.")
        assert past["reinstated_by"]
        assert await _status(client, vacancy) == "closed"
        reopened = await client.post(f"/v1/vacancies/{vacancy['id']}/reopen")
        assert reopened.json()["status"] == "open"

        again = await _reinstate(client, employer, programme, expect=409)
        assert (again["current_state"], again["action"]) == ("active", "reinstate")
        await _suspend(client, employer, programme)
        assert len(await _history(client, employer)) == 2

    @pytest.mark.parametrize("body", [{"reason": None}, {"reason": "  "},
                                      {"reinstated_on": "x"}])
    async def test_bad_input_is_422_and_keeps_it_suspended(
            self, client: httpx.AsyncClient, body: dict[str, Any]) -> None:
        employer = await create_employer(client)
        programme = employer["agreements"][0]["programme_id"]
        await _suspend(client, employer, programme)
        problem = await _reinstate(client, employer, programme, expect=422, **body)
        assert problem["type"] == "/problems/validation"
        [suspension] = await _history(client, employer)
        assert suspension["reinstated_on"] is None

    async def test_before_the_suspension_is_422(self, client: httpx.AsyncClient) -> None:
        employer = await create_employer(client)
        programme = employer["agreements"][0]["programme_id"]
        await _suspend(client, employer, programme)
        problem = await _reinstate(client, employer, programme, expect=422, reinstated_on=(
            today() - timedelta(days=1)).isoformat())
        assert problem["errors"][0]["loc"] == ["body", "reinstated_on"]


class TestWhatASuspensionForbids:
    async def test_vacancies_and_placements_in_the_programme_are_409(
            self, client: httpx.AsyncClient) -> None:
        employer, mine, other = await _two_programme_employer(client)
        vacancy = await create_vacancy(client, employer=employer)
        await _suspend(client, employer, mine)

        created = await client.post("/v1/vacancies", json=vacancy_body(
            employer_id=employer["id"], programme_id=mine, title="Refused"))
        assert (created.status_code, created.json()["type"]) == (
            409, "/problems/employer-suspended")
        reopened = await client.post(f"/v1/vacancies/{vacancy['id']}/reopen")
        assert (reopened.status_code, reopened.json()["type"]) == (
            409, "/problems/employer-suspended")
        placed = await client.post("/v1/placements", json={
            "vacancy_id": vacancy["id"], "candidate_id": str(uuid.uuid4())})
        assert (placed.status_code, placed.json()["type"]) == (409, "/problems/employer-suspended")
        listed = await all_pages(client, "/v1/vacancies", employer_id=employer["id"])
        assert [(v["id"], v["status"]) for v in listed] == [(vacancy["id"], "closed")]
        assert await all_pages(client, "/v1/placements", vacancy_id=vacancy["id"]) == []

        # Its other programme goes on.
        elsewhere = await client.post("/v1/vacancies", json=vacancy_body(
            employer_id=employer["id"], programme_id=other))
        assert elsewhere.status_code == 201, elsewhere.text

    async def test_a_confirmed_proposal_is_refused(self, client: httpx.AsyncClient,
                                                   session: AsyncSession) -> None:
        programme = uuid.uuid4()
        employer = await add_employer(session, programme_id=programme)
        vacancy = await add_vacancy(session, employer=employer, programme_id=programme)
        # Open: as if a suspension had found it closed and an old run still proposed it.
        session.add(EmployerSuspension(
            employer_id=employer.id, programme_id=programme, reason=REASON,
            suspended_on=today(), suspended_by="officer-1", suspended_by_role="officer"))
        await session.flush()
        [refused] = await placement_service.create_from_proposals(
            session, programme_id=programme, run_id=uuid.uuid4(), proposals=[
                placement_service.Proposal(proposal_id=uuid.uuid4(),
                                           candidate_id=uuid.uuid4(), vacancy_id=vacancy.id,
                                           score=0.9)])
        assert getattr(refused, "slug", None) == "employer-suspended"


class TestEvents:
    async def test_each_action_publishes_ids_and_dates(self, client: httpx.AsyncClient,
                                                       session: AsyncSession) -> None:
        employer = await create_employer(client)
        programme = employer["agreements"][0]["programme_id"]
        await _suspend(client, employer, programme)
        await _reinstate(client, employer, programme)
        rows = (await session.execute(text(
            "SELECT type, payload FROM placements.outbox WHERE subject_id = :s"),
            {"s": employer["id"]})).all()
        assert sorted(r.type for r in rows) == sorted([EMPLOYER_SUSPENDED, EMPLOYER_REINSTATED])
        for row in rows:
            assert "reason" not in row.payload
            assert row.payload["programme_id"] == programme
        reinstated = next(r.payload for r in rows if r.type == EMPLOYER_REINSTATED)
        assert reinstated["reinstated_on"] == today().isoformat()


class TestWhoMaySuspend:
    async def test_an_officer_in_their_own_programme(self, client: httpx.AsyncClient,
                                                     auth: Auth) -> None:
        employer, mine, other = await _two_programme_employer(client)
        officer = auth("officer", programme_ids=(uuid.UUID(mine),))
        suspended = await _suspend(client, employer, mine, headers=officer)
        assert suspended["standing"] == "suspended"
        # Another programme of the employer's, not the officer's: as if it did not exist.
        problem = await _suspend(client, employer, other, headers=officer, expect=404)
        assert problem["type"] == "/problems/programme-not-found"
        # The other programme's officer sees the employer active there, no suspension.
        theirs = auth("officer", programme_ids=(uuid.UUID(other),))
        seen = (await client.get(f"/v1/employers/{employer['id']}", headers=theirs)).json()
        assert (seen["standing"], seen["suspensions"]) == ("active", [])
        assert await _history(client, employer, headers=theirs) == []
        await _reinstate(client, employer, other, headers=theirs, expect=409)
        assert len(await _history(client, employer, headers=officer)) == 1

    async def test_another_programmes_officer_gets_404(self, client: httpx.AsyncClient,
                                                       auth: Auth) -> None:
        employer = await create_employer(client)
        programme = employer["agreements"][0]["programme_id"]
        stranger = uuid.uuid4()
        officer = auth("officer", programme_ids=(stranger,))
        for programme_id in (programme, str(stranger)):
            problem = await _suspend(client, employer, programme_id, headers=officer,
                                     expect=404)
            assert problem["type"] == "/problems/employer-not-found"
        await _reinstate(client, employer, programme, headers=officer, expect=404)
        assert await _history(client, employer) == []

    async def test_the_employer_itself_gets_403_but_reads_why(
            self, client: httpx.AsyncClient, auth: Auth) -> None:
        employer = await create_employer(client)
        programme = employer["agreements"][0]["programme_id"]
        me = auth("employer", employer_id=uuid.UUID(employer["id"]))
        problem = await _suspend(client, employer, programme, headers=me, expect=403)
        assert problem["type"] == "/problems/forbidden"
        assert await _history(client, employer) == []
        await _suspend(client, employer, programme)
        await _reinstate(client, employer, programme, headers=me, expect=403)
        seen = (await client.get(f"/v1/employers/{employer['id']}", headers=me)).json()
        assert (seen["standing"], seen["suspensions"][0]["reason"]) == ("suspended", REASON)
        assert [s["reason"] for s in await _history(client, employer, headers=me)] == [REASON]

    @pytest.mark.parametrize("role", ["candidate", "ministry", "institution", "visa_authority"])
    async def test_other_roles_get_404(self, client: httpx.AsyncClient, auth: Auth,
                                       role: str) -> None:
        employer = await create_employer(client)
        programme = employer["agreements"][0]["programme_id"]
        headers = auth(role, programme_ids=(uuid.UUID(programme),), country="FR")
        await _suspend(client, employer, programme, headers=headers, expect=404)
        assert await _history(client, employer) == []
        response = await client.get(f"/v1/employers/{employer['id']}/suspensions",
                                    headers=headers)
        assert response.status_code == 404

    async def test_an_employer_with_suspensions_is_kept(self, client: httpx.AsyncClient) -> None:
        employer = await create_employer(client)
        await _suspend(client, employer, employer["agreements"][0]["programme_id"])
        current = await client.get(f"/v1/employers/{employer['id']}")
        response = await client.delete(f"/v1/employers/{employer['id']}",
                                       headers={"If-Match": current.headers["etag"]})
        assert (response.status_code, response.json()["type"]) == (
            409, "/problems/employer-in-use")

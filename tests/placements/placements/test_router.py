"""Placements over HTTP: direct creation, the whole lifecycle, action bodies and their date
rules, extensions, history, concurrency and lists."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.pages import all_pages
from tests.placements.factories import (
    PROBLEM,
    act,
    add_placement,
    create_placement,
    create_vacancy,
    today,
)


def _day(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


class TestCreatePlacement:
    async def test_proposed_with_the_vacancy_s_dates(self, client: httpx.AsyncClient) -> None:
        vacancy = await create_vacancy(client)
        candidate = uuid.uuid4()
        response = await client.post("/v1/placements", json={
            "vacancy_id": vacancy["id"], "candidate_id": str(candidate), "origin_country": "TN"})
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["status"] == "proposed"
        assert (created["candidate_id"], created["employer_id"], created["programme_id"]) == (
            str(candidate), vacancy["employer_id"], vacancy["programme_id"])
        assert (created["start_date"], created["end_date"]) == (vacancy["start_date"],
                                                                vacancy["end_date"])
        assert (created["origin_country"], created["destination_country"]) == ("TN", "FR")
        assert (created["matching_run_id"], created["proposal_id"]) == (None, None)
        assert response.headers["location"] == f"/v1/placements/{created['id']}"
        assert response.headers["etag"] == '"1"'

    async def test_own_dates(self, client: httpx.AsyncClient) -> None:
        created = await create_placement(client, start_date="2027-02-01",
                                         end_date="2027-08-01")
        assert (created["start_date"], created["end_date"]) == ("2027-02-01", "2027-08-01")

    @pytest.mark.parametrize("bad", [
        {"status": "active"}, {"id": str(uuid.uuid4())}, {"employer_id": str(uuid.uuid4())},
        {"programme_id": str(uuid.uuid4())}, {"candidate_id": "someone"},
        {"origin_country": "Morocco"}, {"start_date": "2027-02-01", "end_date": "2027-01-01"},
        {"start_date": "2027-02-29"},
    ])
    async def test_bad_body_is_422(self, client: httpx.AsyncClient,
                                   bad: dict[str, Any]) -> None:
        vacancy = await create_vacancy(client)
        body = {"vacancy_id": vacancy["id"], "candidate_id": str(uuid.uuid4())} | bad
        response = await client.post("/v1/placements", json=body)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM

    async def test_end_before_the_vacancy_start_is_422(self, client: httpx.AsyncClient) -> None:
        vacancy = await create_vacancy(client, start_date="2027-03-01")
        response = await client.post("/v1/placements", json={
            "vacancy_id": vacancy["id"], "candidate_id": str(uuid.uuid4()),
            "end_date": "2027-01-01"})
        assert response.json()["type"] == "/problems/invalid-dates"

    async def test_one_open_placement_per_candidate_and_programme(
            self, client: httpx.AsyncClient) -> None:
        vacancy = await create_vacancy(client)
        first = await create_placement(client, vacancy=vacancy)
        response = await client.post("/v1/placements", json={
            "vacancy_id": vacancy["id"], "candidate_id": first["candidate_id"]})
        assert response.status_code == 409
        assert response.json()["placement_id"] == first["id"]
        await act(client, first, "decline")
        again = await create_placement(client, vacancy=vacancy,
                                       candidate_id=first["candidate_id"])
        assert again["id"] != first["id"]

    async def test_full_or_closed_vacancy_is_409(self, client: httpx.AsyncClient) -> None:
        vacancy = await create_vacancy(client, seats=1)
        await create_placement(client, vacancy=vacancy)
        body = {"vacancy_id": vacancy["id"], "candidate_id": str(uuid.uuid4())}
        full = await client.post("/v1/placements", json=body)
        assert (full.json()["type"], full.json()["reason"]) == ("/problems/vacancy-unavailable",
                                                                "full")
        await client.post(f"/v1/vacancies/{vacancy['id']}/close")
        closed = await client.post("/v1/placements", json=body)
        assert closed.json()["reason"] == "closed"

    async def test_unknown_vacancy_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/placements", json={
            "vacancy_id": str(uuid.uuid4()), "candidate_id": str(uuid.uuid4())})
        assert response.json()["type"] == "/problems/vacancy-not-found"

    async def test_idempotency_key_replays(self, client: httpx.AsyncClient) -> None:
        vacancy = await create_vacancy(client)
        body = {"vacancy_id": vacancy["id"], "candidate_id": str(uuid.uuid4())}
        headers = {"Idempotency-Key": f"pl-{uuid.uuid4()}"}
        first = await client.post("/v1/placements", json=body, headers=headers)
        second = await client.post("/v1/placements", json=body, headers=headers)
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()


class TestLifecycle:
    async def test_from_proposal_to_completion(self, client: httpx.AsyncClient,
                                               session: AsyncSession) -> None:
        placement = await create_placement(client)
        placement = await act(client, placement, "accept-employer")
        placement = await act(client, placement, "accept-candidate")
        placement = await act(client, placement, "request-visa",
                              json={"requested_on": _day(-10)})
        assert placement["visa_requested_on"] == _day(-10)
        placement = await act(client, placement, "visa-decision", json={
            "decision": "granted", "decision_date": _day(-5), "reference": "FR-2026-1"})
        assert (placement["visa_decision"], placement["visa_decision_date"],
                placement["visa_reference"]) == ("granted", _day(-5), "FR-2026-1")
        placement = await act(client, placement, "arrive", json={"arrival_date": _day(-3)})
        assert (placement["status"], placement["actual_start_date"]) == ("active", _day(-3))
        placement = await act(client, placement, "complete", json={"end_date": _day(0)})
        assert (placement["status"], placement["actual_end_date"]) == ("completed", _day(0))
        assert placement["version"] == 7
        history = (await client.get(f"/v1/placements/{placement['id']}/transitions")).json()
        assert [(h["action"], h["from_status"], h["to_status"]) for h in history["items"]] == [
            ("create", None, "proposed"),
            ("accept-employer", "proposed", "accepted_by_employer"),
            ("accept-candidate", "accepted_by_employer", "accepted_by_candidate"),
            ("request-visa", "accepted_by_candidate", "visa_pending"),
            ("visa-decision", "visa_pending", "visa_granted"),
            ("arrive", "visa_granted", "active"),
            ("complete", "active", "completed")]
        # Reading the history is a read of the person's placement, on record like the rest.
        recorded = (await session.execute(text(
            "SELECT action, resource_type FROM placements.access_record WHERE resource_id = :p "
            "ORDER BY seq DESC LIMIT 1"), {"p": placement["id"]})).one()
        assert tuple(recorded) == ("read", "placement_history")
        assert {h["actor_role"] for h in history["items"]} == {"admin"}

    async def test_visa_refused_is_final_and_frees_the_seat(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        vacancy = await create_vacancy(client, seats=1)
        placement = await create_placement(client, vacancy=vacancy)
        for action in ("accept-employer", "accept-candidate", "request-visa"):
            await act(client, placement, action)
        refused = await act(client, placement, "visa-decision", json={
            "decision": "refused", "reason": "Incomplete documents."})
        assert (refused["status"], refused["visa_decision_date"]) == ("visa_refused", _day(0))
        await create_placement(client, vacancy=vacancy)  # the seat is free again

    async def test_decline_keeps_the_reason_and_who(self, client: httpx.AsyncClient) -> None:
        placement = await create_placement(client)
        await act(client, placement, "decline", json={"reason": "Took a job at home."})
        history = (await client.get(f"/v1/placements/{placement['id']}/transitions")).json()
        assert history["items"][-1]["reason"] == "declined by admin: Took a job at home."

    async def test_decline_without_body(self, client: httpx.AsyncClient) -> None:
        placement = await create_placement(client)
        assert (await act(client, placement, "decline"))["status"] == "declined"

    async def test_end_early_with_reason_code(self, client: httpx.AsyncClient,
                                              session: AsyncSession) -> None:
        placement = await add_placement(session, status="active")
        ended = await act(client, {"id": placement.id}, "end-early", json={
            "reason": "family", "note": "Parent ill.", "end_date": _day(-1)})
        assert (ended["status"], ended["end_reason"], ended["actual_end_date"]) == (
            "ended_early", "family", _day(-1))
        history = (await client.get(f"/v1/placements/{placement.id}/transitions")).json()
        assert history["items"][-1]["reason"] == "family: Parent ill."

    async def test_stale_if_match_is_412_and_changes_nothing(
            self, client: httpx.AsyncClient) -> None:
        placement = await create_placement(client)
        response = await client.post(f"/v1/placements/{placement['id']}/accept-employer",
                                     headers={"If-Match": '"2"'})
        assert response.status_code == 412
        assert response.json()["current_version"] == 1
        ok = await client.post(f"/v1/placements/{placement['id']}/accept-employer",
                               headers={"If-Match": '"1"'})
        assert ok.headers["etag"] == '"2"'


class TestActionBodies:
    @pytest.mark.parametrize(("status", "action", "body"), [
        ("visa_pending", "visa-decision", {}),
        ("visa_pending", "visa-decision", {"decision": "maybe"}),
        ("visa_pending", "visa-decision", {"decision": "granted", "decision_date": "soon"}),
        ("visa_pending", "visa-decision", {"decision": "granted", "status": "active"}),
        ("visa_granted", "arrive", {}),
        ("visa_granted", "arrive", {"arrival_date": "2026-02-30"}),
        ("visa_granted", "arrive", {"arrival_date": None}),
        ("active", "end-early", {}),
        ("active", "end-early", {"reason": "bored"}),
        ("active", "complete", {"end_date": 5}),
        ("active", "extend", {"new_end_date": "2030-01-01"}),
        ("active", "extend", {"offer_reference": "X"}),
        ("proposed", "decline", {"reason": ""}),
        ("proposed", "decline", {"why": "no"}),
    ])
    async def test_bad_body_is_422(self, client: httpx.AsyncClient, session: AsyncSession,
                                   status: str, action: str, body: dict[str, Any]) -> None:
        placement = await add_placement(session, status=status)
        await act(client, {"id": placement.id}, action, json=body, expect=422)

    @pytest.mark.parametrize(("status", "action", "body"), [
        ("visa_pending", "visa-decision", {"decision": "granted", "decision_date": "2999-01-01"}),
        ("visa_granted", "arrive", {"arrival_date": "2999-01-01"}),
        ("active", "complete", {"end_date": "2999-01-01"}),
        ("active", "complete", {"end_date": "2000-01-01"}),  # before the arrival
        ("active", "end-early", {"reason": "health", "end_date": "2000-01-01"}),
    ])
    async def test_impossible_dates_are_422(self, client: httpx.AsyncClient,
                                            session: AsyncSession, status: str, action: str,
                                            body: dict[str, Any]) -> None:
        placement = await add_placement(session, status=status)
        problem = await act(client, {"id": placement.id}, action, json=body, expect=422)
        assert problem["type"] == "/problems/invalid-dates"
        assert (await client.get(f"/v1/placements/{placement.id}")).json()["status"] == status


class TestExtend:
    async def test_moves_the_end_date_and_keeps_the_offer(self, client: httpx.AsyncClient,
                                                          session: AsyncSession) -> None:
        placement = await add_placement(session, status="active")
        old_end = placement.end_date.isoformat()
        extended = await act(client, {"id": placement.id}, "extend", json={
            "new_end_date": _day(300), "offer_reference": "NORDLYS-EXT-7",
            "offer_text": "Six more months."})
        assert (extended["status"], extended["end_date"]) == ("active", _day(300))
        twice = await act(client, {"id": placement.id}, "extend", json={
            "new_end_date": _day(400), "offer_text": "And a bit more."})
        assert twice["end_date"] == _day(400)
        listed = (await client.get(f"/v1/placements/{placement.id}/extensions")).json()
        assert [(e["previous_end_date"], e["new_end_date"], e["offer_reference"])
                for e in listed["items"]] == [(old_end, _day(300), "NORDLYS-EXT-7"),
                                              (_day(300), _day(400), None)]

    @pytest.mark.parametrize("days", [150, 100, -1])
    async def test_new_end_must_be_later(self, client: httpx.AsyncClient,
                                         session: AsyncSession, days: int) -> None:
        placement = await add_placement(session, status="active",
                                        end_date=today() + timedelta(days=150))
        problem = await act(client, {"id": placement.id}, "extend", json={
            "new_end_date": _day(days), "offer_reference": "X"}, expect=422)
        assert problem["current_end_date"] == _day(150)
        assert (await client.get(f"/v1/placements/{placement.id}/extensions")).json() == {
            "items": []}

    async def test_only_while_active(self, client: httpx.AsyncClient,
                                     session: AsyncSession) -> None:
        placement = await add_placement(session, status="completed")
        problem = await act(client, {"id": placement.id}, "extend", json={
            "new_end_date": _day(900), "offer_reference": "X"}, expect=409)
        assert problem["current_state"] == "completed"


class TestReadAndList:
    async def test_get_and_404(self, client: httpx.AsyncClient) -> None:
        placement = await create_placement(client)
        response = await client.get(f"/v1/placements/{placement['id']}")
        assert (response.json(), response.headers["etag"]) == (placement, '"1"')
        missing = await client.get(f"/v1/placements/{uuid.uuid4()}")
        assert (missing.status_code, missing.json()["type"]) == (
            404, "/problems/placement-not-found")
        for sub in ("transitions", "extensions"):
            response = await client.get(f"/v1/placements/{uuid.uuid4()}/{sub}")
            assert response.status_code == 404

    async def test_filters(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        programme = uuid.uuid4()
        active = await add_placement(session, status="active", programme_id=programme)
        proposed = await add_placement(session, programme_id=programme)
        other = await add_placement(session)

        async def ids(**params: Any) -> set[uuid.UUID]:
            return {uuid.UUID(p["id"]) for p in await all_pages(client, "/v1/placements",
                                                                **params)}

        assert await ids(programme_id=str(programme)) == {active.id, proposed.id}
        assert await ids(programme_id=str(programme), status="active") == {active.id}
        assert await ids(employer_id=str(other.employer_id)) == {other.id}
        assert await ids(vacancy_id=str(proposed.vacancy_id)) == {proposed.id}
        assert await ids(candidate_id=str(active.candidate_id)) == {active.id}

    @pytest.mark.parametrize("params", [{"status": "arrived"}, {"candidate_id": "me"},
                                        {"limit": 500}])
    async def test_bad_filters_are_422(self, client: httpx.AsyncClient,
                                       params: dict[str, Any]) -> None:
        assert (await client.get("/v1/placements", params=params)).status_code == 422

"""A placement's stay: the vacancy's stay type, season and region on the placement and its
events; the visa's dates in order; a student's enrolment on arrival; the programme's limits on
a placement's own dates and its extensions."""

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.placements.conftest import FakeCandidates
from tests.placements.factories import (
    STAY_FIELDS,
    act,
    add_placement,
    create_employer,
    create_placement,
    create_vacancy,
    host_kind,
    today,
)
from tests.placements.placements.test_events import events_of

Auth = Callable[..., dict[str, str]]


def _day(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


async def _vacancy(client: httpx.AsyncClient, stay_type: str, **overrides: Any) -> dict[str, Any]:
    employer = await create_employer(client, kind=host_kind(stay_type))
    return await create_vacancy(client, employer=employer,
                                **(STAY_FIELDS[stay_type] | overrides))


async def _accepted(client: httpx.AsyncClient, vacancy: dict[str, Any]) -> dict[str, Any]:
    placement = await create_placement(client, vacancy=vacancy)
    for action in ("accept-employer", "accept-candidate"):
        placement = await act(client, placement, action)
    return placement


async def _unchanged(client: httpx.AsyncClient, placement: dict[str, Any]) -> None:
    now = (await client.get(f"/v1/placements/{placement['id']}")).json()
    assert (now["status"], now["version"]) == (placement["status"], placement["version"])


def _names(problem: dict[str, Any]) -> list[str]:
    return [e["loc"][-1] for e in problem["errors"]]


class TestStayOnThePlacement:
    async def test_placement_and_events_carry_the_vacancy_s_stay(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        vacancy = await _vacancy(client, "seasonal", region="FR-OCC",
                                 location={"country": "FR", "city": "Perpignan"})
        placement = await _accepted(client, vacancy)
        assert (placement["stay_type"], placement["season"], placement["region"]) == (
            "seasonal", "2026", "FR-OCC")
        for action, body in [("request-visa", None), ("visa-decision", {"decision": "granted"}),
                             ("arrive", {"arrival_date": _day(0)}),
                             ("complete", {"end_date": _day(0)})]:
            placement = await act(client, placement, action, json=body)
        events = await events_of(session, placement["id"])
        assert {e["type"] for e in events} >= {"placement.confirmed", "placement.started",
                                                "placement.completed"}
        for event in events:
            assert (event["payload"]["stay_type"], event["payload"]["season"],
                    event["payload"]["region"]) == ("seasonal", "2026", "FR-OCC")
        completed = events[-1]["payload"]
        assert (completed["destination_country"], completed["sector"],
                completed["actual_end_date"]) == ("FR", "agriculture", _day(0))

    async def test_the_visa_file_shows_a_study(self, client: httpx.AsyncClient) -> None:
        placement = await _accepted(client, await _vacancy(client, "study"))
        await act(client, placement, "request-visa")
        file = (await client.get(f"/v1/placements/{placement['id']}/visa-file")).json()
        assert file["employer"]["kind"] == "study_provider"
        assert (file["vacancy"]["stay_type"], file["vacancy"]["occupation_code"],
                file["vacancy"]["qualification_level"]) == ("study", None, "master")
        assert file["visa_requested_on"] == _day(0)


class TestVisaDates:
    async def test_requested_on_is_kept_and_the_decision_follows_it(
            self, client: httpx.AsyncClient) -> None:
        placement = await _accepted(client, await create_vacancy(client))
        placement = await act(client, placement, "request-visa",
                              json={"requested_on": _day(-30)})
        assert placement["visa_requested_on"] == _day(-30)
        problem = await act(client, placement, "visa-decision", expect=422, json={
            "decision": "granted", "decision_date": _day(-31)})
        assert (problem["type"], _names(problem), problem["visa_requested_on"]) == (
            "/problems/invalid-dates", ["decision_date"], _day(-30))
        await _unchanged(client, placement)
        decided = await act(client, placement, "visa-decision", json={
            "decision": "granted", "decision_date": _day(-30)})  # the same day is fine
        assert decided["visa_decision_date"] == _day(-30)

    async def test_requested_on_in_the_future_is_422(self, client: httpx.AsyncClient) -> None:
        placement = await _accepted(client, await create_vacancy(client))
        problem = await act(client, placement, "request-visa", expect=422,
                            json={"requested_on": _day(1)})
        assert _names(problem) == ["requested_on"]
        await _unchanged(client, placement)

    @pytest.mark.parametrize("body", [{"requested_on": "yesterday"}, {"requested": _day(0)}])
    async def test_bad_request_body_is_422(self, client: httpx.AsyncClient,
                                           body: dict[str, Any]) -> None:
        placement = await _accepted(client, await create_vacancy(client))
        await act(client, placement, "request-visa", expect=422, json=body)
        await _unchanged(client, placement)

    async def test_arrival_not_before_the_visa_was_granted(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        placement = await add_placement(session, status="visa_granted",
                                        visa_decision_date=today() - timedelta(days=5))
        url = {"id": placement.id}
        problem = await act(client, url, "arrive", expect=422,
                            json={"arrival_date": _day(-6)})
        assert (problem["type"], _names(problem)) == ("/problems/invalid-dates",
                                                      ["arrival_date"])
        assert (await client.get(f"/v1/placements/{placement.id}")).json()["status"] == \
            "visa_granted"
        arrived = await act(client, url, "arrive", json={"arrival_date": _day(-5)})
        assert arrived["actual_start_date"] == _day(-5)


class TestStudentArrival:
    async def test_needs_the_enrolment(self, client: httpx.AsyncClient,
                                       session: AsyncSession) -> None:
        placement = await add_placement(session, status="visa_granted", stay_type="study")
        url = {"id": placement.id}
        problem = await act(client, url, "arrive", expect=422, json={"arrival_date": _day(0)})
        assert (problem["type"], _names(problem)) == ("/problems/stay-fields-invalid",
                                                      ["enrolment_reference"])
        arrived = await act(client, url, "arrive", json={
            "arrival_date": _day(0), "enrolment_reference": "UPM-2026-MRE-0117"})
        assert (arrived["status"], arrived["enrolment_reference"]) == (
            "active", "UPM-2026-MRE-0117")

    async def test_other_stays_have_none(self, client: httpx.AsyncClient,
                                         session: AsyncSession) -> None:
        placement = await add_placement(session, status="visa_granted")
        problem = await act(client, {"id": placement.id}, "arrive", expect=422, json={
            "arrival_date": _day(0), "enrolment_reference": "X-1"})
        assert _names(problem) == ["enrolment_reference"]


class TestProgrammeLimits:
    async def test_extensions_in_all_stay_within_the_programme_s_maximum(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            fake_candidates: FakeCandidates) -> None:
        end = today() + timedelta(days=150)
        placement = await add_placement(session, status="active", end_date=end)
        fake_candidates.programmes[placement.programme_id] = {"max_extension_months": 6}
        employer = auth("employer", employer_id=placement.employer_id)
        url = {"id": placement.id}
        first = await act(client, url, "extend", headers=employer, json={
            "new_end_date": (end + timedelta(days=90)).isoformat(), "offer_reference": "E-1"})
        assert first["end_date"] == (end + timedelta(days=90)).isoformat()
        # Six months from the end first planned, not from the end the first extension set.
        problem = await act(client, url, "extend", headers=employer, expect=422, json={
            "new_end_date": (end + timedelta(days=200)).isoformat(), "offer_reference": "E-2"})
        assert (problem["type"], _names(problem), problem["limit"]) == (
            "/problems/programme-limit-exceeded", ["new_end_date"], {"max_extension_months": 6})
        listed = (await client.get(f"/v1/placements/{placement.id}/extensions")).json()
        assert len(listed["items"]) == 1
        assert fake_candidates.asked[-1].headers["authorization"] == employer["Authorization"]

    async def test_no_maximum_no_limit(self, client: httpx.AsyncClient, session: AsyncSession,
                                       auth: Auth, fake_candidates: FakeCandidates) -> None:
        placement = await add_placement(session, status="active")
        extended = await act(client, {"id": placement.id}, "extend", json={
            "new_end_date": _day(3000), "offer_reference": "E-9"})
        assert extended["end_date"] == _day(3000)

    async def test_own_dates_within_the_longest_stay(
            self, client: httpx.AsyncClient, auth: Auth, fake_candidates: FakeCandidates) -> None:
        vacancy = await create_vacancy(client)
        fake_candidates.programmes[uuid.UUID(vacancy["programme_id"])] = {"max_stay_months": 6}
        body = {"vacancy_id": vacancy["id"], "candidate_id": str(uuid.uuid4()),
                "start_date": _day(30)}
        response = await client.post("/v1/placements", json=body | {"end_date": _day(400)})
        assert response.status_code == 422
        assert _names(response.json()) == ["end_date"]
        listed = await client.get("/v1/placements", params={"vacancy_id": vacancy["id"]})
        assert listed.json()["items"] == []
        ok = await client.post("/v1/placements", json=body | {"end_date": _day(150)})
        assert ok.status_code == 201, ok.text

"""A session's register: the trainer records a day's attendance for the whole class in one call,
all or nothing, with the rules of a single attendance record for every person on it."""

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.training.schemas import MAX_SESSION_ATTENDEES
from tests.candidates.factories import create_candidate, create_programme, create_training_module
from tests.candidates.training.helpers import days_ago, enrol

DAY = days_ago(10).isoformat()


async def _class(client: httpx.AsyncClient, session: AsyncSession, size: int = 3,
                 **module: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A fresh module with ``size`` candidates enrolled a month ago."""
    programme = await create_programme(client)
    made = await create_training_module(client, programme_id=programme["id"], **module)
    enrolments = [await enrol(client, module_id=made["id"],
                              candidate_id=(await create_candidate(session)).id)
                  for _ in range(size)]
    return made, enrolments


def _register(client: httpx.AsyncClient, module: dict[str, Any], **body: Any) -> Any:
    return client.post(f"/v1/training-modules/{module['id']}/sessions",
                       json={"session_date": DAY, "hours": "8"} | body)


async def _hours(client: httpx.AsyncClient, enrolment: dict[str, Any]) -> str:
    status = (await client.get(f"/v1/candidates/{enrolment['candidate_id']}/training")).json()
    hours: str = status["programmes"][0]["hours_attended"]
    return hours


class TestRegister:
    async def test_one_call_records_the_whole_class(self, client: httpx.AsyncClient,
                                                    session: AsyncSession) -> None:
        module, (first, second, third) = await _class(client, session)
        response = await _register(client, module, attendees=[
            first["id"], {"enrolment_id": second["id"], "hours": "3.5"}], absent=[third["id"]])
        assert response.status_code == 201, response.text
        made = response.json()
        assert (made["module_id"], made["session_date"], made["hours"]) == (
            module["id"], DAY, "8.00")
        assert (made["present"], made["absent"]) == (2, 1)
        assert [(a["enrolment_id"], a["present"], a["hours"]) for a in made["attendance"]] == [
            (first["id"], True, "8.00"), (second["id"], True, "3.50"),
            (third["id"], False, "0.00")]
        assert [await _hours(client, e) for e in (first, second, third)] == [
            "8.00", "3.50", "0.00"]

    async def test_a_register_counts_towards_completion(self, client: httpx.AsyncClient,
                                                        session: AsyncSession) -> None:
        module, enrolments = await _class(client, session, size=2, hours="16")
        ids = [e["id"] for e in enrolments]
        for day in (12, 11):
            response = await _register(client, module, session_date=days_ago(day).isoformat(),
                                       attendees=ids)
            assert response.status_code == 201, response.text
        for enrolment in enrolments:
            done = await client.post(f"/v1/enrolments/{enrolment['id']}/complete")
            assert done.status_code == 200, done.text

    async def test_the_same_day_again_is_409_naming_who_and_adds_nothing(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        module, (first, second) = await _class(client, session, size=2)
        await client.post(f"/v1/enrolments/{second['id']}/attendance", json={
            "session_date": DAY, "present": True, "hours": 2})
        response = await _register(client, module, attendees=[first["id"], second["id"]])
        assert response.status_code == 409
        problem = response.json()
        assert problem["type"] == "/problems/attendance-already-recorded"
        assert problem["enrolment_ids"] == [second["id"]]
        assert await _hours(client, first) == "0.00"  # all or nothing

    async def test_idempotent_with_a_key(self, client: httpx.AsyncClient,
                                         session: AsyncSession) -> None:
        module, enrolments = await _class(client, session, size=1)
        body = {"session_date": DAY, "hours": "8", "attendees": [enrolments[0]["id"]]}
        url = f"/v1/training-modules/{module['id']}/sessions"
        headers = {"Idempotency-Key": f"register-{uuid.uuid4()}"}
        first = await client.post(url, json=body, headers=headers)
        again = await client.post(url, json=body, headers=headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.headers["idempotent-replayed"] == "true"
        assert await _hours(client, enrolments[0]) == "8.00"


class TestRefusals:
    async def test_an_enrolment_of_another_module_is_404_naming_it(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        module, (mine,) = await _class(client, session, size=1)
        _, (theirs,) = await _class(client, session, size=1)
        stranger = str(uuid.uuid4())
        response = await _register(client, module, attendees=[mine["id"], theirs["id"]],
                                   absent=[stranger])
        assert response.status_code == 404
        problem = response.json()
        assert problem["type"] == "/problems/enrolment-not-found"
        assert problem["enrolment_ids"] == [theirs["id"], stranger]
        assert theirs["id"] in problem["detail"]
        assert await _hours(client, mine) == "0.00"

    async def test_a_dropped_enrolment_is_409_naming_it(self, client: httpx.AsyncClient,
                                                       session: AsyncSession) -> None:
        module, (kept, left) = await _class(client, session, size=2)
        await client.post(f"/v1/enrolments/{left['id']}/drop")
        response = await _register(client, module, attendees=[kept["id"], left["id"]])
        assert response.status_code == 409
        problem = response.json()
        assert problem["type"] == "/problems/illegal-transition"
        assert (problem["current_state"], problem["enrolment_ids"]) == ("dropped", [left["id"]])
        assert await _hours(client, kept) == "0.00"

    async def test_before_someones_enrolment_is_422_naming_them(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        module, (early,) = await _class(client, session, size=1)
        late = await enrol(client, module_id=module["id"],
                           candidate_id=(await create_candidate(session)).id,
                           enrolled_on=days_ago(5))
        response = await _register(client, module, attendees=[early["id"], late["id"]])
        assert response.status_code == 422
        problem = response.json()
        assert problem["type"] == "/problems/invalid-dates"
        assert problem["errors"][0]["loc"] == ["body", "session_date"]
        assert problem["enrolment_ids"] == [late["id"]]
        assert await _hours(client, early) == "0.00"

    async def test_in_the_future_is_422(self, client: httpx.AsyncClient,
                                        session: AsyncSession) -> None:
        module, (one,) = await _class(client, session, size=1)
        response = await _register(client, module, session_date=days_ago(-1).isoformat(),
                                   attendees=[one["id"]])
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", "session_date"]
        assert await _hours(client, one) == "0.00"

    async def test_unknown_module_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.post(f"/v1/training-modules/{uuid.uuid4()}/sessions", json={
            "session_date": DAY, "hours": "8", "attendees": [str(uuid.uuid4())]})
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/training-module-not-found"

    @pytest.mark.parametrize(("body", "where"), [
        ({"hours": "24.5"}, "hours"), ({"hours": "-1"}, "hours"), ({"hours": "1.234"}, "hours"),
        ({"attendees": [{"enrolment_id": "{one}", "hours": "25"}]}, "hours"),
        ({"attendees": ["not-an-id"]}, "attendees"),
        ({"attendees": ["{one}", "{one}"]}, "each enrolment appears once"),
        ({"attendees": ["{one}"], "absent": ["{one}"]}, "each enrolment appears once"),
        ({"attendees": []}, "at least one"),
        ({"attendees": ["{one}"], "present": True}, "present"),
    ])
    async def test_bad_registers_are_422_and_record_nothing(
            self, client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any],
            where: str) -> None:
        module, (one,) = await _class(client, session, size=1)
        filled = {k: [a.replace("{one}", one["id"]) if isinstance(a, str)
                      else {**a, "enrolment_id": one["id"]} for a in v]
                  if isinstance(v, list) else v for k, v in body.items()}
        response = await _register(client, module, **({"attendees": [one["id"]]} | filled))
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/validation"
        assert where in response.text
        assert await _hours(client, one) == "0.00"

    async def test_more_than_a_register_holds_is_422_naming_attendees(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        module, (one,) = await _class(client, session, size=1)
        crowd = [one["id"], *(str(uuid.uuid4()) for _ in range(MAX_SESSION_ATTENDEES))]
        response = await _register(client, module, attendees=crowd)
        assert response.status_code == 422
        problem = response.json()
        assert problem["errors"][0]["loc"] == ["body", "attendees"]
        assert str(MAX_SESSION_ATTENDEES) in problem["errors"][0]["msg"]
        together = await _register(client, module, attendees=crowd[:300],
                                   absent=crowd[300:])
        assert together.status_code == 422
        assert f"at most {MAX_SESSION_ATTENDEES}" in together.text
        assert await _hours(client, one) == "0.00"

    async def test_hours_of_an_attendee_count_as_given(self, client: httpx.AsyncClient,
                                                       session: AsyncSession) -> None:
        module, (one,) = await _class(client, session, size=1)
        response = await _register(client, module, hours="0", attendees=[
            {"enrolment_id": one["id"], "hours": "2.25"}])
        assert response.status_code == 201, response.text
        assert Decimal(await _hours(client, one)) == Decimal("2.25")

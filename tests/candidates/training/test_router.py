"""Pre-departure training over HTTP: modules, enrolments and their lifecycle, attendance,
and a candidate's training status."""

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates import service as candidate_service
from services.candidates.training import repository
from tests.candidates.factories import (
    create_candidate,
    create_programme,
    create_training_module,
    training_module_body,
)
from tests.candidates.training.helpers import complete, days_ago, enrol
from tests.etags import NEW
from tests.pages import all_pages

PROBLEM = "application/problem+json"
# Session days, between the helpers' enrolments (a month ago) and today.
DAY, NEXT_DAY, THIRD_DAY = (days_ago(n).isoformat() for n in (10, 9, 8))


async def _enrolment(client: httpx.AsyncClient, session: AsyncSession) -> dict[str, Any]:
    """A fresh candidate enrolled in a fresh module of a fresh programme."""
    programme = await create_programme(client)
    module = await create_training_module(client, programme_id=programme["id"])
    candidate = await create_candidate(session)
    return await enrol(client, module_id=module["id"], candidate_id=candidate.id)


async def _not_yet(*args: Any, **kwargs: Any) -> bool:
    """Stands in for an existence check run before a concurrent request committed."""
    return False


class TestCreateTrainingModule:
    async def test_created_with_location_and_etag(self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client)
        body = training_module_body(code="LANG-FR-B2", hours="40.5", required=False, position=3)
        response = await client.post(f"/v1/programmes/{programme['id']}/training-modules",
                                     json=body)
        assert response.status_code == 201
        created = response.json()
        assert created["programme_id"] == programme["id"]
        assert created["code"] == "LANG-FR-B2" and created["hours"] == "40.50"
        assert created["required"] is False and created["position"] == 3
        assert created["version"] == 1
        assert response.headers["location"] == f"/v1/training-modules/{created['id']}"
        assert response.headers["etag"] == '"1"'

    async def test_defaults(self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client)
        response = await client.post(f"/v1/programmes/{programme['id']}/training-modules",
                                     json={"code": "CULT-1", "title": "Living in France",
                                           "hours": 8})
        assert response.status_code == 201
        body = response.json()
        assert body["required"] is True and body["position"] == 0
        assert body["description"] is None

    async def test_duplicate_code_in_programme_is_409(self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client)
        url = f"/v1/programmes/{programme['id']}/training-modules"
        await create_training_module(client, programme_id=programme["id"], code="SAFETY")
        response = await client.post(url, json=training_module_body(code="SAFETY"))
        assert response.status_code == 409
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/training-module-code-taken"
        assert len((await client.get(url)).json()["items"]) == 1

    async def test_same_code_in_another_programme_is_fine(
        self, client: httpx.AsyncClient
    ) -> None:
        first, second = await create_programme(client), await create_programme(client)
        await create_training_module(client, programme_id=first["id"], code="SAFETY")
        await create_training_module(client, programme_id=second["id"], code="SAFETY")

    async def test_duplicate_insert_race_is_409(self, client: httpx.AsyncClient,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
        programme = await create_programme(client)
        await create_training_module(client, programme_id=programme["id"], code="RACE")
        monkeypatch.setattr(repository, "module_code_exists", _not_yet)
        response = await client.post(f"/v1/programmes/{programme['id']}/training-modules",
                                     json=training_module_body(code="RACE"))
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/training-module-code-taken"

    async def test_unknown_programme_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.post(f"/v1/programmes/{uuid.uuid4()}/training-modules",
                                     json=training_module_body())
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/programme-not-found"

    @pytest.mark.parametrize("bad", [
        {"hours": 0}, {"hours": -1}, {"hours": "-0.5"}, {"hours": "lots"}, {"hours": 1000.5},
        {"hours": "1.234"}, {"hours": None}, {"hours": "NaN"},
        {"code": "lang-fr"}, {"code": ""}, {"code": "LANG FR"}, {"code": "-LANG"},
        {"code": "X" * 41}, {"code": 7}, {"title": ""}, {"title": "t" * 201},
        {"description": "d" * 5001}, {"required": "maybe"}, {"position": -1},
        {"position": 1.5}, {"position": "first"}, {"status": "open"},
    ])
    async def test_bad_values_are_422_and_change_nothing(
        self, client: httpx.AsyncClient, bad: dict[str, Any]
    ) -> None:
        programme = await create_programme(client)
        url = f"/v1/programmes/{programme['id']}/training-modules"
        response = await client.post(url, json=training_module_body() | bad)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/validation"
        assert (await client.get(url)).json()["items"] == []

    @pytest.mark.parametrize("missing", ["code", "title", "hours"])
    async def test_missing_field_is_422(self, client: httpx.AsyncClient, missing: str) -> None:
        programme = await create_programme(client)
        body = training_module_body()
        del body[missing]
        response = await client.post(f"/v1/programmes/{programme['id']}/training-modules",
                                     json=body)
        assert response.status_code == 422

    async def test_same_idempotency_key_for_another_programme_is_not_a_replay(
        self, client: httpx.AsyncClient
    ) -> None:
        first, second = await create_programme(client), await create_programme(client)
        body = training_module_body()
        headers = {"Idempotency-Key": f"mod-{uuid.uuid4()}"}
        created = await client.post(f"/v1/programmes/{first['id']}/training-modules",
                                    json=body, headers=headers)
        replayed = await client.post(f"/v1/programmes/{first['id']}/training-modules",
                                     json=body, headers=headers)
        assert created.status_code == replayed.status_code == 201
        assert replayed.headers["idempotent-replayed"] == "true"
        other = await client.post(f"/v1/programmes/{second['id']}/training-modules",
                                  json=body, headers=headers)
        # Keys are scoped to the path: under another programme it is a new request.
        assert other.status_code == 201
        assert "idempotent-replayed" not in other.headers
        assert other.json()["id"] != created.json()["id"]


class TestListTrainingModules:
    async def test_ordered_by_position_then_code(self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client)
        for code, position in (("ZETA", 0), ("B-LANG", 2), ("A-LANG", 2), ("C-CULT", 1)):
            await create_training_module(client, programme_id=programme["id"], code=code,
                                         position=position)
        body = (await client.get(f"/v1/programmes/{programme['id']}/training-modules")).json()
        assert [m["code"] for m in body["items"]] == ["ZETA", "C-CULT", "A-LANG", "B-LANG"]
        assert body["next_cursor"] is None

    async def test_pages_keep_the_order(self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client)
        for code, position in (("E", 1), ("D", 0), ("C", 1), ("B", 5), ("A", 5)):
            await create_training_module(client, programme_id=programme["id"], code=code,
                                         position=position)
        url = f"/v1/programmes/{programme['id']}/training-modules"
        first = (await client.get(url, params={"limit": 2})).json()
        assert [m["code"] for m in first["items"]] == ["D", "C"] and first["next_cursor"]
        seen = [m["code"] for m in await all_pages(client, url, limit=2)]
        assert seen == ["D", "C", "E", "A", "B"]

    async def test_only_the_programmes_modules(self, client: httpx.AsyncClient) -> None:
        mine, other = await create_programme(client), await create_programme(client)
        module = await create_training_module(client, programme_id=mine["id"])
        await create_training_module(client, programme_id=other["id"])
        body = (await client.get(f"/v1/programmes/{mine['id']}/training-modules")).json()
        assert body["items"] == [module]

    async def test_unknown_programme_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/programmes/{uuid.uuid4()}/training-modules")
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/programme-not-found"

    @pytest.mark.parametrize("cursor", ["bm9wZQ", "WyJhIiwiYiJd", "WzEsMl0", "%%%"])
    async def test_forged_cursor_is_400(self, client: httpx.AsyncClient, cursor: str) -> None:
        programme = await create_programme(client)
        response = await client.get(f"/v1/programmes/{programme['id']}/training-modules",
                                    params={"cursor": cursor})
        assert response.status_code == 400
        assert response.json()["type"] == "/problems/invalid-cursor"

    @pytest.mark.parametrize("limit", [0, 201, "ten"])
    async def test_bad_limit_is_422(self, client: httpx.AsyncClient, limit: Any) -> None:
        programme = await create_programme(client)
        response = await client.get(f"/v1/programmes/{programme['id']}/training-modules",
                                    params={"limit": limit})
        assert response.status_code == 422


class TestReadTrainingModule:
    async def test_get_by_id_with_etag(self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client)
        module = await create_training_module(client, programme_id=programme["id"])
        response = await client.get(f"/v1/training-modules/{module['id']}")
        assert response.status_code == 200
        assert response.json() == module
        assert response.headers["etag"] == '"1"'

    async def test_unknown_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/training-modules/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/training-module-not-found"


class TestUpdateTrainingModule:
    async def test_patch_with_current_etag(self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client)
        module = await create_training_module(client, programme_id=programme["id"])
        response = await client.patch(
            f"/v1/training-modules/{module['id']}",
            json={"hours": "48", "required": False, "position": 4, "code": "RENAMED"},
            headers={"If-Match": '"1"'})
        assert response.status_code == 200
        body = response.json()
        assert body["hours"] == "48.00" and body["required"] is False
        assert body["position"] == 4 and body["code"] == "RENAMED"
        assert body["title"] == module["title"] and body["version"] == 2
        assert response.headers["etag"] == '"2"'

    async def test_stale_etag_is_412_and_changes_nothing(self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client)
        module = await create_training_module(client, programme_id=programme["id"])
        url = f"/v1/training-modules/{module['id']}"
        await client.patch(url, json={"hours": 30}, headers={"If-Match": '"1"'})
        stale = await client.patch(url, json={"hours": 10}, headers={"If-Match": '"1"'})
        assert stale.status_code == 412
        assert stale.headers["content-type"] == PROBLEM
        assert (await client.get(url)).json()["hours"] == "30.00"

    async def test_code_taken_in_programme_is_409(self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client)
        await create_training_module(client, programme_id=programme["id"], code="TAKEN")
        module = await create_training_module(client, programme_id=programme["id"])
        url = f"/v1/training-modules/{module['id']}"
        response = await client.patch(url, json={"code": "TAKEN"}, headers=NEW)
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/training-module-code-taken"
        assert (await client.get(url)).json()["code"] == module["code"]

    async def test_code_taken_race_is_409(self, client: httpx.AsyncClient,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
        programme = await create_programme(client)
        await create_training_module(client, programme_id=programme["id"], code="TAKEN")
        module = await create_training_module(client, programme_id=programme["id"])
        monkeypatch.setattr(repository, "module_code_exists", _not_yet)
        url = f"/v1/training-modules/{module['id']}"
        response = await client.patch(url, json={"code": "TAKEN"}, headers=NEW)
        assert response.status_code == 409
        assert (await client.get(url)).json() == module

    async def test_keeping_its_own_code_is_fine(self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client)
        module = await create_training_module(client, programme_id=programme["id"])
        response = await client.patch(f"/v1/training-modules/{module['id']}",
                                      json={"code": module["code"], "title": "New title"},
                                      headers=NEW)
        assert response.status_code == 200

    async def test_description_can_be_cleared(self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client)
        module = await create_training_module(client, programme_id=programme["id"])
        response = await client.patch(f"/v1/training-modules/{module['id']}",
                                      json={"description": None}, headers=NEW)
        assert response.status_code == 200 and response.json()["description"] is None

    @pytest.mark.parametrize("bad", [{"title": None}, {"hours": None}, {"hours": 0},
                                     {"hours": -3}, {"code": "bad code"}, {"position": -1},
                                     {"required": "sometimes"}, {"programme_id": "x"}])
    async def test_bad_patch_is_422_and_changes_nothing(self, client: httpx.AsyncClient,
                                                        bad: dict[str, Any]) -> None:
        programme = await create_programme(client)
        module = await create_training_module(client, programme_id=programme["id"])
        url = f"/v1/training-modules/{module['id']}"
        response = await client.patch(url, json=bad, headers=NEW)
        assert response.status_code == 422
        assert (await client.get(url)).json() == module

    async def test_unknown_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.patch(f"/v1/training-modules/{uuid.uuid4()}", json={"hours": 3},
                                      headers=NEW)
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/training-module-not-found"


class TestEnrol:
    async def test_enrols_a_candidate(self, client: httpx.AsyncClient,
                                      session: AsyncSession) -> None:
        programme = await create_programme(client)
        module = await create_training_module(client, programme_id=programme["id"])
        candidate = await create_candidate(session)
        response = await client.post(f"/v1/training-modules/{module['id']}/enrolments",
                                     json={"candidate_id": str(candidate.id)})
        assert response.status_code == 201
        body = response.json()
        assert body["module_id"] == module["id"] and body["candidate_id"] == str(candidate.id)
        assert body["status"] == "enrolled" and body["completed_at"] is None
        assert (body["enrolled_on"], body["completed_on"]) == (days_ago(0).isoformat(), None)

    async def test_twice_is_409(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session)
        url = f"/v1/training-modules/{enrolment['module_id']}/enrolments"
        response = await client.post(url, json={"candidate_id": enrolment["candidate_id"]})
        assert response.status_code == 409
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/already-enrolled"
        assert len((await client.get(url)).json()["items"]) == 1

    async def test_twice_even_after_dropping_is_409(self, client: httpx.AsyncClient,
                                                    session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session)
        await client.post(f"/v1/enrolments/{enrolment['id']}/drop")
        response = await client.post(
            f"/v1/training-modules/{enrolment['module_id']}/enrolments",
            json={"candidate_id": enrolment["candidate_id"]})
        assert response.status_code == 409

    async def test_duplicate_insert_race_is_409(self, client: httpx.AsyncClient,
                                                session: AsyncSession,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
        enrolment = await _enrolment(client, session)
        monkeypatch.setattr(repository, "enrolment_exists", _not_yet)
        response = await client.post(
            f"/v1/training-modules/{enrolment['module_id']}/enrolments",
            json={"candidate_id": enrolment["candidate_id"]})
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/already-enrolled"

    async def test_candidate_erased_meanwhile_is_409(self, client: httpx.AsyncClient,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
        programme = await create_programme(client)
        module = await create_training_module(client, programme_id=programme["id"])

        async def still_there(*args: Any, **kwargs: Any) -> None:
            return None

        monkeypatch.setattr(candidate_service, "ensure_exists", still_there)
        url = f"/v1/training-modules/{module['id']}/enrolments"
        response = await client.post(url, json={"candidate_id": str(uuid.uuid4())})
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/training-conflict"
        assert (await client.get(url)).json()["items"] == []

    async def test_concurrent_duplicates_create_one(
        self, candidates_app: FastAPI, committing_client: httpx.AsyncClient
    ) -> None:
        # Real transactions: every request passes the checks, the unique index decides.
        async with candidates_app.state.database.sessionmaker() as own:
            candidate = await create_candidate(own)
            await own.commit()
        programme = await create_programme(committing_client)
        module = await create_training_module(committing_client, programme_id=programme["id"])
        url = f"/v1/training-modules/{module['id']}/enrolments"
        responses = await asyncio.gather(*[
            committing_client.post(url, json={"candidate_id": str(candidate.id)})
            for _ in range(5)])
        assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
        assert len((await committing_client.get(url)).json()["items"]) == 1

    async def test_unknown_module_is_404(self, client: httpx.AsyncClient,
                                         session: AsyncSession) -> None:
        candidate = await create_candidate(session)
        response = await client.post(f"/v1/training-modules/{uuid.uuid4()}/enrolments",
                                     json={"candidate_id": str(candidate.id)})
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/training-module-not-found"

    async def test_unknown_candidate_is_404(self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client)
        module = await create_training_module(client, programme_id=programme["id"])
        response = await client.post(f"/v1/training-modules/{module['id']}/enrolments",
                                     json={"candidate_id": str(uuid.uuid4())})
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/candidate-not-found"

    @pytest.mark.parametrize("body", [{}, {"candidate_id": "nope"}, {"candidate_id": None},
                                      {"candidate_id": str(uuid.uuid4()), "status": "completed"}])
    async def test_bad_body_is_422(self, client: httpx.AsyncClient,
                                   body: dict[str, Any]) -> None:
        programme = await create_programme(client)
        module = await create_training_module(client, programme_id=programme["id"])
        response = await client.post(f"/v1/training-modules/{module['id']}/enrolments",
                                     json=body)
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/validation"


class TestListEnrolments:
    async def test_pages_through_everything_once(self, client: httpx.AsyncClient,
                                                 session: AsyncSession) -> None:
        programme = await create_programme(client)
        module = await create_training_module(client, programme_id=programme["id"])
        created = set()
        for _ in range(5):
            candidate = await create_candidate(session)
            created.add((await enrol(client, module_id=module["id"],
                                               candidate_id=candidate.id))["id"])
        url = f"/v1/training-modules/{module['id']}/enrolments"
        first = (await client.get(url, params={"limit": 2})).json()
        assert len(first["items"]) == 2 and first["next_cursor"]
        seen = [e["id"] for e in await all_pages(client, url, limit=2)]
        assert sorted(seen) == sorted(created)

    async def test_filters_by_status(self, client: httpx.AsyncClient,
                                     session: AsyncSession) -> None:
        programme = await create_programme(client)
        module = await create_training_module(client, programme_id=programme["id"])
        enrolments = [await enrol(client, module_id=module["id"],
                                            candidate_id=(await create_candidate(session)).id)
                      for _ in range(3)]
        await complete(client, enrolments[0])
        await client.post(f"/v1/enrolments/{enrolments[1]['id']}/drop")
        url = f"/v1/training-modules/{module['id']}/enrolments"
        for status, expected in (("completed", 0), ("dropped", 1), ("enrolled", 2)):
            items = (await client.get(url, params={"status": status})).json()["items"]
            assert [e["id"] for e in items] == [enrolments[expected]["id"]]
            assert items[0]["status"] == status

    async def test_unknown_module_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/training-modules/{uuid.uuid4()}/enrolments")
        assert response.status_code == 404

    @pytest.mark.parametrize("params", [{"status": "graduated"}, {"limit": 0}])
    async def test_bad_query_is_422(self, client: httpx.AsyncClient,
                                    params: dict[str, Any]) -> None:
        programme = await create_programme(client)
        module = await create_training_module(client, programme_id=programme["id"])
        response = await client.get(f"/v1/training-modules/{module['id']}/enrolments",
                                    params=params)
        assert response.status_code == 422


class TestEnrolmentTransitions:
    async def test_complete_from_enrolled(self, client: httpx.AsyncClient,
                                          session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session)
        body = await complete(client, enrolment)
        assert body["status"] == "completed" and body["completed_at"] is not None
        assert body["id"] == enrolment["id"]
        assert body["completed_on"] == days_ago(0).isoformat()

    async def test_enrolling_and_completing_are_on_record(self, client: httpx.AsyncClient,
                                                          session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session)
        await complete(client, enrolment)
        listed = await client.get(f"/v1/training-modules/{enrolment['module_id']}/enrolments")
        assert listed.status_code == 200
        recorded = (await session.execute(text(
            "SELECT action, resource_type, method FROM candidates.access_record "
            "WHERE candidate_id = :c ORDER BY seq"), {"c": enrolment["candidate_id"]})).all()
        assert [tuple(r) for r in recorded] == [("change", "enrolment", "POST"),
                                                ("change", "enrolment", "POST"),
                                                ("read", "enrolment", "GET")]

    async def test_drop_from_enrolled(self, client: httpx.AsyncClient,
                                      session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session)
        response = await client.post(f"/v1/enrolments/{enrolment['id']}/drop")
        assert response.status_code == 200
        assert response.json()["status"] == "dropped"
        assert response.json()["completed_at"] is None

    @pytest.mark.parametrize(("first", "second", "state"), [
        ("complete", "complete", "completed"), ("complete", "drop", "completed"),
        ("drop", "complete", "dropped"), ("drop", "drop", "dropped"),
    ])
    async def test_from_a_final_state_is_409_naming_it(
        self, client: httpx.AsyncClient, session: AsyncSession, first: str, second: str,
        state: str
    ) -> None:
        enrolment = await _enrolment(client, session)
        if first == "complete":
            await complete(client, enrolment)
        else:
            assert (await client.post(f"/v1/enrolments/{enrolment['id']}/drop")).status_code == 200
        response = await client.post(f"/v1/enrolments/{enrolment['id']}/{second}")
        assert response.status_code == 409
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert problem["type"] == "/problems/illegal-transition"
        assert problem["current_state"] == state and problem["action"] == second
        assert state in problem["detail"]
        listed = (await client.get(
            f"/v1/training-modules/{enrolment['module_id']}/enrolments")).json()["items"]
        assert [e["status"] for e in listed] == [state]

    @pytest.mark.parametrize("action", ["complete", "drop"])
    async def test_unknown_enrolment_is_404(self, client: httpx.AsyncClient,
                                            action: str) -> None:
        response = await client.post(f"/v1/enrolments/{uuid.uuid4()}/{action}")
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/enrolment-not-found"

    async def test_status_is_not_writable(self, client: httpx.AsyncClient,
                                          session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session)
        response = await client.patch(f"/v1/enrolments/{enrolment['id']}",
                                      json={"status": "completed"})
        assert response.status_code in (404, 405)


class TestRecordAttendance:
    async def test_records_a_session(self, client: httpx.AsyncClient,
                                     session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session)
        response = await client.post(f"/v1/enrolments/{enrolment['id']}/attendance",
                                     json={"session_date": DAY, "present": True,
                                           "hours": 3.5})
        assert response.status_code == 201
        body = response.json()
        assert body["enrolment_id"] == enrolment["id"]
        assert body["session_date"] == DAY
        assert body["present"] is True and body["hours"] == "3.50"

    async def test_absence_defaults_to_zero_hours(self, client: httpx.AsyncClient,
                                                  session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session)
        response = await client.post(f"/v1/enrolments/{enrolment['id']}/attendance",
                                     json={"session_date": NEXT_DAY, "present": False})
        assert response.status_code == 201
        assert response.json()["hours"] == "0.00"

    async def test_same_date_twice_is_409(self, client: httpx.AsyncClient,
                                          session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session)
        url = f"/v1/enrolments/{enrolment['id']}/attendance"
        first = {"session_date": DAY, "present": True, "hours": 3}
        assert (await client.post(url, json=first)).status_code == 201
        response = await client.post(url, json=first | {"hours": 4})
        assert response.status_code == 409
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/attendance-already-recorded"
        assert (await client.post(url, json=first | {"session_date": NEXT_DAY})
                ).status_code == 201

    async def test_same_date_race_is_409(self, client: httpx.AsyncClient,
                                         session: AsyncSession,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
        enrolment = await _enrolment(client, session)
        url = f"/v1/enrolments/{enrolment['id']}/attendance"
        body = {"session_date": DAY, "present": True, "hours": 3}
        assert (await client.post(url, json=body)).status_code == 201
        monkeypatch.setattr(repository, "attendance_exists", _not_yet)
        response = await client.post(url, json=body)
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/attendance-already-recorded"

    async def test_same_date_on_another_enrolment_is_fine(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        body = {"session_date": DAY, "present": True, "hours": 3}
        for _ in range(2):
            enrolment = await _enrolment(client, session)
            response = await client.post(f"/v1/enrolments/{enrolment['id']}/attendance",
                                         json=body)
            assert response.status_code == 201

    async def test_on_a_dropped_enrolment_is_409(self, client: httpx.AsyncClient,
                                                 session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session)
        await client.post(f"/v1/enrolments/{enrolment['id']}/drop")
        response = await client.post(f"/v1/enrolments/{enrolment['id']}/attendance",
                                     json={"session_date": DAY, "present": True,
                                           "hours": 2})
        assert response.status_code == 409
        problem = response.json()
        assert problem["type"] == "/problems/illegal-transition"
        assert problem["current_state"] == "dropped"

    async def test_on_a_completed_enrolment_is_allowed(self, client: httpx.AsyncClient,
                                                       session: AsyncSession) -> None:
        # Sessions are often entered after the module is signed off.
        enrolment = await _enrolment(client, session)
        await complete(client, enrolment)
        response = await client.post(f"/v1/enrolments/{enrolment['id']}/attendance",
                                     json={"session_date": DAY, "present": True,
                                           "hours": 2})
        assert response.status_code == 201

    async def test_unknown_enrolment_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.post(f"/v1/enrolments/{uuid.uuid4()}/attendance",
                                     json={"session_date": DAY, "present": True,
                                           "hours": 2})
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/enrolment-not-found"

    @pytest.mark.parametrize("bad", [
        {"hours": -1}, {"hours": 24.01}, {"hours": 25}, {"hours": "three"}, {"hours": None},
        {"hours": "1.005"}, {"present": False, "hours": 2}, {"present": "perhaps"},
        {"present": None}, {"session_date": "2026-13-01"}, {"session_date": "14/04/2026"},
        {"session_date": f"{DAY}T10:30:00Z"}, {"session_date": None}, {"notes": "late"},
    ])
    async def test_bad_values_are_422_and_change_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, bad: dict[str, Any]
    ) -> None:
        enrolment = await _enrolment(client, session)
        url = f"/v1/enrolments/{enrolment['id']}/attendance"
        body = {"session_date": DAY, "present": True, "hours": 3} | bad
        response = await client.post(url, json=body)
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/validation"
        # The date is still free: nothing was recorded.
        valid = {"session_date": DAY, "present": True, "hours": 3}
        assert (await client.post(url, json=valid)).status_code == 201

    @pytest.mark.parametrize("missing", ["session_date", "present"])
    async def test_missing_field_is_422(self, client: httpx.AsyncClient, session: AsyncSession,
                                        missing: str) -> None:
        enrolment = await _enrolment(client, session)
        body = {"session_date": DAY, "present": True, "hours": 3}
        del body[missing]
        response = await client.post(f"/v1/enrolments/{enrolment['id']}/attendance", json=body)
        assert response.status_code == 422

    async def test_boundaries_are_accepted(self, client: httpx.AsyncClient,
                                           session: AsyncSession) -> None:
        enrolment = await _enrolment(client, session)
        url = f"/v1/enrolments/{enrolment['id']}/attendance"
        for day, hours in ((DAY, 0), (NEXT_DAY, 24)):
            response = await client.post(url, json={"session_date": day, "present": True,
                                                    "hours": hours})
            assert response.status_code == 201, response.text


class TestCandidateTrainingStatus:
    async def _curriculum(self, client: httpx.AsyncClient, *,
                          required_before_departure: bool) -> tuple[dict[str, Any], ...]:
        """A programme with two required modules and one optional one."""
        programme = await create_programme(
            client, training_required_before_departure=required_before_departure)
        modules = [await create_training_module(client, programme_id=programme["id"], code=code,
                                                required=required, position=position)
                   for code, required, position in (("LANG", True, 1), ("SAFETY", True, 2),
                                                    ("CULTURE", False, 3))]
        return programme, *modules

    async def _status(self, client: httpx.AsyncClient, candidate_id: uuid.UUID,
                      programme_id: str) -> dict[str, Any]:
        response = await client.get(f"/v1/candidates/{candidate_id}/training",
                                    params={"programme_id": programme_id})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["candidate_id"] == str(candidate_id)
        [status] = body["programmes"]
        assert status["programme_id"] == programme_id
        return status

    async def test_completion_of_required_modules(self, client: httpx.AsyncClient,
                                                  session: AsyncSession) -> None:
        programme, lang, safety, culture = await self._curriculum(
            client, required_before_departure=True)
        candidate = await create_candidate(session)
        enrolments = {m["code"]: await enrol(client, module_id=m["id"],
                                                       candidate_id=candidate.id)
                      for m in (lang, safety, culture)}

        status = await self._status(client, candidate.id, programme["id"])
        assert status == {
            "programme_id": programme["id"], "required_modules": 2,
            "completed_required_modules": 0, "missing_required_modules": ["LANG", "SAFETY"],
            "hours_attended": "0.00", "complete": False,
            "training_required_before_departure": True, "ready_for_departure": False,
        }

        # An optional module does not count towards completion.
        await complete(client, enrolments["CULTURE"])
        await complete(client, enrolments["LANG"])
        status = await self._status(client, candidate.id, programme["id"])
        assert status["completed_required_modules"] == 1
        assert status["missing_required_modules"] == ["SAFETY"]
        assert status["complete"] is False and status["ready_for_departure"] is False

        await complete(client, enrolments["SAFETY"])
        status = await self._status(client, candidate.id, programme["id"])
        assert status["completed_required_modules"] == 2
        assert status["missing_required_modules"] == []
        assert status["complete"] is True and status["ready_for_departure"] is True

    async def test_optional_modules_need_not_be_completed(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme, lang, safety, _ = await self._curriculum(client,
                                                            required_before_departure=True)
        candidate = await create_candidate(session)
        for module in (lang, safety):
            enrolment = await enrol(client, module_id=module["id"],
                                              candidate_id=candidate.id)
            await complete(client, enrolment)
        status = await self._status(client, candidate.id, programme["id"])
        assert status["complete"] is True and status["ready_for_departure"] is True

    async def test_a_dropped_required_module_is_not_complete(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme, lang, safety, _ = await self._curriculum(client,
                                                            required_before_departure=True)
        candidate = await create_candidate(session)
        done = await enrol(client, module_id=lang["id"], candidate_id=candidate.id)
        await complete(client, done)
        dropped = await enrol(client, module_id=safety["id"],
                                        candidate_id=candidate.id)
        await client.post(f"/v1/enrolments/{dropped['id']}/drop")
        status = await self._status(client, candidate.id, programme["id"])
        assert status["missing_required_modules"] == ["SAFETY"]
        assert status["complete"] is False and status["ready_for_departure"] is False

    async def test_programme_without_training_requirement_is_ready(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme, lang, *_ = await self._curriculum(client, required_before_departure=False)
        candidate = await create_candidate(session)
        await enrol(client, module_id=lang["id"], candidate_id=candidate.id)
        status = await self._status(client, candidate.id, programme["id"])
        assert status["complete"] is False
        assert status["training_required_before_departure"] is False
        assert status["ready_for_departure"] is True

    async def test_hours_count_presence_across_modules(self, client: httpx.AsyncClient,
                                                       session: AsyncSession) -> None:
        programme, lang, _, culture = await self._curriculum(client,
                                                             required_before_departure=True)
        candidate = await create_candidate(session)
        for module, sessions in ((lang, ((DAY, True, "3.5"), (NEXT_DAY, True, 4),
                                         (THIRD_DAY, False, 0))),
                                 (culture, ((DAY, True, "1.25"),))):
            enrolment = await enrol(client, module_id=module["id"],
                                              candidate_id=candidate.id)
            for day, present, hours in sessions:
                response = await client.post(
                    f"/v1/enrolments/{enrolment['id']}/attendance",
                    json={"session_date": day, "present": present, "hours": hours})
                assert response.status_code == 201
        # Someone else's attendance in the same module is not counted.
        other = await create_candidate(session)
        theirs = await enrol(client, module_id=lang["id"], candidate_id=other.id)
        await client.post(f"/v1/enrolments/{theirs['id']}/attendance",
                          json={"session_date": DAY, "present": True, "hours": 8})
        status = await self._status(client, candidate.id, programme["id"])
        assert status["hours_attended"] == "8.75"

    async def test_not_enrolled_has_nothing_completed(self, client: httpx.AsyncClient,
                                                      session: AsyncSession) -> None:
        programme, *_ = await self._curriculum(client, required_before_departure=True)
        candidate = await create_candidate(session)
        status = await self._status(client, candidate.id, programme["id"])
        assert status["required_modules"] == 2 and status["completed_required_modules"] == 0
        assert status["ready_for_departure"] is False

    async def test_programme_without_modules_is_complete(self, client: httpx.AsyncClient,
                                                         session: AsyncSession) -> None:
        # Nothing is required, so nothing is missing: the rule is "all required modules".
        programme = await create_programme(client, training_required_before_departure=True)
        candidate = await create_candidate(session)
        status = await self._status(client, candidate.id, programme["id"])
        assert status["required_modules"] == 0
        assert status["complete"] is True and status["ready_for_departure"] is True

    async def test_without_programme_lists_every_programme_trained_in(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        first, first_lang, *_ = await self._curriculum(client, required_before_departure=True)
        second, second_lang, *_ = await self._curriculum(client,
                                                         required_before_departure=False)
        await self._curriculum(client, required_before_departure=True)  # not enrolled there
        candidate = await create_candidate(session)
        for module in (first_lang, second_lang):
            await enrol(client, module_id=module["id"], candidate_id=candidate.id)
        response = await client.get(f"/v1/candidates/{candidate.id}/training")
        assert response.status_code == 200
        by_programme = {s["programme_id"]: s for s in response.json()["programmes"]}
        assert set(by_programme) == {first["id"], second["id"]}
        assert by_programme[first["id"]]["ready_for_departure"] is False
        assert by_programme[second["id"]]["ready_for_departure"] is True

    async def test_candidate_without_training_has_no_programmes(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        candidate = await create_candidate(session)
        response = await client.get(f"/v1/candidates/{candidate.id}/training")
        assert response.json() == {"candidate_id": str(candidate.id), "programmes": []}

    async def test_unknown_candidate_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/candidates/{uuid.uuid4()}/training")
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/candidate-not-found"

    async def test_unknown_programme_is_404(self, client: httpx.AsyncClient,
                                            session: AsyncSession) -> None:
        candidate = await create_candidate(session)
        response = await client.get(f"/v1/candidates/{candidate.id}/training",
                                    params={"programme_id": str(uuid.uuid4())})
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/programme-not-found"

    async def test_malformed_ids_are_422(self, client: httpx.AsyncClient,
                                         session: AsyncSession) -> None:
        candidate = await create_candidate(session)
        assert (await client.get("/v1/candidates/nope/training")).status_code == 422
        response = await client.get(f"/v1/candidates/{candidate.id}/training",
                                    params={"programme_id": "nope"})
        assert response.status_code == 422

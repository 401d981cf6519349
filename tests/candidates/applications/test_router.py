"""Applications over HTTP: create, read, list, history, every action and transition."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.applications import repository, state
from services.candidates.candidates.models import Consent
from tests.candidates.applications.helpers import (
    PROBLEM,
    act,
    apply,
    candidate_id,
    eligible,
    in_state,
)
from tests.candidates.factories import create_programme

HTTP_ACTIONS = ("submit", "screen", "shortlist", "reject", "withdraw")


class TestCreateApplication:
    async def test_created_as_draft(self, client: httpx.AsyncClient,
                                    session: AsyncSession) -> None:
        programme = await create_programme(client)
        cid = await candidate_id(session)
        response = await client.post("/v1/applications", json={
            "candidate_id": str(cid), "programme_id": programme["id"],
            "motivation": "  ICT in Lyon  "})
        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "draft" and body["version"] == 1
        assert body["motivation"] == "ICT in Lyon"
        assert body["screening_reasons"] == [] and body["score"] is None
        assert response.headers["location"] == f"/v1/applications/{body['id']}"
        assert response.headers["etag"] == '"1"'

    async def test_same_candidate_and_programme_twice_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme = await create_programme(client)
        cid = await candidate_id(session)
        first = await apply(client, candidate=cid, programme=programme)
        response = await client.post("/v1/applications", json={
            "candidate_id": str(cid), "programme_id": programme["id"]})
        assert response.status_code == 409
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/application-exists"
        assert response.json()["application_id"] == first["id"]

    async def test_lost_race_on_the_unique_constraint_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession,
        monkeypatch: pytest.MonkeyPatch
    ) -> None:
        programme = await create_programme(client)
        cid = await candidate_id(session)
        first = await apply(client, candidate=cid, programme=programme)
        real_find = repository.find_pair
        calls: list[int] = []

        async def blind_first_check(*args: Any, **kwargs: Any) -> uuid.UUID | None:
            # As if a concurrent request inserted the row just after this one checked.
            calls.append(1)
            return None if len(calls) == 1 else await real_find(*args, **kwargs)

        monkeypatch.setattr(repository, "find_pair", blind_first_check)
        response = await client.post("/v1/applications", json={
            "candidate_id": str(cid), "programme_id": programme["id"]})
        assert response.status_code == 409, response.text
        assert response.json()["application_id"] == first["id"]
        assert len(calls) == 2
        # The request's transaction is still usable after the failed insert.
        assert (await client.get(f"/v1/applications/{first['id']}")).status_code == 200

    async def test_unknown_candidate_or_programme_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme = await create_programme(client)
        cid = await candidate_id(session)
        response = await client.post("/v1/applications", json={
            "candidate_id": str(uuid.uuid4()), "programme_id": programme["id"]})
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/candidate-not-found"
        response = await client.post("/v1/applications", json={
            "candidate_id": str(cid), "programme_id": str(uuid.uuid4())})
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/programme-not-found"

    @pytest.mark.parametrize("bad", [
        {"status": "selected"}, {"score": 99}, {"id": str(uuid.uuid4())}, {"version": 3},
        {"candidate_id": 5}, {"candidate_id": "not-a-uuid"}, {"programme_id": None},
        {"motivation": "x" * 5001}, {"motivation": 12},
    ])
    async def test_bad_bodies_are_422(self, client: httpx.AsyncClient, session: AsyncSession,
                                      bad: dict[str, object]) -> None:
        programme = await create_programme(client)
        cid = await candidate_id(session)
        body = {"candidate_id": str(cid), "programme_id": programme["id"]} | bad
        response = await client.post("/v1/applications", json=body)
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/validation"
        listed = await client.get("/v1/applications", params={"candidate_id": str(cid)})
        assert listed.json()["items"] == []

    async def test_missing_fields_are_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/applications", json={})
        assert response.status_code == 422
        locs = [e["loc"] for e in response.json()["errors"]]
        assert ["body", "candidate_id"] in locs and ["body", "programme_id"] in locs

    async def test_idempotency_key_replays(self, client: httpx.AsyncClient,
                                           session: AsyncSession) -> None:
        programme = await create_programme(client)
        cid = await candidate_id(session)
        body = {"candidate_id": str(cid), "programme_id": programme["id"]}
        headers = {"Idempotency-Key": f"apply-{cid}"}
        first = await client.post("/v1/applications", json=body, headers=headers)
        second = await client.post("/v1/applications", json=body, headers=headers)
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert second.headers["idempotent-replayed"] == "true"


class TestReadApplications:
    async def test_get_with_etag(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        programme = await create_programme(client)
        created = await apply(client, candidate=await candidate_id(session), programme=programme)
        response = await client.get(f"/v1/applications/{created['id']}")
        assert response.status_code == 200 and response.json() == created
        assert response.headers["etag"] == '"1"'

    async def test_unknown_and_malformed_ids(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/applications/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/application-not-found"
        assert (await client.get("/v1/applications/nope")).status_code == 422
        assert (await client.post("/v1/applications/nope/submit")).status_code == 422
        response = await client.get(f"/v1/applications/{uuid.uuid4()}/transitions")
        assert response.status_code == 404

    async def test_list_filters_and_pages(self, client: httpx.AsyncClient,
                                          session: AsyncSession) -> None:
        programme = await create_programme(client)
        created = [await apply(client, candidate=await candidate_id(session),
                               programme=programme) for _ in range(5)]
        await act(client, created[0], "submit")
        seen: list[str] = []
        cursor = None
        while True:
            params = {"programme_id": programme["id"], "limit": 2}
            body = (await client.get("/v1/applications",
                                     params=params | ({"cursor": cursor} if cursor else {}))
                    ).json()
            seen += [a["id"] for a in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        # Created in one transaction, so with one created_at: the order is by id, no gaps.
        assert sorted(seen) == sorted(a["id"] for a in created) and len(seen) == len(created)
        body = (await client.get("/v1/applications", params={
            "programme_id": programme["id"], "status": "submitted"})).json()
        assert [a["id"] for a in body["items"]] == [created[0]["id"]]
        body = (await client.get("/v1/applications", params={
            "candidate_id": created[1]["candidate_id"]})).json()
        assert [a["id"] for a in body["items"]] == [created[1]["id"]]

    @pytest.mark.parametrize("params", [{"status": "approved"}, {"limit": 201},
                                        {"programme_id": "nope"}, {"limit": 0}])
    async def test_bad_list_parameters_are_422(self, client: httpx.AsyncClient,
                                               params: dict[str, object]) -> None:
        response = await client.get("/v1/applications", params=params)
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM


class TestTransitions:
    """Every action from every state over HTTP: legal ones move, illegal ones are 409."""

    @pytest.mark.parametrize("action", HTTP_ACTIONS)
    @pytest.mark.parametrize("status", state.STATUSES)
    async def test_action_from_state(self, client: httpx.AsyncClient, session: AsyncSession,
                                     status: str, action: str) -> None:
        app = await in_state(client, session, status)
        kwargs = {"json": {"reason": "changed plans"}} if action in ("reject", "withdraw") else {}
        response = await client.post(f"/v1/applications/{app['id']}/{action}", **kwargs)
        history = (await client.get(f"/v1/applications/{app['id']}/transitions")).json()["items"]
        if state.can(action, status):
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["status"] in state.TRANSITIONS[action][status]
            assert body["version"] == app["version"] + 1
            assert response.headers["etag"] == f'"{body["version"]}"'
            assert history[-1]["action"] == action
            assert (history[-1]["from_status"], history[-1]["to_status"]) == (
                status, body["status"])
            if action in ("reject", "withdraw"):
                assert history[-1]["reason"] == "changed plans"
        else:
            assert response.status_code == 409, response.text
            problem = response.json()
            assert response.headers["content-type"] == PROBLEM
            assert problem["type"] == "/problems/illegal-transition"
            assert problem["current_state"] == status and status in problem["detail"]
            after = (await client.get(f"/v1/applications/{app['id']}")).json()
            assert after == app

    async def test_history_of_a_full_lifecycle(self, client: httpx.AsyncClient,
                                               session: AsyncSession) -> None:
        app = await in_state(client, session, "rejected")
        history = (await client.get(f"/v1/applications/{app['id']}/transitions")).json()["items"]
        assert [(t["action"], t["from_status"], t["to_status"]) for t in history] == [
            ("submit", "draft", "submitted"), ("screen", "submitted", "eligible"),
            ("shortlist", "eligible", "shortlisted"), ("reject", "shortlisted", "rejected")]
        assert history[-1]["reason"] == "not a fit"
        assert app["version"] == 5 and app["decision_reason"] == "rejected: not a fit"


class TestSubmit:
    async def test_sets_submitted_at(self, client: httpx.AsyncClient,
                                     session: AsyncSession) -> None:
        programme = await create_programme(client)
        app = await apply(client, candidate=await candidate_id(session), programme=programme)
        body = (await act(client, app, "submit")).json()
        assert body["status"] == "submitted" and body["submitted_at"] is not None

    @pytest.mark.parametrize("window", ["past", "future"])
    async def test_outside_intake_window(self, client: httpx.AsyncClient,
                                         session: AsyncSession, window: str) -> None:
        now = datetime.now(UTC)
        shift = timedelta(days=-60) if window == "past" else timedelta(days=60)
        programme = await create_programme(
            client, intake_opens_at=(now + shift - timedelta(days=5)).isoformat(),
            intake_closes_at=(now + shift + timedelta(days=5)).isoformat())
        app = await apply(client, candidate=await candidate_id(session), programme=programme)
        response = await act(client, app, "submit", expect=422)
        problem = response.json()
        assert problem["type"] == "/problems/intake-closed"
        assert programme["code"] in problem["detail"]
        assert problem["intake_closes_at"].startswith(programme["intake_closes_at"][:19])
        assert (await client.get(f"/v1/applications/{app['id']}")).json()["status"] == "draft"

    async def test_without_consent(self, client: httpx.AsyncClient,
                                   session: AsyncSession) -> None:
        programme = await create_programme(
            client, required_consents=["data_processing", "share_with_employers"])
        cid = await candidate_id(session, consents=("data_processing",))
        app = await apply(client, candidate=cid, programme=programme)
        response = await act(client, app, "submit", expect=422)
        problem = response.json()
        assert problem["type"] == "/problems/consent-required"
        assert problem["missing_purposes"] == ["share_with_employers"]
        assert "share_with_employers" in problem["detail"]

    async def test_latest_consent_event_counts(self, client: httpx.AsyncClient,
                                               session: AsyncSession) -> None:
        programme = await create_programme(client)
        cid = await candidate_id(session, consents=())
        app = await apply(client, candidate=cid, programme=programme)
        base = datetime.now(UTC) - timedelta(days=3)

        async def record(action: str, days: int) -> None:
            session.add(Consent(candidate_id=cid, purpose="data_processing", text_version="v1",
                                action=action, recorded_at=base + timedelta(days=days)))
            await session.flush()

        await record("given", 0)
        await record("withdrawn", 1)
        response = await act(client, app, "submit", expect=422)
        assert response.json()["missing_purposes"] == ["data_processing"]
        await record("given", 2)
        await act(client, app, "submit")

    async def test_twice_is_409(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        programme = await create_programme(client)
        app = await apply(client, candidate=await candidate_id(session), programme=programme)
        await act(client, app, "submit")
        problem = (await act(client, app, "submit", expect=409)).json()
        assert problem["current_state"] == "submitted"


class TestIfMatch:
    async def test_stale_etag_is_412_and_changes_nothing(self, client: httpx.AsyncClient,
                                                         session: AsyncSession) -> None:
        programme = await create_programme(client)
        app = await apply(client, candidate=await candidate_id(session), programme=programme)
        submitted = await act(client, app, "submit", headers={"If-Match": '"1"'})
        assert submitted.headers["etag"] == '"2"'
        response = await act(client, app, "withdraw", expect=412, headers={"If-Match": '"1"'})
        assert response.json()["current_version"] == 2
        assert (await client.get(f"/v1/applications/{app['id']}")).json()["status"] == "submitted"
        await act(client, app, "withdraw", headers={"If-Match": '"2"'})

    async def test_garbage_if_match_is_412(self, client: httpx.AsyncClient,
                                           session: AsyncSession) -> None:
        programme = await create_programme(client)
        app = await apply(client, candidate=await candidate_id(session), programme=programme)
        await act(client, app, "submit", expect=412, headers={"If-Match": "yesterday"})
        await act(client, app, "submit", headers={"If-Match": "*"})


class TestActionBodies:
    async def test_reject_needs_a_reason(self, client: httpx.AsyncClient,
                                         session: AsyncSession) -> None:
        app = await in_state(client, session, "shortlisted")
        for body in ({}, {"reason": ""}, {"reason": "x", "status": "rejected"}, {"reason": 3}):
            await act(client, app, "reject", expect=422, json=body)
        await act(client, app, "reject", expect=422)  # no body at all
        assert (await client.get(f"/v1/applications/{app['id']}")).json()["status"] == \
            "shortlisted"

    async def test_withdraw_body_is_optional(self, client: httpx.AsyncClient,
                                             session: AsyncSession) -> None:
        app = await in_state(client, session, "draft")
        await act(client, app, "withdraw", expect=422, json={"why": "x"})
        body = (await act(client, app, "withdraw")).json()
        assert body["status"] == "withdrawn" and body["decision_reason"] == "withdrawn"

    async def test_unknown_application_action_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.post(f"/v1/applications/{uuid.uuid4()}/submit")
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/application-not-found"


class TestScreenOne:
    async def test_reasons_are_stored(self, client: httpx.AsyncClient,
                                      session: AsyncSession) -> None:
        programme = await create_programme(client)
        app = await eligible(client, session, programme)
        assert {r["code"] for r in app["screening_reasons"]} == {"passed"}
        assert app["screened_at"] is not None
        history = (await client.get(f"/v1/applications/{app['id']}/transitions")).json()["items"]
        assert history[-1]["reason"] == "screening: all 5 rules passed"

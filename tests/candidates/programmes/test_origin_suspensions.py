"""Suspending an origin country (HOMERe's Egyptian component): the pending applications of its
nationals withdrawn in one call with their events, new drafts and submissions refused,
screening failing them; every bad request a 4xx that changes nothing."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utc_today
from tests.candidates.applications.helpers import act, apply, candidate_id
from tests.candidates.factories import create_programme
from tests.conftest import TokenMinter
from tests.etags import if_match

REASON = "The Egyptian component was cancelled."
# Pending: what a suspension withdraws. Decided ones stay as they are.
PENDING = ("draft", "submitted", "eligible", "shortlisted", "waitlisted")
DECIDED = ("selected", "ineligible", "returned")


async def _programme(client: httpx.AsyncClient) -> dict[str, Any]:
    return await create_programme(client, origin_countries=["MA", "TN", "EG"],
                                  gender_balance_min_share=None)


async def _insert(session: AsyncSession, *, programme_id: str, nationality: str,
                  status: str) -> str:
    """An application in ``status``, inserted directly (a state screening and selection would
    reach, without running them)."""
    candidate = await candidate_id(session, nationality=nationality)
    application_id = str(uuid.uuid4())
    await session.execute(text(
        "INSERT INTO candidates.application (id, candidate_id, programme_id, status) "
        "VALUES (:id, :candidate, :programme, :status)"),
        {"id": application_id, "candidate": candidate, "programme": programme_id,
         "status": status})
    return application_id


async def _in(client: httpx.AsyncClient, session: AsyncSession, programme: dict[str, Any],
              status: str, nationality: str = "EG") -> str:
    """An application of a national of ``nationality`` brought to ``status``: through the API
    up to shortlisted, inserted beyond."""
    steps = {"draft": [], "submitted": ["submit"], "eligible": ["submit", "screen"],
             "shortlisted": ["submit", "screen", "shortlist"]}
    if status not in steps:
        return await _insert(session, programme_id=programme["id"], nationality=nationality,
                             status=status)
    application = await apply(client, candidate=await candidate_id(
        session, nationality=nationality), programme=programme)
    for step in steps[status]:
        await act(client, application, step)
    return str(application["id"])


async def _status(client: httpx.AsyncClient, application_id: str) -> str:
    return str((await client.get(f"/v1/applications/{application_id}")).json()["status"])


async def _withdrawn_events(session: AsyncSession, programme_id: str) -> dict[str, Any]:
    rows = await session.execute(text(
        "SELECT subject_id, payload FROM candidates.outbox "
        "WHERE type = 'application.withdrawn' AND payload->>'programme_id' = :p"),
        {"p": programme_id})
    return {str(subject): payload for subject, payload in rows.all()}


def _suspend(client: httpx.AsyncClient, programme_id: str, **body: Any) -> Any:
    return client.post(f"/v1/programmes/{programme_id}/origin-suspensions",
                       json={"country": "EG", "reason": REASON, **body})


class TestSuspend:
    async def test_withdraws_the_pending_applications_of_that_nationality_in_one_call(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        programme = await _programme(client)
        pending = {status: await _in(client, session, programme, status) for status in PENDING}
        decided = {status: await _in(client, session, programme, status) for status in DECIDED}
        moroccan = await _in(client, session, programme, "submitted", nationality="MA")
        suspended_on = utc_today() - timedelta(days=3)

        response = await _suspend(client, programme["id"], suspended_on=suspended_on.isoformat())
        assert response.status_code == 201, response.text
        assert response.json() == {"country": "EG", "reason": REASON,
                                   "suspended_on": suspended_on.isoformat(),
                                   "withdrawn": len(PENDING)}

        for status, application_id in pending.items():
            body = (await client.get(f"/v1/applications/{application_id}")).json()
            assert body["status"] == "withdrawn", status
            assert body["decision_reason"] == f"withdrawn: origin suspended: {REASON}"
            history = (await client.get(
                f"/v1/applications/{application_id}/transitions")).json()["items"]
            assert (history[-1]["action"], history[-1]["from_status"],
                    history[-1]["reason"]) == ("withdraw", status, f"origin suspended: {REASON}")
        for status, application_id in decided.items():
            assert await _status(client, application_id) == status
        assert await _status(client, moroccan) == "submitted"

        events = await _withdrawn_events(session, programme["id"])
        assert set(events) == set(pending.values())
        assert {e["previous_status"] for e in events.values()} == set(PENDING)

        shown = (await client.get(f"/v1/programmes/{programme['id']}")).json()
        assert shown["suspended_origins"] == [{"country": "EG", "reason": REASON,
                                               "suspended_on": suspended_on.isoformat()}]
        assert shown["version"] == programme["version"] + 1

    async def test_suspended_on_defaults_to_today(self, client: httpx.AsyncClient) -> None:
        programme = await _programme(client)
        response = await _suspend(client, programme["id"])
        assert response.status_code == 201, response.text
        assert response.json()["suspended_on"] == utc_today().isoformat()
        assert response.json()["withdrawn"] == 0

    async def test_idempotent_replay_answers_the_same(self, client: httpx.AsyncClient,
                                                      session: AsyncSession) -> None:
        programme = await _programme(client)
        await _in(client, session, programme, "draft")
        headers = {"Idempotency-Key": f"suspend-eg-{uuid.uuid4()}"}
        first = await client.post(f"/v1/programmes/{programme['id']}/origin-suspensions",
                                  json={"country": "EG", "reason": REASON}, headers=headers)
        again = await client.post(f"/v1/programmes/{programme['id']}/origin-suspensions",
                                  json={"country": "EG", "reason": REASON}, headers=headers)
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json() and first.json()["withdrawn"] == 1

    @pytest.mark.parametrize(("body", "status", "kind", "field"), [
        ({"country": "FR"}, 422, "not-an-origin-country", "country"),
        ({"suspended_on": (utc_today() + timedelta(days=1)).isoformat()}, 422,
         "invalid-dates", "suspended_on"),
        ({"country": "XX"}, 422, "validation", "country"),
        ({"country": "eg"}, 422, "validation", "country"),
        ({"reason": ""}, 422, "validation", "reason"),
        ({"reason": None}, 422, "validation", "reason"),
        ({"suspended_on": "30/09/2019"}, 422, "validation", "suspended_on"),
        ({"withdraw": False}, 422, "validation", "withdraw"),
    ])
    async def test_bad_request_changes_nothing(
            self, client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any],
            status: int, kind: str, field: str) -> None:
        programme = await _programme(client)
        draft = await _in(client, session, programme, "draft")
        response = await _suspend(client, programme["id"], **body)
        assert response.status_code == status, response.text
        problem = response.json()
        assert problem["type"] == f"/problems/{kind}"
        assert field in [e["loc"][-1] for e in problem["errors"]], problem
        assert await _status(client, draft) == "draft"
        assert (await client.get(f"/v1/programmes/{programme['id']}")).json() == programme

    async def test_twice_is_409_and_keeps_the_first(self, client: httpx.AsyncClient) -> None:
        programme = await _programme(client)
        assert (await _suspend(client, programme["id"])).status_code == 201
        response = await _suspend(client, programme["id"], reason="Another reason.")
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/already-suspended"
        shown = (await client.get(f"/v1/programmes/{programme['id']}")).json()
        assert [s["reason"] for s in shown["suspended_origins"]] == [REASON]

    async def test_a_suspended_origin_cannot_be_dropped_from_the_origins(
            self, client: httpx.AsyncClient) -> None:
        programme = await _programme(client)
        await _suspend(client, programme["id"])
        url = f"/v1/programmes/{programme['id']}"
        before = (await client.get(url)).json()
        response = await client.patch(url, json={"origin_countries": ["MA", "TN"]},
                                      headers=if_match(before))
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/invalid-programme-shape"
        assert response.json()["errors"][0]["loc"] == ["body", "origin_countries"]
        assert (await client.get(url)).json() == before
        await client.delete(f"{url}/origin-suspensions/EG")
        response = await client.patch(url, json={"origin_countries": ["MA", "TN"]},
                                      headers=if_match(await client.get(url)))
        assert response.status_code == 200, response.text

    async def test_unknown_programme_is_404(self, client: httpx.AsyncClient) -> None:
        response = await _suspend(client, str(uuid.uuid4()))
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/programme-not-found"


class TestLift:
    async def test_lifting_lets_people_apply_again(self, client: httpx.AsyncClient,
                                                   session: AsyncSession) -> None:
        programme = await _programme(client)
        withdrawn = await _in(client, session, programme, "submitted")
        await _suspend(client, programme["id"])
        response = await client.delete(
            f"/v1/programmes/{programme['id']}/origin-suspensions/EG")
        assert response.status_code == 204 and response.content == b""
        assert (await client.get(f"/v1/programmes/{programme['id']}")
                ).json()["suspended_origins"] == []
        assert await _status(client, withdrawn) == "withdrawn"  # stays so
        await apply(client, candidate=await candidate_id(session, nationality="EG"),
                    programme=programme)

    async def test_not_suspended_is_404(self, client: httpx.AsyncClient) -> None:
        programme = await _programme(client)
        response = await client.delete(
            f"/v1/programmes/{programme['id']}/origin-suspensions/EG")
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/origin-not-suspended"

    @pytest.mark.parametrize("country", ["eg", "EGY", "XX"])
    async def test_bad_country_is_422(self, client: httpx.AsyncClient, country: str) -> None:
        programme = await _programme(client)
        await _suspend(client, programme["id"])
        response = await client.delete(
            f"/v1/programmes/{programme['id']}/origin-suspensions/{country}")
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["path", "country"]
        assert len((await client.get(f"/v1/programmes/{programme['id']}")
                    ).json()["suspended_origins"]) == 1


class TestEffect:
    async def test_a_new_draft_is_422_and_nothing_is_stored(self, client: httpx.AsyncClient,
                                                           session: AsyncSession) -> None:
        programme = await _programme(client)
        await _suspend(client, programme["id"])
        egyptian = await candidate_id(session, nationality="EG")
        response = await client.post("/v1/applications", json={
            "candidate_id": str(egyptian), "programme_id": programme["id"]})
        assert response.status_code == 422
        problem = response.json()
        assert problem["type"] == "/problems/origin-suspended"
        assert problem["country"] == "EG" and REASON in problem["detail"]
        listed = await client.get("/v1/applications", params={"candidate_id": str(egyptian)})
        assert listed.json()["items"] == []
        await apply(client, candidate=await candidate_id(session, nationality="TN"),
                    programme=programme)  # other origins still apply

    async def test_submitting_from_a_suspended_origin_is_422(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        # A draft made before the suspension by someone whose recorded nationality changed
        # afterwards (the suspension withdrew the drafts of those it knew as Egyptians).
        programme = await _programme(client)
        draft = await apply(client, candidate=await candidate_id(session), programme=programme)
        await _suspend(client, programme["id"])
        await session.execute(text("UPDATE candidates.candidate SET nationality = 'EG' "
                                   "WHERE id = :id"), {"id": draft["candidate_id"]})
        response = await act(client, draft, "submit", expect=422)
        assert response.json()["type"] == "/problems/origin-suspended"
        assert await _status(client, draft["id"]) == "draft"

    async def test_screening_fails_a_suspended_origin(self, client: httpx.AsyncClient,
                                                      session: AsyncSession) -> None:
        programme = await _programme(client)
        egyptian = await apply(client, candidate=await candidate_id(session), programme=programme)
        moroccan = await apply(client, candidate=await candidate_id(session), programme=programme)
        for application in (egyptian, moroccan):
            await act(client, application, "submit")
        await _suspend(client, programme["id"])
        await session.execute(text("UPDATE candidates.candidate SET nationality = 'EG' "
                                   "WHERE id = :id"), {"id": egyptian["candidate_id"]})
        run = (await client.post(f"/v1/programmes/{programme['id']}/screening")).json()
        outcomes = {o["application_id"]: o for o in run["outcomes"]}
        assert outcomes[egyptian["id"]]["status"] == "ineligible"
        assert [r["code"] for r in outcomes[egyptian["id"]]["reasons"]] == ["origin_suspended"]
        assert outcomes[moroccan["id"]]["status"] == "eligible"
        assert {"code": "passed", "rule": "suspended_origins"} in [
            {"code": r["code"], "rule": r["rule"]} for r in outcomes[moroccan["id"]]["reasons"]]


class TestWho:
    @pytest.mark.parametrize(("role", "mine", "status"), [
        ("officer", True, 201), ("officer", False, 404), ("ministry", True, 403),
        ("candidate", False, 403), ("institution", False, 403), ("employer", False, 403),
        ("service", False, 403),
    ])
    async def test_only_the_programmes_staff_suspend(
            self, client: httpx.AsyncClient, mint_token: TokenMinter, role: str, mine: bool,
            status: int) -> None:
        client.headers["Authorization"] = f"Bearer {mint_token('admin')}"
        programme = await _programme(client)
        token = mint_token(role, programme_ids=[programme["id"] if mine else uuid.uuid4()])
        headers = {"Authorization": f"Bearer {token}"}
        url = f"/v1/programmes/{programme['id']}/origin-suspensions"
        response = await client.post(url, json={"country": "EG", "reason": REASON},
                                     headers=headers)
        assert response.status_code == status, response.text
        lifted = await client.delete(f"{url}/EG", headers=headers)
        assert lifted.status_code == (204 if status == 201 else status)

    async def test_a_ministry_reads_the_suspended_origins(
            self, client: httpx.AsyncClient, mint_token: TokenMinter) -> None:
        client.headers["Authorization"] = f"Bearer {mint_token('admin')}"
        programme = await _programme(client)
        await _suspend(client, programme["id"])
        token = mint_token("ministry", programme_ids=[programme["id"]])
        response = await client.get(f"/v1/programmes/{programme['id']}",
                                    headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert [s["country"] for s in response.json()["suspended_origins"]] == ["EG"]

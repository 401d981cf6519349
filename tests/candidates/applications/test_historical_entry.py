"""Entering a past intake: staff date a submission (``submitted_at``), checked against the
intake window instead of the clock; candidates submit now, and start no draft once the intake
has closed."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.candidates.applications.helpers import act, apply, candidate_id
from tests.candidates.factories import create_programme
from tests.conftest import TokenMinter

NOW = datetime.now(UTC)
# An intake that ran a year ago, for two months (HOMERe's, entered afterwards).
OPENED, CLOSED = NOW - timedelta(days=400), NOW - timedelta(days=340)


async def _past_programme(client: httpx.AsyncClient) -> dict[str, Any]:
    return await create_programme(client, intake_opens_at=OPENED.isoformat(),
                                  intake_closes_at=CLOSED.isoformat())


class TestStaffRecordThePast:
    async def test_a_dated_submission_inside_the_past_window_is_stored_as_given(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        programme = await _past_programme(client)
        draft = await apply(client, candidate=await candidate_id(session), programme=programme)
        when = OPENED + timedelta(days=20, hours=3)
        body = (await act(client, draft, "submit",
                          json={"submitted_at": when.isoformat()})).json()
        assert body["status"] == "submitted"
        assert datetime.fromisoformat(body["submitted_at"]) == when

    @pytest.mark.parametrize("when", [OPENED - timedelta(seconds=1), CLOSED])
    async def test_a_date_outside_the_window_is_intake_closed_and_changes_nothing(
            self, client: httpx.AsyncClient, session: AsyncSession, when: datetime) -> None:
        programme = await _past_programme(client)
        draft = await apply(client, candidate=await candidate_id(session), programme=programme)
        response = await act(client, draft, "submit", expect=422,
                             json={"submitted_at": when.isoformat()})
        assert response.json()["type"] == "/problems/intake-closed"
        assert "it was submitted at" in response.json()["detail"]
        after = (await client.get(f"/v1/applications/{draft['id']}")).json()
        assert (after["status"], after["submitted_at"], after["version"]) == (
            "draft", None, draft["version"])

    async def test_a_future_date_is_422_naming_the_field(self, client: httpx.AsyncClient,
                                                         session: AsyncSession) -> None:
        programme = await create_programme(client)  # open now and for a month
        draft = await apply(client, candidate=await candidate_id(session), programme=programme)
        response = await act(client, draft, "submit", expect=422,
                             json={"submitted_at": (NOW + timedelta(days=1)).isoformat()})
        problem = response.json()
        assert problem["type"] == "/problems/invalid-dates"
        assert problem["errors"][0]["loc"] == ["body", "submitted_at"]
        assert (await client.get(f"/v1/applications/{draft['id']}")).json()["status"] == "draft"

    @pytest.mark.parametrize("bad", [{"submitted_at": "2019-04-02T10:15:00"},
                                     {"submitted_at": "yesterday"}, {"when": "2019-04-02"}])
    async def test_a_bad_body_is_422_and_changes_nothing(
            self, client: httpx.AsyncClient, session: AsyncSession, bad: dict[str, Any]) -> None:
        programme = await create_programme(client)
        draft = await apply(client, candidate=await candidate_id(session), programme=programme)
        response = await act(client, draft, "submit", expect=422, json=bad)
        assert response.json()["type"] == "/problems/validation"
        assert (await client.get(f"/v1/applications/{draft['id']}")).json()["status"] == "draft"

    @pytest.mark.parametrize("kwargs", [{}, {"json": {}}, {"json": {"submitted_at": None}}])
    async def test_submitting_now_needs_no_body(self, client: httpx.AsyncClient,
                                                session: AsyncSession,
                                                kwargs: dict[str, Any]) -> None:
        programme = await create_programme(client)
        draft = await apply(client, candidate=await candidate_id(session), programme=programme)
        body = (await act(client, draft, "submit", **kwargs)).json()
        assert body["status"] == "submitted"
        assert abs(datetime.fromisoformat(body["submitted_at"]) - datetime.now(UTC)) < \
            timedelta(minutes=5)


class TestWho:
    async def test_staff_may_start_a_draft_after_the_intake_closed_a_candidate_may_not(
            self, client: httpx.AsyncClient, session: AsyncSession,
            mint_token: TokenMinter) -> None:
        client.headers["Authorization"] = f"Bearer {mint_token('admin')}"
        programme = await _past_programme(client)
        person = await candidate_id(session)
        own = {"Authorization": f"Bearer {mint_token('candidate', candidate_id=person)}"}
        body = {"candidate_id": str(person), "programme_id": programme["id"]}

        refused = await client.post("/v1/applications", json=body, headers=own)
        assert refused.status_code == 422
        assert refused.json()["type"] == "/problems/intake-closed"
        assert (await client.get("/v1/applications", params={"candidate_id": str(person)})
                ).json()["items"] == []

        # The admin files the paper form (the person is nobody's yet); the officer dates it.
        draft = await client.post("/v1/applications", json=body)
        assert draft.status_code == 201, draft.text
        officer = {"Authorization": "Bearer " + mint_token(
            "officer", programme_ids=[programme["id"]])}
        when = (OPENED + timedelta(days=1)).isoformat()
        submitted = await client.post(f"/v1/applications/{draft.json()['id']}/submit",
                                      json={"submitted_at": when}, headers=officer)
        assert submitted.status_code == 200, submitted.text

    async def test_a_candidate_giving_submitted_at_is_403_and_changes_nothing(
            self, client: httpx.AsyncClient, session: AsyncSession,
            mint_token: TokenMinter) -> None:
        client.headers["Authorization"] = f"Bearer {mint_token('admin')}"
        programme = await create_programme(client)
        person = await candidate_id(session)
        own = {"Authorization": f"Bearer {mint_token('candidate', candidate_id=person)}"}
        draft = (await client.post("/v1/applications", headers=own, json={
            "candidate_id": str(person), "programme_id": programme["id"]})).json()
        url = f"/v1/applications/{draft['id']}/submit"
        response = await client.post(url, headers=own, json={
            "submitted_at": (NOW - timedelta(days=1)).isoformat()})
        assert response.status_code == 403
        assert response.json()["type"] == "/problems/historical-entry-forbidden"
        assert (await client.get(f"/v1/applications/{draft['id']}")).json()["status"] == "draft"
        assert (await client.post(url, headers=own)).status_code == 200  # submitting now

    async def test_another_persons_application_stays_a_404(
            self, client: httpx.AsyncClient, session: AsyncSession,
            mint_token: TokenMinter) -> None:
        client.headers["Authorization"] = f"Bearer {mint_token('admin')}"
        programme = await create_programme(client)
        draft = await apply(client, candidate=await candidate_id(session), programme=programme)
        stranger = mint_token("candidate", candidate_id=uuid.uuid4())
        response = await client.post(
            f"/v1/applications/{draft['id']}/submit", json={"submitted_at": NOW.isoformat()},
            headers={"Authorization": f"Bearer {stranger}"})
        assert response.status_code == 404

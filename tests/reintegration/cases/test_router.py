"""Returnee cases over HTTP: reading, filtering, notes, assignment and closing."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.signing import Signer
from tests.etags import if_match
from tests.reintegration.factories import PROBLEM, follow_ups_of, open_case, outbox_events


@pytest.fixture
async def case(client: httpx.AsyncClient, signer: Signer) -> dict[str, Any]:
    return await open_case(client, signer)


class TestRead:
    async def test_get_has_an_etag(self, client: httpx.AsyncClient,
                                   case: dict[str, Any]) -> None:
        response = await client.get(f"/v1/returnee-cases/{case['id']}")
        assert response.json() == case
        assert response.headers["etag"] == '"1"'

    async def test_missing_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/returnee-cases/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/returnee-case-not-found"

    async def test_filters(self, client: httpx.AsyncClient, signer: Signer) -> None:
        programme = uuid.uuid4()
        ma = await open_case(client, signer, programme_id=programme, origin_country="MA")
        ng = await open_case(client, signer, programme_id=programme, origin_country="NG")
        await client.post(f"/v1/returnee-cases/{ng['id']}/assign",
                          json={"caseworker_subject": "officer-7"})
        await client.post(f"/v1/returnee-cases/{ma['id']}/close", json={"reason": "other"})

        async def listed(**params: Any) -> set[str]:
            response = await client.get("/v1/returnee-cases",
                                        params={"programme_id": str(programme), **params})
            return {c["id"] for c in response.json()["items"]}

        assert await listed() == {ma["id"], ng["id"]}
        assert await listed(origin_country="NG") == {ng["id"]}
        assert await listed(caseworker="officer-7") == {ng["id"]}
        assert await listed(status="closed") == {ma["id"]}
        assert (await client.get("/v1/returnee-cases", params={"status": "lost"})
                ).status_code == 422


class TestEdit:
    async def test_notes_with_if_match(self, client: httpx.AsyncClient,
                                       case: dict[str, Any]) -> None:
        url = f"/v1/returnee-cases/{case['id']}"
        changed = await client.patch(url, json={"notes": "Prefers calls"},
                                     headers={"If-Match": '"1"'})
        assert changed.status_code == 200
        assert (changed.json()["notes"], changed.headers["etag"]) == ("Prefers calls", '"2"')
        stale = await client.patch(url, json={"notes": "x"}, headers={"If-Match": '"1"'})
        assert stale.status_code == 412
        cleared = await client.patch(url, json={"notes": None}, headers=if_match(changed))
        assert cleared.json()["notes"] is None

    @pytest.mark.parametrize("body", [{"status": "closed"}, {"caseworker_subject": "x"},
                                      {"return_date": "2026-01-01"}, {"notes": "x" * 5001}])
    async def test_refused_fields(self, client: httpx.AsyncClient, case: dict[str, Any],
                                  body: dict[str, Any]) -> None:
        response = await client.patch(f"/v1/returnee-cases/{case['id']}", json=body,
                                      headers=if_match(case))
        assert response.status_code == 422


class TestAssign:
    async def test_assign_and_unassign(self, client: httpx.AsyncClient,
                                       case: dict[str, Any]) -> None:
        url = f"/v1/returnee-cases/{case['id']}/assign"
        assigned = await client.post(url, json={"caseworker_subject": "officer-42"})
        assert assigned.json()["caseworker_subject"] == "officer-42"
        unassigned = await client.post(url, json={"caseworker_subject": None})
        assert unassigned.json()["caseworker_subject"] is None
        assert (await client.post(url, json={})).status_code == 422
        assert (await client.post(url, json={"caseworker_subject": ""})).status_code == 422


class TestClose:
    async def test_close_cancels_waiting_follow_ups_and_publishes(
            self, client: httpx.AsyncClient, session: AsyncSession,
            case: dict[str, Any]) -> None:
        response = await client.post(f"/v1/returnee-cases/{case['id']}/close",
                                     json={"reason": "follow_up_finished"})
        assert response.status_code == 200, response.text
        closed = response.json()
        assert (closed["status"], closed["close_reason"]) == ("closed", "follow_up_finished")
        assert {f["status"] for f in await follow_ups_of(client, case)} == {"cancelled"}
        [event] = await outbox_events(session, "case.closed")
        assert event == {"case_id": case["id"], "placement_id": case["placement_id"],
                         "programme_id": case["programme_id"],
                         "candidate_id": case["candidate_id"],
                         "close_reason": "follow_up_finished",
                         "closed_at": closed["closed_at"]}

    async def test_closed_case_refuses_actions(self, client: httpx.AsyncClient,
                                               case: dict[str, Any]) -> None:
        url = f"/v1/returnee-cases/{case['id']}"
        await client.post(f"{url}/close", json={"reason": "other"})
        again = await client.post(f"{url}/close", json={"reason": "other"})
        assert again.status_code == 409 and again.json()["current_state"] == "closed"
        assign = await client.post(f"{url}/assign", json={"caseworker_subject": "o"})
        assert assign.status_code == 409
        support = await client.post("/v1/support-measures",
                                    json={"case_id": case["id"], "kind": "mentoring"})
        assert support.status_code == 409

    async def test_unknown_reason_is_422(self, client: httpx.AsyncClient,
                                         case: dict[str, Any]) -> None:
        response = await client.post(f"/v1/returnee-cases/{case['id']}/close",
                                     json={"reason": "bored"})
        assert response.status_code == 422

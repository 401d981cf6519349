"""The due-soon and overdue lists, filtered by programme, country and caseworker."""

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration.followups.overdue import mark_overdue
from shared.events.signing import Signer
from shared.pagination import encode_cursor
from tests.pages import all_pages
from tests.reintegration.factories import open_case

Auth = Callable[..., dict[str, str]]
NOW = "2026-03-10T12:00:00+00:00"


async def ids(client: httpx.AsyncClient, headers: dict[str, str] | None = None,
              **params: Any) -> list[tuple[str, int]]:
    response = await client.get("/v1/follow-ups", params={"limit": 200, **params},
                                headers=headers)
    assert response.status_code == 200, response.text
    return [(f["case_id"], f["point_months"]) for f in response.json()["items"]]


async def old_and_fresh(client: httpx.AsyncClient, signer: Signer, clock: Any,
                        programme: uuid.UUID) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two cases of ``programme`` on ``NOW``, whose follow-ups' windows interleave."""
    clock.set(NOW)
    # Returned 1 January: the at-return window closed on 1 February, the one-month
    # one (due 1 February) on 4 March: both overdue; three months due 1 April.
    old = await open_case(client, signer, programme_id=programme,
                          actual_end_date=date(2026, 1, 1))
    # Returned 5 March: at-return open now; one month due 5 April.
    fresh = await open_case(client, signer, programme_id=programme,
                            actual_end_date=date(2026, 3, 5))
    return old, fresh


class TestDueLists:
    async def test_due_soon_and_overdue(self, client: httpx.AsyncClient, signer: Signer,
                                        clock: Any, session: AsyncSession) -> None:
        programme = uuid.uuid4()
        old, fresh = await old_and_fresh(client, signer, clock, programme)
        soon = await ids(client, programme_id=programme, due="soon")
        assert soon == [(fresh["id"], 0)]
        assert await ids(client, programme_id=programme, due="soon", within_days=30) == [
            (fresh["id"], 0), (old["id"], 3), (fresh["id"], 1)]
        overdue = [(old["id"], 0), (old["id"], 1)]
        # Not yet marked by the job, already on the overdue list; the same once marked.
        assert await ids(client, programme_id=programme, due="overdue") == overdue
        await mark_overdue(session, now=clock.now)
        assert await ids(client, programme_id=programme, due="overdue") == overdue
        assert await ids(client, programme_id=programme, status="overdue") == overdue

    async def test_filters(self, client: httpx.AsyncClient, signer: Signer, clock: Any,
                           auth: Auth) -> None:
        programme, other = uuid.uuid4(), uuid.uuid4()
        clock.set(NOW)
        returned = date(2026, 3, 1)
        ma = await open_case(client, signer, programme_id=programme, origin_country="MA",
                             actual_end_date=returned)
        tn = await open_case(client, signer, programme_id=programme, origin_country="TN",
                             actual_end_date=returned)
        elsewhere = await open_case(client, signer, programme_id=other, actual_end_date=returned)
        officer = auth("officer", subject="officer-amina", programme_ids=(programme, other))
        await client.post(f"/v1/returnee-cases/{tn['id']}/assign",
                          json={"caseworker_subject": "officer-amina"})
        due = {"due": "soon"}
        assert {c for c, _ in await ids(client, officer, **due)} >= \
            {ma["id"], tn["id"], elsewhere["id"]}
        assert {c for c, _ in await ids(client, officer, programme_id=programme, **due)} == \
            {ma["id"], tn["id"]}
        assert await ids(client, officer, origin_country="TN", programme_id=programme,
                         **due) == [(tn["id"], 0)]
        assert await ids(client, officer, caseworker="me", **due) == [(tn["id"], 0)]
        assert await ids(client, caseworker="officer-amina", **due) == [(tn["id"], 0)]
        assert await ids(client, officer, case_id=ma["id"]) == [
            (ma["id"], p) for p in (0, 1, 3, 6, 12)]
        bad = await client.get("/v1/follow-ups", params={"origin_country": "XX"})
        assert bad.status_code == 422

    async def test_pages(self, client: httpx.AsyncClient, signer: Signer) -> None:
        case = await open_case(client, signer)
        seen: list[int] = []
        cursor = None
        for _ in range(5):
            params: dict[str, Any] = {"case_id": case["id"], "limit": 2}
            if cursor:
                params["cursor"] = cursor
            body = (await client.get("/v1/follow-ups", params=params)).json()
            seen += [f["point_months"] for f in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert seen == [0, 1, 3, 6, 12]

    async def test_pages_follow_the_closing_order_across_cases(
            self, client: httpx.AsyncClient, signer: Signer, clock: Any) -> None:
        # Two cases whose windows interleave: the walk follows window_closes_at, not the
        # order the rows were created in, and loses or repeats nothing between pages.
        programme = uuid.uuid4()
        old, fresh = await old_and_fresh(client, signer, clock, programme)
        whole = await client.get("/v1/follow-ups", params={"programme_id": str(programme)})
        listed = whole.json()["items"]
        walked = await all_pages(client, "/v1/follow-ups", programme_id=str(programme), limit=3)
        assert walked == listed and len(walked) == 10
        closing = [f["window_closes_at"] for f in walked]
        assert closing == sorted(closing)
        cases = [f["case_id"] for f in walked]
        assert cases[:4] == [old["id"], old["id"], fresh["id"], old["id"]]

    @pytest.mark.parametrize("cursor", [
        encode_cursor(1, "A-LANG"),  # a training-modules cursor: (position, code)
        encode_cursor(date(2026, 4, 1), "client-1"),
        "bm9wZQ",
    ])
    async def test_foreign_cursor_is_400(self, client: httpx.AsyncClient, cursor: str) -> None:
        response = await client.get("/v1/follow-ups", params={"cursor": cursor})
        assert response.status_code == 400
        assert response.json()["type"] == "/problems/invalid-cursor"

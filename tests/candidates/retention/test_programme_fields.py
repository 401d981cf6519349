"""Each programme declares its follow-up and retention months: documented defaults, shown to
whoever reads the programme, validated on create and on PATCH (a 422 problem that changes
nothing)."""

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.programmes.models import Programme
from tests.candidates.factories import create_programme, programme_body
from tests.etags import NEW

PROBLEM = "application/problem+json"


class TestRetentionFields:
    async def test_defaults_are_shown(self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client)
        assert (programme["follow_up_months"], programme["retention_months"]) == (12, 60)
        read = (await client.get(f"/v1/programmes/{programme['id']}")).json()
        assert (read["follow_up_months"], read["retention_months"]) == (12, 60)

    async def test_declared_and_changed(self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client, follow_up_months=24, retention_months=36)
        assert (programme["follow_up_months"], programme["retention_months"]) == (24, 36)
        changed = await client.patch(f"/v1/programmes/{programme['id']}",
                                     json={"retention_months": 0}, headers=NEW)
        assert changed.status_code == 200, changed.text
        assert (changed.json()["follow_up_months"], changed.json()["retention_months"]) == (24, 0)

    @pytest.mark.parametrize(("field", "value"), [
        ("retention_months", -1), ("retention_months", 241), ("retention_months", "five"),
        ("retention_months", 1.5), ("retention_months", None),
        ("follow_up_months", -1), ("follow_up_months", 121), ("follow_up_months", None),
    ])
    async def test_bad_values_are_422_on_create(self, client: httpx.AsyncClient,
                                                session: AsyncSession, field: str,
                                                value: Any) -> None:
        body = programme_body(**{field: value})
        response = await client.post("/v1/programmes", json=body)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
        assert field in str(response.json()["errors"])
        assert await session.scalar(select(func.count()).select_from(Programme).where(
            Programme.code == body["code"])) == 0

    @pytest.mark.parametrize(("field", "value"), [
        ("retention_months", 241), ("retention_months", None), ("follow_up_months", -3),
        ("follow_up_months", "twelve"),
    ])
    async def test_bad_values_are_422_on_patch(self, client: httpx.AsyncClient, field: str,
                                               value: Any) -> None:
        programme = await create_programme(client, retention_months=24)
        response = await client.patch(f"/v1/programmes/{programme['id']}", json={field: value},
                                      headers=NEW)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
        read = (await client.get(f"/v1/programmes/{programme['id']}")).json()
        assert (read["retention_months"], read["version"]) == (24, programme["version"])

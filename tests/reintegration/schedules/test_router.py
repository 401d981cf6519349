"""Each programme's follow-up schedule: the default, setting it, who may, and If-Match."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.etags import DEFAULT_SCHEDULE

Auth = Callable[..., dict[str, str]]


class TestSchedule:
    async def test_default_until_set(self, client: httpx.AsyncClient) -> None:
        programme = uuid.uuid4()
        response = await client.get(f"/v1/follow-up-schedules/{programme}")
        assert response.status_code == 200
        assert response.json() == {"programme_id": str(programme),
                                   "points_months": [0, 1, 3, 6, 12], "window_days": 30,
                                   "is_default": True, "version": 0, "updated_at": None}
        assert response.headers["etag"] == '"0"'

    async def test_set_then_replace_with_if_match(self, client: httpx.AsyncClient) -> None:
        url = f"/v1/follow-up-schedules/{uuid.uuid4()}"
        without = await client.put(url, json={"points_months": [0, 6, 12], "window_days": 45})
        assert (without.status_code, without.json()["type"]) == (
            428, "/problems/precondition-required")
        first = await client.put(url, json={"points_months": [0, 6, 12], "window_days": 45},
                                 headers=DEFAULT_SCHEDULE)
        assert first.status_code == 200, first.text
        assert (first.json()["is_default"], first.json()["version"]) == (False, 1)
        assert first.headers["etag"] == '"1"'
        stale = await client.put(url, json={"points_months": [1], "window_days": 10},
                                 headers={"If-Match": '"7"'})
        assert stale.status_code == 412
        second = await client.put(url, json={"points_months": [1], "window_days": 10},
                                  headers={"If-Match": first.headers["etag"]})
        assert second.json()["version"] == 2
        assert (await client.get(url)).json()["points_months"] == [1]

    @pytest.mark.parametrize("body", [
        {"points_months": [], "window_days": 30},
        {"points_months": [0, 3, 3], "window_days": 30},
        {"points_months": [6, 3], "window_days": 30},
        {"points_months": [-1, 3], "window_days": 30},
        {"points_months": [0, 121], "window_days": 30},
        {"points_months": [0, 1], "window_days": 0},
        {"points_months": [0, 1], "window_days": 366},
        {"points_months": [0, 1]},
        {"points_months": [0, 1], "window_days": 30, "programme_id": str(uuid.uuid4())},
        {"points_months": list(range(25)), "window_days": 30},
    ])
    async def test_invalid(self, client: httpx.AsyncClient, body: dict[str, Any]) -> None:
        url = f"/v1/follow-up-schedules/{uuid.uuid4()}"
        response = await client.put(url, json=body, headers=DEFAULT_SCHEDULE)
        assert response.status_code == 422, response.text
        assert (await client.get(url)).json()["is_default"] is True


class TestSchedulePermissions:
    async def test_roles(self, client: httpx.AsyncClient, auth: Auth) -> None:
        programme = uuid.uuid4()
        url = f"/v1/follow-up-schedules/{programme}"
        body = {"points_months": [0, 12], "window_days": 30}
        mine = {"programme_ids": (programme,)}
        others = {"programme_ids": (uuid.uuid4(),)}
        assert (await client.put(url, json=body, headers={
            **auth("officer", **mine), **DEFAULT_SCHEDULE})).status_code == 200
        assert (await client.put(url, json=body, headers={
            **auth("officer", **others), "If-Match": "*"})).status_code == 404
        assert (await client.put(url, json=body, headers={
            **auth("ministry", **mine), "If-Match": "*"})).status_code == 403
        assert (await client.get(url, headers=auth("ministry", **mine))).status_code == 200
        assert (await client.get(url, headers=auth("ministry", **others))).status_code == 404
        for role in ("candidate", "employer", "institution"):
            assert (await client.get(url, headers=auth(role))).status_code == 403

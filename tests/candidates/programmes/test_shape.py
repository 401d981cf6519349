"""A programme's shape over HTTP: stay types, repeat stays, planned figures, stay limits,
destination regions and seasons; every bad value a 4xx naming the field, nothing stored."""

from typing import Any

import httpx
import pytest

from tests.candidates.factories import create_programme, programme_body
from tests.etags import NEW

WAFIRA = {
    "origin_countries": ["MA"], "destination_countries": ["ES"],
    "stay_types": ["seasonal"], "repeat_stays": True,
    "planned": {"applicants": None, "trained": 300, "moved": 250},
    "max_stay_months": 6, "max_extension_months": 0,
    "destination_regions": ["ES-AN", "ES-H"],
    "seasons": [{"name": "2024", "starts_on": "2024-02-01", "ends_on": "2024-06-30"},
                {"name": "2025", "starts_on": "2025-02-01", "ends_on": "2025-06-30"}],
}


def _locs(response: httpx.Response) -> list[list[str]]:
    return [[str(step) for step in e["loc"]] for e in response.json().get("errors") or []]


class TestCreate:
    async def test_the_shape_is_kept(self, client: httpx.AsyncClient) -> None:
        body = await create_programme(client, **WAFIRA)
        for name, value in WAFIRA.items():
            assert body[name] == value, name
        assert body["suspended_origins"] == []
        assert (await client.get(f"/v1/programmes/{body['id']}")).json() == body

    async def test_defaults_are_what_every_programme_was(self, client: httpx.AsyncClient) -> None:
        body = await create_programme(client)
        assert body["stay_types"] == ["work"] and body["repeat_stays"] is False
        assert body["planned"] == {"applicants": None, "trained": None, "moved": None}
        assert (body["max_stay_months"], body["max_extension_months"]) == (None, None)
        assert body["destination_regions"] == body["seasons"] == body["suspended_origins"] == []

    @pytest.mark.parametrize(("bad", "loc"), [
        ({"stay_types": []}, ["body", "stay_types"]),
        ({"stay_types": ["cruise"]}, ["body", "stay_types", "0"]),
        ({"stay_types": ["work", "work"]}, ["body", "stay_types"]),
        ({"repeat_stays": "sometimes"}, ["body", "repeat_stays"]),
        ({"planned": {"moved": -1}}, ["body", "planned", "moved"]),
        ({"planned": {"departed": 3}}, ["body", "planned", "departed"]),
        ({"max_stay_months": 0}, ["body", "max_stay_months"]),
        ({"max_stay_months": 121}, ["body", "max_stay_months"]),
        ({"max_extension_months": -1}, ["body", "max_extension_months"]),
        ({"max_extension_months": 121}, ["body", "max_extension_months"]),
        ({"destination_regions": ["FLANDERS"]}, ["body", "destination_regions", "0"]),
        ({"destination_regions": ["BE-XXX"]}, ["body", "destination_regions", "0"]),
        ({"seasons": [{"name": "2024", "starts_on": "2024-06-30",
                       "ends_on": "2024-02-01"}]}, ["body", "seasons", "0"]),
        ({"seasons": [{"name": "2024", "starts_on": "2024-02-01", "ends_on": "2024-06-30"},
                      {"name": "2024", "starts_on": "2025-02-01", "ends_on": "2025-06-30"}]},
         ["body", "seasons"]),
        ({"seasons": [{"name": "", "starts_on": "2024-02-01", "ends_on": "2024-06-30"}]},
         ["body", "seasons", "0", "name"]),
    ])
    async def test_bad_values_are_422_naming_the_field(
            self, client: httpx.AsyncClient, bad: dict[str, Any], loc: list[str]) -> None:
        response = await client.post("/v1/programmes", json=programme_body(
            sectors=["refused_shape"], **{**WAFIRA, **bad}))
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/validation"
        assert loc in _locs(response), _locs(response)
        listed = await client.get("/v1/programmes", params={"sector": "refused_shape"})
        assert listed.json()["items"] == []

    @pytest.mark.parametrize(("bad", "field"), [
        ({"destination_regions": ["IT-25"]}, "destination_regions"),  # Lombardy, not Spain
        ({"stay_types": ["work"]}, "seasons"),  # seasons without seasonal stays
    ])
    async def test_fields_that_disagree_are_422_naming_the_field(
            self, client: httpx.AsyncClient, bad: dict[str, Any], field: str) -> None:
        response = await client.post("/v1/programmes", json=programme_body(
            sectors=["refused_shape"], **{**WAFIRA, **bad}))
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/invalid-programme-shape"
        assert _locs(response) == [["body", field]]
        listed = await client.get("/v1/programmes", params={"sector": "refused_shape"})
        assert listed.json()["items"] == []


class TestUpdate:
    async def test_patch_changes_the_shape(self, client: httpx.AsyncClient) -> None:
        created = await create_programme(client, **WAFIRA)
        url = f"/v1/programmes/{created['id']}"
        response = await client.patch(url, json={
            "planned": {"applicants": 9677, "trained": 120, "moved": 30},
            "max_stay_months": None, "seasons": [], "stay_types": ["work", "seasonal"]},
            headers={"If-Match": '"1"'})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["planned"] == {"applicants": 9677, "trained": 120, "moved": 30}
        assert body["max_stay_months"] is None and body["seasons"] == []
        assert body["stay_types"] == ["work", "seasonal"] and body["version"] == 2
        assert body["destination_regions"] == WAFIRA["destination_regions"]  # untouched

    @pytest.mark.parametrize(("change", "field"), [
        ({"destination_countries": ["PT"]}, "destination_regions"),
        ({"stay_types": ["work"]}, "seasons"),
        ({"destination_regions": ["FR-IDF"]}, "destination_regions"),
    ])
    async def test_a_change_that_breaks_the_shape_is_422_and_changes_nothing(
            self, client: httpx.AsyncClient, change: dict[str, Any], field: str) -> None:
        created = await create_programme(client, **WAFIRA)
        url = f"/v1/programmes/{created['id']}"
        response = await client.patch(url, json=change, headers=NEW)
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/invalid-programme-shape"
        assert _locs(response) == [["body", field]]
        assert (await client.get(url)).json() == created

    @pytest.mark.parametrize("bad", [{"stay_types": None}, {"planned": None},
                                     {"repeat_stays": None}, {"seasons": None},
                                     {"destination_regions": None}, {"stay_types": []},
                                     {"suspended_origins": []}])
    async def test_bad_patch_is_422_and_changes_nothing(self, client: httpx.AsyncClient,
                                                        bad: dict[str, Any]) -> None:
        created = await create_programme(client, **WAFIRA)
        url = f"/v1/programmes/{created['id']}"
        response = await client.patch(url, json=bad, headers=NEW)
        assert response.status_code == 422, response.text
        assert (await client.get(url)).json() == created

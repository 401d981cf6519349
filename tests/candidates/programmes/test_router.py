"""Programmes over HTTP: create, read, list, update, and every bad input."""

import asyncio
import uuid
from collections.abc import Callable

import httpx

from tests.candidates.factories import create_programme, programme_body
from tests.etags import NEW

PROBLEM = "application/problem+json"


class TestCreateProgramme:
    async def test_created_with_location_and_etag(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/programmes", json=programme_body(capacity=41))
        assert response.status_code == 201
        body = response.json()
        assert body["capacity"] == 41 and body["version"] == 1
        assert response.headers["location"] == f"/v1/programmes/{body['id']}"
        assert response.headers["etag"] == '"1"'
        assert body["eligibility"]["required_languages"] == [{"language": "fr", "min_level": "B1"}]

    async def test_duplicate_code_is_409(self, client: httpx.AsyncClient) -> None:
        first = await create_programme(client)
        response = await client.post("/v1/programmes", json=programme_body(code=first["code"]))
        assert response.status_code == 409
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/programme-code-taken"

    async def test_unknown_field_is_rejected(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/programmes", json=programme_body(status="open"))
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM
        assert ["body", "status"] in [e["loc"] for e in response.json()["errors"]]

    async def test_bad_values_are_rejected(self, client: httpx.AsyncClient) -> None:
        for bad in ({"origin_countries": ["XX"]}, {"capacity": 0}, {"capacity": "many"},
                    {"gender_balance_min_share": "1.5"},
                    {"gender_balance_min_share": "-0.1"},
                    {"gender_targets": {"nonbinary": 2}}, {"gender_targets": {"female": -1}},
                    {"eligibility": {"genders": ["women"]}}, {"eligibility": {"genders": []}},
                    {"intake_opens_at": "2026-01-01"},
                    {"eligibility": {"min_age": 40, "max_age": 20}},
                    {"eligibility": {"required_languages": [{"language": "fr",
                                                             "min_level": "D1"}]}},
                    {"intake_closes_at": "2020-01-01T00:00:00Z"}):
            response = await client.post("/v1/programmes",
                                         json=programme_body(sectors=["rejected_only"], **bad))
            assert response.status_code == 422, (bad, response.text)
            assert response.json()["type"] == "/problems/validation"
            assert (await client.get("/v1/programmes", params={"sector": "rejected_only"})
                    ).json()["items"] == []

    async def test_malformed_json_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/programmes", content=b"{not json",
                                      headers={"content-type": "application/json"})
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM


class TestIdempotency:
    async def test_same_key_same_body_replays(self, client: httpx.AsyncClient) -> None:
        body = programme_body(sectors=["replayed"])
        headers = {"Idempotency-Key": "create-homere-1"}
        first = await client.post("/v1/programmes", json=body, headers=headers)
        second = await client.post("/v1/programmes", json=body, headers=headers)
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert second.headers["idempotent-replayed"] == "true"
        listed = await client.get("/v1/programmes", params={"sector": "replayed"})
        assert len(listed.json()["items"]) == 1

    async def test_same_key_other_body_is_422(self, client: httpx.AsyncClient) -> None:
        headers = {"Idempotency-Key": "create-homere-2"}
        await client.post("/v1/programmes", json=programme_body(), headers=headers)
        response = await client.post("/v1/programmes", json=programme_body(), headers=headers)
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/idempotency-key-reused"

    async def test_failed_create_frees_the_key(self, client: httpx.AsyncClient) -> None:
        existing = await create_programme(client)
        headers = {"Idempotency-Key": "retry-after-fix"}
        clash = programme_body(code=existing["code"])
        assert (await client.post("/v1/programmes", json=clash, headers=headers)).status_code == 409
        fixed = await client.post("/v1/programmes", json=clash | {"code": "FIXED-1"},
                                  headers=headers)
        assert fixed.status_code == 201

    async def test_concurrent_same_key_creates_once(
        self, committing_client: httpx.AsyncClient
    ) -> None:
        body = programme_body()
        headers = {"Idempotency-Key": f"race-{uuid.uuid4()}"}
        responses = await asyncio.gather(*[
            committing_client.post("/v1/programmes", json=body, headers=headers)
            for _ in range(5)])
        assert {r.status_code for r in responses} == {201}
        assert len({r.json()["id"] for r in responses}) == 1

    async def test_keys_belong_to_their_caller(self, client: httpx.AsyncClient,
                                               mint_token: Callable[[str], str]) -> None:
        body = programme_body(sectors=["per_caller"])
        first = await client.post("/v1/programmes", json=body, headers={
            "Idempotency-Key": "shared-key", "Authorization": f"Bearer {mint_token('admin')}"})
        other = await client.post("/v1/programmes", json=body | {"code": "OTHER-CALLER"},
                                  headers={"Idempotency-Key": "shared-key",
                                           "Authorization": f"Bearer {mint_token('admin')}"})
        assert first.status_code == other.status_code == 201
        assert "idempotent-replayed" not in other.headers
        assert other.json()["id"] != first.json()["id"]

    async def test_invalid_key_is_400(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/programmes", json=programme_body(),
                                     headers={"Idempotency-Key": "x" * 300})
        assert response.status_code == 400


class TestReadProgramme:
    async def test_get_by_id(self, client: httpx.AsyncClient) -> None:
        created = await create_programme(client)
        response = await client.get(f"/v1/programmes/{created['id']}")
        assert response.status_code == 200
        assert response.json() == created

    async def test_unknown_is_404_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/programmes/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/programme-not-found"

    async def test_malformed_id_is_422(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/programmes/not-a-uuid")).status_code == 422


class TestListProgrammes:
    async def test_pages_through_everything_once(self, client: httpx.AsyncClient) -> None:
        created = {(await create_programme(client, sectors=["paged"]))["id"] for _ in range(5)}
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 2, "sector": "paged"} | ({"cursor": cursor} if cursor else {})
            body = (await client.get("/v1/programmes", params=params)).json()
            seen += [p["id"] for p in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(created)

    async def test_filters(self, client: httpx.AsyncClient) -> None:
        italy = await create_programme(client, destination_countries=["IT"],
                                       sectors=["textiles"])
        await create_programme(client, destination_countries=["BE"], sectors=["logistics"])
        body = (await client.get("/v1/programmes", params={"destination_country": "IT",
                                                           "sector": "textiles"})).json()
        assert [p["id"] for p in body["items"]] == [italy["id"]]
        body = (await client.get("/v1/programmes", params={"sector": "logistics"})).json()
        assert len(body["items"]) == 1

    async def test_open_for_intake(self, client: httpx.AsyncClient) -> None:
        open_now = await create_programme(client, sectors=["windowed"])
        await create_programme(client, sectors=["windowed"], intake_opens_at="2020-01-01T00:00:00Z",
                               intake_closes_at="2020-02-01T00:00:00Z")
        body = (await client.get("/v1/programmes", params={"open_for_intake": "true",
                                                           "sector": "windowed"})).json()
        assert [p["id"] for p in body["items"]] == [open_now["id"]]

    async def test_oversized_page_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/programmes", params={"limit": 201})
        assert response.status_code == 422

    async def test_forged_cursor_is_400(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/programmes", params={"cursor": "bm9wZQ"})
        assert response.status_code == 400
        assert response.json()["type"] == "/problems/invalid-cursor"


class TestUpdateProgramme:
    async def test_patch_with_current_etag(self, client: httpx.AsyncClient) -> None:
        created = await create_programme(client)
        response = await client.patch(f"/v1/programmes/{created['id']}", json={"capacity": 30},
                                      headers={"If-Match": '"1"'})
        assert response.status_code == 200
        assert response.json()["capacity"] == 30
        assert response.headers["etag"] == '"2"'

    async def test_stale_etag_is_412_and_changes_nothing(self, client: httpx.AsyncClient) -> None:
        created = await create_programme(client)
        url = f"/v1/programmes/{created['id']}"
        await client.patch(url, json={"capacity": 30}, headers={"If-Match": '"1"'})
        stale = await client.patch(url, json={"capacity": 10}, headers={"If-Match": '"1"'})
        assert stale.status_code == 412
        assert (await client.get(url)).json()["capacity"] == 30

    async def test_window_must_stay_ordered(self, client: httpx.AsyncClient) -> None:
        created = await create_programme(client)
        response = await client.patch(f"/v1/programmes/{created['id']}",
                                      json={"intake_closes_at": "2000-01-01T00:00:00Z"},
                                      headers=NEW)
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/invalid-intake-window"

    async def test_null_for_required_field_is_422(self, client: httpx.AsyncClient) -> None:
        created = await create_programme(client)
        response = await client.patch(f"/v1/programmes/{created['id']}", json={"name": None},
                                      headers=NEW)
        assert response.status_code == 422

    async def test_unknown_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.patch(f"/v1/programmes/{uuid.uuid4()}", json={"capacity": 3},
                                      headers=NEW)
        assert response.status_code == 404


class TestGenderTargets:
    async def test_women_only_with_full_share_and_a_split(self, client: httpx.AsyncClient) -> None:
        created = await create_programme(
            client, capacity=30, gender_balance_min_share="1.00",
            gender_targets={"female": 30},
            eligibility={"genders": ["female"], "residence_countries": ["MA"],
                         "first_time_only": True})
        assert created["gender_balance_min_share"] == "1.00"
        assert created["gender_targets"] == {"female": 30}
        assert created["eligibility"]["genders"] == ["female"]
        assert created["eligibility"]["first_time_only"] is True
        plain = await create_programme(client)
        assert plain["gender_targets"] is None
        assert plain["eligibility"]["genders"] is None

    async def test_targets_that_cannot_hold_together_are_422_naming_the_field(
        self, client: httpx.AsyncClient
    ) -> None:
        for field, bad in (
            ("gender_balance_min_share", {"gender_balance_min_share": "0.7"}),
            ("gender_targets", {"capacity": 4, "gender_targets": {"female": 3, "male": 2}}),
            ("gender_targets", {"capacity": 10, "gender_balance_min_share": "0.5",
                                "gender_targets": {"female": 2, "male": 8}}),
            ("gender_targets", {"gender_balance_min_share": None,
                                "eligibility": {"genders": ["female"]},
                                "gender_targets": {"female": 5, "male": 1}}),
        ):
            response = await client.post("/v1/programmes",
                                         json=programme_body(sectors=["rejected_only"], **bad))
            assert response.status_code == 422, (bad, response.text)
            body = response.json()
            assert body["type"] == "/problems/invalid-gender-targets", body
            assert [e["loc"] for e in body["errors"]] == [["body", field]], body
            assert body["detail"].startswith(f"{field}: ")
        assert (await client.get("/v1/programmes", params={"sector": "rejected_only"})
                ).json()["items"] == []

    async def test_patch_keeps_the_split_within_capacity(self, client: httpx.AsyncClient) -> None:
        created = await create_programme(client, capacity=5, gender_balance_min_share=None,
                                         gender_targets={"female": 2, "male": 3})
        url = f"/v1/programmes/{created['id']}"
        response = await client.patch(url, json={"capacity": 4}, headers=NEW)
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", "gender_targets"]
        assert (await client.get(url)).json()["capacity"] == 5
        response = await client.patch(url, json={"capacity": 4, "gender_targets": None},
                                      headers=NEW)
        assert response.status_code == 200, response.text
        assert response.json()["gender_targets"] is None

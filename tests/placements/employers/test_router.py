"""Employers over HTTP: create, read, list, update, delete, bad input and who may do what."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.etags import NEW, if_match
from tests.pages import all_pages
from tests.placements.factories import (
    PROBLEM,
    create_employer,
    create_vacancy,
    employer_body,
)

Auth = Callable[..., dict[str, str]]


class TestCreateEmployer:
    async def test_created_with_location_and_etag(self, client: httpx.AsyncClient) -> None:
        body = employer_body(programme_ids=(uuid.uuid4(),))
        response = await client.post("/v1/employers", json=body)
        assert response.status_code == 201, response.text
        created = response.json()
        assert {k: created[k] for k in body} == body
        assert created["version"] == 1
        assert response.headers["location"] == f"/v1/employers/{created['id']}"
        assert response.headers["etag"] == '"1"'

    async def test_optional_fields(self, client: httpx.AsyncClient) -> None:
        body = {k: v for k, v in employer_body().items()
                if k in ("name", "country", "sector", "size")}
        created = (await client.post("/v1/employers", json=body)).json()
        assert (created["city"], created["contacts"], created["agreements"],
                created["operates_in_origin_countries"]) == (None, [], [], [])

    @pytest.mark.parametrize("bad", [
        {"id": str(uuid.uuid4())}, {"version": 3}, {"rating": 5},
        {"name": ""}, {"name": 42}, {"country": "XX"}, {"country": "fr"}, {"size": "huge"},
        {"kind": "university"}, {"kind": None},
        {"sector": "Not A Sector"}, {"operates_in_origin_countries": ["MA", "MA"]},
        {"operates_in_origin_countries": "MA"},
        {"contacts": [{"name": "X", "email": "not-an-email"}]},
        {"contacts": [{"name": "X", "email": "x@example.org", "phone": "0612"}]},
        {"contacts": [{"email": "x@example.org"}]},
        {"agreements": [{"programme_id": "nope", "signed_date": "2026-01-10"}]},
        {"agreements": [{"programme_id": str(uuid.uuid4()), "signed_date": "2026-02-30"}]},
        {"agreements": [{"programme_id": str(uuid.uuid4()), "signed_date": "2999-01-01"}]},
        {"agreements": [{"programme_id": str(uuid.uuid4()), "signed_date": "2026-01-10",
                         "obligations": {"stipend": True}}]},
        {"agreements": [{"programme_id": str(uuid.uuid4()), "signed_date": "2026-01-10",
                         "obligations": {"stipend_amount": "10.00",
                                         "stipend_currency": "EUR"}}]},
        {"agreements": [{"programme_id": str(uuid.uuid4()), "signed_date": "2026-01-10",
                         "obligations": {"stipend": True, "stipend_amount": "-1",
                                         "stipend_currency": "EUR"}}]},
        {"agreements": [{"programme_id": str(uuid.uuid4()), "signed_date": "2026-01-10",
                         "obligations": {"stipend": True, "stipend_amount": "10",
                                         "stipend_currency": "EURO"}}]},
    ])
    async def test_bad_values_are_422_and_change_nothing(
        self, client: httpx.AsyncClient, bad: dict[str, Any]
    ) -> None:
        response = await client.post("/v1/employers", json=employer_body(country="TV") | bad)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/validation"
        assert (await client.get("/v1/employers", params={"country": "TV"})).json()["items"] == []

    async def test_one_agreement_per_programme(self, client: httpx.AsyncClient) -> None:
        programme = uuid.uuid4()
        response = await client.post("/v1/employers",
                                     json=employer_body(programme_ids=(programme, programme)))
        assert response.status_code == 422

    @pytest.mark.parametrize("missing", ["name", "country", "sector", "size"])
    async def test_missing_required_field(self, client: httpx.AsyncClient, missing: str) -> None:
        body = employer_body()
        del body[missing]
        response = await client.post("/v1/employers", json=body)
        assert response.status_code == 422
        assert ["body", missing] in [e["loc"] for e in response.json()["errors"]]


class TestEmployerKind:
    async def test_a_company_by_default_or_a_study_provider(
            self, client: httpx.AsyncClient) -> None:
        company = await create_employer(client)
        university = await create_employer(client, kind="study_provider",
                                           name="Universidad Politécnica de Madrid")
        assert (company["kind"], university["kind"]) == ("company", "study_provider")
        listed = await all_pages(client, "/v1/employers", kind="study_provider")
        assert university["id"] in {e["id"] for e in listed}
        assert company["id"] not in {e["id"] for e in listed}

    async def test_changes_only_while_the_host_has_no_vacancy(
            self, client: httpx.AsyncClient) -> None:
        employer = await create_employer(client)
        url = f"/v1/employers/{employer['id']}"
        changed = await client.patch(url, json={"kind": "study_provider"}, headers=NEW)
        assert changed.json()["kind"] == "study_provider"
        back = await client.patch(url, json={"kind": "company"}, headers=if_match(changed))
        await create_vacancy(client, employer=employer)
        refused = await client.patch(url, json={"kind": "study_provider"},
                                     headers=if_match(back))
        assert (refused.status_code, refused.json()["type"]) == (409, "/problems/employer-in-use")
        assert (await client.get(url)).json()["kind"] == "company"

    async def test_the_employer_may_not_set_its_kind(self, client: httpx.AsyncClient,
                                                     auth: Auth) -> None:
        own = await create_employer(client)
        response = await client.patch(
            f"/v1/employers/{own['id']}", json={"kind": "study_provider"},
            headers={**auth("employer", employer_id=uuid.UUID(own["id"])), **NEW})
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", "kind"]
        assert (await client.get(f"/v1/employers/{own['id']}")).json()["kind"] == "company"


class TestEmployerIdempotency:
    async def test_same_key_same_body_replays(self, client: httpx.AsyncClient) -> None:
        body = employer_body(country="LU")
        headers = {"Idempotency-Key": f"emp-{uuid.uuid4()}"}
        first = await client.post("/v1/employers", json=body, headers=headers)
        second = await client.post("/v1/employers", json=body, headers=headers)
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert second.headers["idempotent-replayed"] == "true"
        listed = await all_pages(client, "/v1/employers", country="LU")
        assert [e["id"] for e in listed if e["name"] == body["name"]] == [first.json()["id"]]

    async def test_same_key_other_body_is_422(self, client: httpx.AsyncClient) -> None:
        headers = {"Idempotency-Key": f"emp-{uuid.uuid4()}"}
        await client.post("/v1/employers", json=employer_body(), headers=headers)
        response = await client.post("/v1/employers", json=employer_body(), headers=headers)
        assert response.json()["type"] == "/problems/idempotency-key-reused"


class TestReadEmployer:
    async def test_get_with_etag(self, client: httpx.AsyncClient) -> None:
        created = await create_employer(client)
        response = await client.get(f"/v1/employers/{created['id']}")
        assert response.json() == created
        assert response.headers["etag"] == '"1"'

    async def test_unknown_is_404_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/employers/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/employer-not-found"

    async def test_malformed_id_is_422(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/employers/not-a-uuid")).status_code == 422


class TestListEmployers:
    async def test_filters(self, client: httpx.AsyncClient) -> None:
        programme = uuid.uuid4()
        ict = await create_employer(client, programme_id=programme, country="MT", size="micro")
        green = await create_employer(client, programme_id=programme, country="MT",
                                      sector="green_energy")
        elsewhere = await create_employer(client, country="MT")

        async def ids(**params: Any) -> set[str]:
            return {e["id"] for e in await all_pages(client, "/v1/employers", **params)}

        assert await ids(country="MT") == {ict["id"], green["id"], elsewhere["id"]}
        assert await ids(country="MT", sector="green_energy") == {green["id"]}
        assert await ids(country="MT", size="micro") == {ict["id"]}
        assert await ids(programme_id=str(programme)) == {ict["id"], green["id"]}

    async def test_pages(self, client: httpx.AsyncClient) -> None:
        created = {(await create_employer(client, country="CY"))["id"] for _ in range(3)}
        seen = [e["id"] for e in await all_pages(client, "/v1/employers", country="CY", limit=2)]
        assert sorted(seen) == sorted(created)

    @pytest.mark.parametrize("params", [{"country": "XX"}, {"size": "huge"}, {"limit": 0},
                                        {"limit": 201}, {"programme_id": "x"}])
    async def test_bad_filters_are_422(self, client: httpx.AsyncClient,
                                       params: dict[str, Any]) -> None:
        assert (await client.get("/v1/employers", params=params)).status_code == 422

    async def test_bad_cursor_is_400(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/employers", params={"cursor": "garbage"})
        assert response.json()["type"] == "/problems/invalid-cursor"


class TestUpdateEmployer:
    async def test_changes_fields_and_bumps_version(self, client: httpx.AsyncClient) -> None:
        created = await create_employer(client)
        response = await client.patch(f"/v1/employers/{created['id']}",
                                      json={"city": None, "size": "large"},
                                      headers={"If-Match": '"1"'})
        assert response.status_code == 200, response.text
        assert (response.json()["city"], response.json()["size"]) == (None, "large")
        assert response.headers["etag"] == '"2"'

    async def test_agreements_replace_and_move_the_programme_filter(
            self, client: httpx.AsyncClient) -> None:
        created = await create_employer(client)
        programme = str(uuid.uuid4())
        agreements = [{"programme_id": programme, "signed_date": "2026-03-01",
                       "obligations": {"housing_support": True}}]
        response = await client.patch(f"/v1/employers/{created['id']}",
                                      json={"agreements": agreements}, headers=NEW)
        assert response.json()["agreements"][0]["obligations"]["housing_support"] is True
        listed = await client.get("/v1/employers", params={"programme_id": programme})
        assert [e["id"] for e in listed.json()["items"]] == [created["id"]]

    async def test_stale_if_match_is_412(self, client: httpx.AsyncClient) -> None:
        created = await create_employer(client)
        await client.patch(f"/v1/employers/{created['id']}", json={"city": "Nice"}, headers=NEW)
        response = await client.patch(f"/v1/employers/{created['id']}", json={"city": "Paris"},
                                      headers={"If-Match": '"1"'})
        assert response.status_code == 412
        assert response.json()["current_version"] == 2

    @pytest.mark.parametrize("bad", [{"name": None}, {"size": None}, {"id": "x"},
                                     {"version": 2}, {"country": "XX"}])
    async def test_bad_patch_is_422(self, client: httpx.AsyncClient,
                                    bad: dict[str, Any]) -> None:
        created = await create_employer(client)
        response = await client.patch(f"/v1/employers/{created['id']}", json=bad, headers=NEW)
        assert response.status_code == 422

    async def test_unknown_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.patch(f"/v1/employers/{uuid.uuid4()}", json={"city": "X"},
                                      headers=NEW)
        assert response.status_code == 404


class TestDeleteEmployer:
    async def test_deleted(self, client: httpx.AsyncClient) -> None:
        created = await create_employer(client)
        assert (await client.delete(f"/v1/employers/{created['id']}",
                                    headers=NEW)).status_code == 204
        assert (await client.get(f"/v1/employers/{created['id']}")).status_code == 404

    async def test_with_vacancies_is_409(self, client: httpx.AsyncClient) -> None:
        vacancy = await create_vacancy(client)
        response = await client.delete(f"/v1/employers/{vacancy['employer_id']}", headers=NEW)
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/employer-in-use"

    async def test_stale_if_match_is_412(self, client: httpx.AsyncClient) -> None:
        created = await create_employer(client)
        response = await client.delete(f"/v1/employers/{created['id']}",
                                       headers={"If-Match": '"7"'})
        assert response.status_code == 412

    async def test_without_if_match_is_428_and_keeps_it(self, client: httpx.AsyncClient) -> None:
        created = await create_employer(client)
        response = await client.delete(f"/v1/employers/{created['id']}")
        assert (response.status_code, response.json()["type"]) == (
            428, "/problems/precondition-required")
        assert (await client.get(f"/v1/employers/{created['id']}")).status_code == 200


class TestEmployerPermissions:
    async def test_employer_sees_and_updates_only_itself(self, client: httpx.AsyncClient,
                                                         auth: Auth) -> None:
        own = await create_employer(client, country="SM")
        other = await create_employer(client, country="SM")
        me = auth("employer", employer_id=uuid.UUID(own["id"]))
        assert (await client.get(f"/v1/employers/{own['id']}", headers=me)).status_code == 200
        assert (await client.get(f"/v1/employers/{other['id']}", headers=me)).status_code == 404
        listed = await client.get("/v1/employers", params={"country": "SM"}, headers=me)
        assert [e["id"] for e in listed.json()["items"]] == [own["id"]]
        patched = await client.patch(f"/v1/employers/{own['id']}", json={"city": "Nice"},
                                     headers={**me, **NEW})
        assert patched.status_code == 200
        hidden = await client.patch(f"/v1/employers/{other['id']}", json={"city": "Nice"},
                                    headers={**me, **NEW})
        assert hidden.status_code == 404

    async def test_employer_may_not_set_its_agreements(self, client: httpx.AsyncClient,
                                                       auth: Auth) -> None:
        own = await create_employer(client)
        response = await client.patch(
            f"/v1/employers/{own['id']}", json={"agreements": []},
            headers={**auth("employer", employer_id=uuid.UUID(own["id"])), **NEW})
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/field-not-allowed"
        assert response.json()["errors"][0]["loc"] == ["body", "agreements"]
        assert (await client.get(f"/v1/employers/{own['id']}")).json()["agreements"]

    async def test_employer_may_not_create_or_delete(self, client: httpx.AsyncClient,
                                                     auth: Auth) -> None:
        own = await create_employer(client)
        me = auth("employer", employer_id=uuid.UUID(own["id"]))
        created = await client.post("/v1/employers", json=employer_body(), headers=me)
        assert created.status_code == 403
        assert created.json()["type"] == "/problems/forbidden"
        assert (await client.delete(f"/v1/employers/{own['id']}",
                                    headers={**me, **NEW})).status_code == 403

    async def test_officer_registers_under_own_programmes_only(self, client: httpx.AsyncClient,
                                                               auth: Auth) -> None:
        mine, theirs = uuid.uuid4(), uuid.uuid4()
        officer = auth("officer", programme_ids=(mine,))
        created = await client.post("/v1/employers", json=employer_body(programme_ids=(mine,)),
                                    headers=officer)
        assert created.status_code == 201
        foreign = await client.post("/v1/employers",
                                    json=employer_body(programme_ids=(mine, theirs)),
                                    headers=officer)
        # Another party's programme named in a write: as if it did not exist.
        assert foreign.status_code == 404
        assert foreign.json()["type"] == "/problems/programme-not-found"
        bare = await client.post("/v1/employers", json=employer_body(), headers=officer)
        assert bare.json()["type"] == "/problems/agreement-required"

    async def test_officer_sees_own_programmes_employers(self, client: httpx.AsyncClient,
                                                         auth: Auth) -> None:
        mine = uuid.uuid4()
        visible = await create_employer(client, programme_id=mine, country="AD")
        hidden = await create_employer(client, country="AD")
        officer = auth("officer", programme_ids=(mine,))
        listed = await client.get("/v1/employers", params={"country": "AD"}, headers=officer)
        assert [e["id"] for e in listed.json()["items"]] == [visible["id"]]
        response = await client.get(f"/v1/employers/{hidden['id']}", headers=officer)
        assert response.status_code == 404

    async def test_officer_changes_only_own_programmes_agreements(
            self, client: httpx.AsyncClient, auth: Auth) -> None:
        mine, theirs = uuid.uuid4(), uuid.uuid4()
        shared = (await client.post("/v1/employers", json=employer_body(
            programme_ids=(mine, theirs)))).json()
        officer = auth("officer", programme_ids=(mine,))
        own_only = [a for a in shared["agreements"] if a["programme_id"] == str(mine)]
        dropped_theirs = await client.patch(f"/v1/employers/{shared['id']}",
                                            json={"agreements": own_only},
                                            headers={**officer, **NEW})
        assert dropped_theirs.status_code == 403
        added = own_only + [a | {"programme_id": str(uuid.uuid4())} for a in own_only]
        named_foreign = await client.patch(f"/v1/employers/{shared['id']}",
                                           json={"agreements": shared["agreements"] + added[1:]},
                                           headers={**officer, **NEW})
        assert named_foreign.status_code == 404
        changed_mine = [a | {"signed_date": "2026-02-01"} if a["programme_id"] == str(mine)
                        else a for a in shared["agreements"]]
        response = await client.patch(f"/v1/employers/{shared['id']}",
                                      json={"agreements": changed_mine},
                                      headers={**officer, **NEW})
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize("role", ["candidate", "ministry", "institution"])
    async def test_other_roles_see_no_employer(self, client: httpx.AsyncClient, auth: Auth,
                                               role: str) -> None:
        employer = await create_employer(client)
        headers = auth(role, programme_ids=tuple(
            uuid.UUID(a["programme_id"]) for a in employer["agreements"]))
        assert (await client.get("/v1/employers", headers=headers)).status_code == 403
        response = await client.get(f"/v1/employers/{employer['id']}", headers=headers)
        assert response.status_code == 404

    async def test_no_token_is_401(self, client: httpx.AsyncClient, auth: Auth) -> None:
        response = await client.get("/v1/employers", headers={"Authorization": ""})
        assert response.status_code == 401

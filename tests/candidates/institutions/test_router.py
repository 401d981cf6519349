"""Institutions and nominations over HTTP: create, read, list, update, nominate, bad input."""

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates import service as candidate_service
from services.candidates.institutions import repository
from tests.candidates.factories import (
    create_candidate,
    create_institution,
    create_programme,
    institution_body,
)
from tests.etags import NEW
from tests.pages import all_pages

PROBLEM = "application/problem+json"


class TestCreateInstitution:
    async def test_created_with_location_and_etag(self, client: httpx.AsyncClient) -> None:
        body = institution_body(kind="employment_agency", country="BE", city="Brussels",
                                contact_email="talent@vdab.example.be")
        response = await client.post("/v1/institutions", json=body)
        assert response.status_code == 201
        created = response.json()
        assert {k: created[k] for k in body} == body
        assert created["version"] == 1
        assert response.headers["location"] == f"/v1/institutions/{created['id']}"
        assert response.headers["etag"] == '"1"'

    @pytest.mark.parametrize(("kind", "name", "country", "city"), [
        ("municipality", "Comune di Milano", "IT", "Milano"),
        ("region", "Regione Piemonte", "IT", "Torino"),
        ("ministry", "Ministère de l'Inclusion Économique", "MA", "Rabat"),
    ])
    async def test_public_bodies_are_partners_too(self, client: httpx.AsyncClient, kind: str,
                                                  name: str, country: str, city: str) -> None:
        response = await client.post("/v1/institutions", json=institution_body(
            kind=kind, name=name, country=country, city=city))
        assert response.status_code == 201, response.text
        assert response.json()["kind"] == kind
        listed = await all_pages(client, "/v1/institutions", kind=kind, country=country)
        assert response.json()["id"] in [i["id"] for i in listed]

    async def test_city_and_email_are_optional(self, client: httpx.AsyncClient) -> None:
        body = institution_body()
        del body["city"], body["contact_email"]
        response = await client.post("/v1/institutions", json=body)
        assert response.status_code == 201
        assert response.json()["city"] is None and response.json()["contact_email"] is None

    async def test_unknown_field_is_rejected(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/institutions", json=institution_body(rating=5))
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM
        assert ["body", "rating"] in [e["loc"] for e in response.json()["errors"]]

    @pytest.mark.parametrize("bad", [
        {"kind": "embassy"}, {"kind": None}, {"country": "XX"}, {"country": "ma"},
        {"country": "MAR"}, {"contact_email": "not-an-email"}, {"contact_email": 42},
        {"name": ""}, {"name": "x" * 201}, {"name": 123}, {"city": ""},
    ])
    async def test_bad_values_are_422_and_change_nothing(
        self, client: httpx.AsyncClient, bad: dict[str, Any]
    ) -> None:
        # Tuvalu: no other test registers institutions there, so "nothing created" is checkable.
        response = await client.post("/v1/institutions",
                                     json=institution_body(country="TV") | bad)
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/validation"
        listed = await client.get("/v1/institutions", params={"country": "TV"})
        assert listed.json()["items"] == []

    @pytest.mark.parametrize("missing", ["name", "kind", "country"])
    async def test_missing_required_field_is_422(self, client: httpx.AsyncClient,
                                                 missing: str) -> None:
        body = institution_body()
        del body[missing]
        response = await client.post("/v1/institutions", json=body)
        assert response.status_code == 422
        assert ["body", missing] in [e["loc"] for e in response.json()["errors"]]


class TestInstitutionIdempotency:
    async def test_same_key_same_body_replays(self, client: httpx.AsyncClient) -> None:
        body = institution_body(country="NG")
        headers = {"Idempotency-Key": f"inst-{uuid.uuid4()}"}
        first = await client.post("/v1/institutions", json=body, headers=headers)
        second = await client.post("/v1/institutions", json=body, headers=headers)
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert second.headers["idempotent-replayed"] == "true"
        listed = await all_pages(client, "/v1/institutions", country="NG")
        assert [i["id"] for i in listed if i["name"] == body["name"]] == [first.json()["id"]]

    async def test_same_key_other_body_is_422(self, client: httpx.AsyncClient) -> None:
        headers = {"Idempotency-Key": f"inst-{uuid.uuid4()}"}
        await client.post("/v1/institutions", json=institution_body(), headers=headers)
        response = await client.post("/v1/institutions", json=institution_body(),
                                     headers=headers)
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/idempotency-key-reused"


class TestReadInstitution:
    async def test_get_by_id_with_etag(self, client: httpx.AsyncClient) -> None:
        created = await create_institution(client)
        response = await client.get(f"/v1/institutions/{created['id']}")
        assert response.status_code == 200
        assert response.json() == created
        assert response.headers["etag"] == '"1"'

    async def test_unknown_is_404_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/institutions/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/institution-not-found"

    async def test_malformed_id_is_422(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/institutions/not-a-uuid")).status_code == 422


class TestListInstitutions:
    async def test_pages_through_everything_once(self, client: httpx.AsyncClient) -> None:
        created = {(await create_institution(client, country="LT"))["id"] for _ in range(5)}
        seen = [i["id"] for i in await all_pages(client, "/v1/institutions", country="LT",
                                                  limit=2)]
        assert len(seen) == len(set(seen))
        assert created <= set(seen)

    async def test_filters_by_country_and_kind(self, client: httpx.AsyncClient) -> None:
        agency = await create_institution(client, country="SN", kind="employment_agency")
        university = await create_institution(client, country="SN", kind="university")
        elsewhere = await create_institution(client, country="LU", kind="employment_agency")
        both = {i["id"] for i in await all_pages(client, "/v1/institutions", country="SN",
                                                  kind="employment_agency")}
        assert agency["id"] in both
        assert university["id"] not in both and elsewhere["id"] not in both
        by_country = {i["id"] for i in await all_pages(client, "/v1/institutions",
                                                        country="SN")}
        assert {agency["id"], university["id"]} <= by_country
        assert elsewhere["id"] not in by_country

    @pytest.mark.parametrize("params", [{"country": "XX"}, {"kind": "embassy"},
                                        {"limit": 0}, {"limit": 201}])
    async def test_bad_filters_are_422(self, client: httpx.AsyncClient,
                                       params: dict[str, Any]) -> None:
        response = await client.get("/v1/institutions", params=params)
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM

    async def test_forged_cursor_is_400(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/institutions", params={"cursor": "bm9wZQ"})
        assert response.status_code == 400
        assert response.json()["type"] == "/problems/invalid-cursor"


class TestUpdateInstitution:
    async def test_patch_with_current_etag(self, client: httpx.AsyncClient) -> None:
        created = await create_institution(client)
        response = await client.patch(f"/v1/institutions/{created['id']}",
                                      json={"city": "Casablanca", "kind": "training_centre"},
                                      headers={"If-Match": '"1"'})
        assert response.status_code == 200
        body = response.json()
        assert body["city"] == "Casablanca" and body["kind"] == "training_centre"
        assert body["name"] == created["name"] and body["version"] == 2
        assert response.headers["etag"] == '"2"'

    async def test_stale_etag_is_412_and_changes_nothing(self, client: httpx.AsyncClient) -> None:
        created = await create_institution(client)
        url = f"/v1/institutions/{created['id']}"
        await client.patch(url, json={"city": "Fès"}, headers={"If-Match": '"1"'})
        stale = await client.patch(url, json={"city": "Tanger"}, headers={"If-Match": '"1"'})
        assert stale.status_code == 412
        assert stale.headers["content-type"] == PROBLEM
        assert stale.json()["current_version"] == 2
        assert (await client.get(url)).json()["city"] == "Fès"

    async def test_if_match_that_is_no_etag_is_412(self, client: httpx.AsyncClient) -> None:
        created = await create_institution(client)
        response = await client.patch(f"/v1/institutions/{created['id']}", json={"city": "Fès"},
                                      headers={"If-Match": "yesterday"})
        assert response.status_code == 412

    async def test_without_if_match_is_428_and_changes_nothing(
            self, client: httpx.AsyncClient) -> None:
        created = await create_institution(client)
        url = f"/v1/institutions/{created['id']}"
        response = await client.patch(url, json={"name": "UM5 Rabat"})
        assert response.status_code == 428
        assert response.json()["type"] == "/problems/precondition-required"
        assert (await client.get(url)).json() == created

    async def test_optional_fields_can_be_cleared(self, client: httpx.AsyncClient) -> None:
        created = await create_institution(client)
        response = await client.patch(f"/v1/institutions/{created['id']}",
                                      json={"city": None, "contact_email": None}, headers=NEW)
        assert response.status_code == 200
        assert response.json()["city"] is None and response.json()["contact_email"] is None

    @pytest.mark.parametrize("bad", [{"name": None}, {"kind": None}, {"country": None},
                                     {"kind": "embassy"}, {"country": "XX"},
                                     {"contact_email": "nope"}, {"version": 7}])
    async def test_bad_patch_is_422_and_changes_nothing(self, client: httpx.AsyncClient,
                                                        bad: dict[str, Any]) -> None:
        created = await create_institution(client)
        url = f"/v1/institutions/{created['id']}"
        response = await client.patch(url, json=bad, headers=NEW)
        assert response.status_code == 422
        assert (await client.get(url)).json() == created

    async def test_unknown_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.patch(f"/v1/institutions/{uuid.uuid4()}", json={"city": "Fès"},
                                      headers=NEW)
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/institution-not-found"


class TestNominate:
    async def test_nominates_a_candidate(self, client: httpx.AsyncClient,
                                         session: AsyncSession) -> None:
        institution = await create_institution(client)
        programme = await create_programme(client)
        candidate = await create_candidate(session)
        response = await client.post(
            f"/v1/institutions/{institution['id']}/nominations",
            json={"candidate_id": str(candidate.id), "programme_id": programme["id"],
                  "note": "Top of her class."})
        assert response.status_code == 201
        body = response.json()
        assert body["institution_id"] == institution["id"]
        assert body["candidate_id"] == str(candidate.id)
        assert body["programme_id"] == programme["id"]
        assert body["note"] == "Top of her class."
        assert body["id"] and body["created_at"]

    async def test_twice_is_409(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        institution = await create_institution(client)
        programme = await create_programme(client)
        candidate = await create_candidate(session)
        url = f"/v1/institutions/{institution['id']}/nominations"
        body = {"candidate_id": str(candidate.id), "programme_id": programme["id"]}
        assert (await client.post(url, json=body)).status_code == 201
        again = await client.post(url, json=body | {"note": "Still keen."})
        assert again.status_code == 409
        assert again.headers["content-type"] == PROBLEM
        assert again.json()["type"] == "/problems/already-nominated"
        assert len((await client.get(url)).json()["items"]) == 1

    async def test_other_programme_or_institution_is_a_new_nomination(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        first, second = await create_institution(client), await create_institution(client)
        homere, palim = await create_programme(client), await create_programme(client)
        candidate = await create_candidate(session)
        for institution, programme in ((first, homere), (first, palim), (second, homere)):
            response = await client.post(
                f"/v1/institutions/{institution['id']}/nominations",
                json={"candidate_id": str(candidate.id), "programme_id": programme["id"]})
            assert response.status_code == 201, response.text

    async def test_unknown_institution_is_404(self, client: httpx.AsyncClient,
                                              session: AsyncSession) -> None:
        programme = await create_programme(client)
        candidate = await create_candidate(session)
        response = await client.post(
            f"/v1/institutions/{uuid.uuid4()}/nominations",
            json={"candidate_id": str(candidate.id), "programme_id": programme["id"]})
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/institution-not-found"

    async def test_unknown_candidate_is_404(self, client: httpx.AsyncClient) -> None:
        institution = await create_institution(client)
        programme = await create_programme(client)
        response = await client.post(
            f"/v1/institutions/{institution['id']}/nominations",
            json={"candidate_id": str(uuid.uuid4()), "programme_id": programme["id"]})
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/candidate-not-found"

    async def test_unknown_programme_is_404(self, client: httpx.AsyncClient,
                                            session: AsyncSession) -> None:
        institution = await create_institution(client)
        candidate = await create_candidate(session)
        response = await client.post(
            f"/v1/institutions/{institution['id']}/nominations",
            json={"candidate_id": str(candidate.id), "programme_id": str(uuid.uuid4())})
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/programme-not-found"

    @pytest.mark.parametrize("bad", [
        {"candidate_id": "not-a-uuid"}, {"programme_id": 12}, {"candidate_id": None},
        {"note": "x" * 5001}, {"status": "accepted"},
    ])
    async def test_bad_body_is_422_and_changes_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, bad: dict[str, Any]
    ) -> None:
        institution = await create_institution(client)
        programme = await create_programme(client)
        candidate = await create_candidate(session)
        url = f"/v1/institutions/{institution['id']}/nominations"
        body = {"candidate_id": str(candidate.id), "programme_id": programme["id"]} | bad
        response = await client.post(url, json=body)
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/validation"
        assert (await client.get(url)).json()["items"] == []

    @pytest.mark.parametrize("missing", ["candidate_id", "programme_id"])
    async def test_missing_field_is_422(self, client: httpx.AsyncClient, missing: str) -> None:
        institution = await create_institution(client)
        body = {"candidate_id": str(uuid.uuid4()), "programme_id": str(uuid.uuid4())}
        del body[missing]
        response = await client.post(f"/v1/institutions/{institution['id']}/nominations",
                                     json=body)
        assert response.status_code == 422


class TestNominationRaces:
    """A concurrent request can get in between the checks and the insert; never a 500."""

    async def test_duplicate_insert_is_409(self, client: httpx.AsyncClient,
                                           session: AsyncSession,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
        institution = await create_institution(client)
        programme = await create_programme(client)
        candidate = await create_candidate(session)
        url = f"/v1/institutions/{institution['id']}/nominations"
        body = {"candidate_id": str(candidate.id), "programme_id": programme["id"]}
        assert (await client.post(url, json=body)).status_code == 201

        async def not_yet(*args: Any, **kwargs: Any) -> bool:
            return False  # as if the other request had not committed when we checked

        monkeypatch.setattr(repository, "nomination_exists", not_yet)
        response = await client.post(url, json=body)
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/already-nominated"
        assert len((await client.get(url)).json()["items"]) == 1

    async def test_candidate_erased_meanwhile_is_409(self, client: httpx.AsyncClient,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
        institution = await create_institution(client)
        programme = await create_programme(client)

        async def still_there(*args: Any, **kwargs: Any) -> None:
            return None  # as if the candidate was erased right after we checked

        monkeypatch.setattr(candidate_service, "ensure_exists", still_there)
        url = f"/v1/institutions/{institution['id']}/nominations"
        response = await client.post(url, json={"candidate_id": str(uuid.uuid4()),
                                                "programme_id": programme["id"]})
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/nomination-conflict"
        assert (await client.get(url)).json()["items"] == []

    async def test_concurrent_duplicates_create_one(
        self, candidates_app: FastAPI, committing_client: httpx.AsyncClient
    ) -> None:
        # Real transactions: every request passes the checks, the unique index decides.
        async with candidates_app.state.database.sessionmaker() as own:
            candidate = await create_candidate(own)
            await own.commit()
        institution = await create_institution(committing_client)
        programme = await create_programme(committing_client)
        url = f"/v1/institutions/{institution['id']}/nominations"
        body = {"candidate_id": str(candidate.id), "programme_id": programme["id"]}
        responses = await asyncio.gather(*[committing_client.post(url, json=body)
                                           for _ in range(5)])
        assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
        assert len((await committing_client.get(url)).json()["items"]) == 1


class TestNominationIdempotency:
    async def test_same_key_replays(self, client: httpx.AsyncClient,
                                    session: AsyncSession) -> None:
        institution = await create_institution(client)
        programme = await create_programme(client)
        candidate = await create_candidate(session)
        url = f"/v1/institutions/{institution['id']}/nominations"
        body = {"candidate_id": str(candidate.id), "programme_id": programme["id"]}
        headers = {"Idempotency-Key": f"nom-{uuid.uuid4()}"}
        first = await client.post(url, json=body, headers=headers)
        second = await client.post(url, json=body, headers=headers)
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert second.headers["idempotent-replayed"] == "true"

    async def test_same_key_for_another_institution_is_not_a_replay(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        first, second = await create_institution(client), await create_institution(client)
        programme = await create_programme(client)
        candidate = await create_candidate(session)
        body = {"candidate_id": str(candidate.id), "programme_id": programme["id"]}
        headers = {"Idempotency-Key": f"nom-{uuid.uuid4()}"}
        created = await client.post(f"/v1/institutions/{first['id']}/nominations", json=body,
                                    headers=headers)
        assert created.status_code == 201
        other = await client.post(f"/v1/institutions/{second['id']}/nominations", json=body,
                                  headers=headers)
        # Keys are scoped to the path: under another institution it is a new request.
        assert other.status_code == 201
        assert "idempotent-replayed" not in other.headers
        assert other.json()["id"] != created.json()["id"]


class TestListNominations:
    async def test_lists_the_institutions_nominees(self, client: httpx.AsyncClient,
                                                   session: AsyncSession) -> None:
        institution, other = await create_institution(client), await create_institution(client)
        programme = await create_programme(client)
        mine = await create_candidate(session)
        theirs = await create_candidate(session)
        nominated = await client.post(
            f"/v1/institutions/{institution['id']}/nominations",
            json={"candidate_id": str(mine.id), "programme_id": programme["id"], "note": "A"})
        await client.post(f"/v1/institutions/{other['id']}/nominations",
                          json={"candidate_id": str(theirs.id), "programme_id": programme["id"]})
        body = (await client.get(f"/v1/institutions/{institution['id']}/nominations")).json()
        assert body == {"items": [nominated.json()], "next_cursor": None}

    async def test_filters_by_programme(self, client: httpx.AsyncClient,
                                        session: AsyncSession) -> None:
        institution = await create_institution(client)
        homere, palim = await create_programme(client), await create_programme(client)
        candidate = await create_candidate(session)
        url = f"/v1/institutions/{institution['id']}/nominations"
        for programme in (homere, palim):
            await client.post(url, json={"candidate_id": str(candidate.id),
                                         "programme_id": programme["id"]})
        items = (await client.get(url, params={"programme_id": palim["id"]})).json()["items"]
        assert [n["programme_id"] for n in items] == [palim["id"]]

    async def test_pages_through_everything_once(self, client: httpx.AsyncClient,
                                                 session: AsyncSession) -> None:
        institution = await create_institution(client)
        programme = await create_programme(client)
        url = f"/v1/institutions/{institution['id']}/nominations"
        created = set()
        for _ in range(5):
            candidate = await create_candidate(session)
            response = await client.post(url, json={"candidate_id": str(candidate.id),
                                                    "programme_id": programme["id"]})
            created.add(response.json()["id"])
        first = (await client.get(url, params={"limit": 2})).json()
        assert len(first["items"]) == 2 and first["next_cursor"]
        seen = [n["id"] for n in await all_pages(client, url, limit=2)]
        assert sorted(seen) == sorted(created)

    async def test_unknown_institution_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/institutions/{uuid.uuid4()}/nominations")
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/institution-not-found"

    @pytest.mark.parametrize("params", [{"programme_id": "nope"}, {"limit": 500},
                                        {"cursor": "bm9wZQ"}])
    async def test_bad_query_is_4xx(self, client: httpx.AsyncClient,
                                    params: dict[str, Any]) -> None:
        institution = await create_institution(client)
        response = await client.get(f"/v1/institutions/{institution['id']}/nominations",
                                    params=params)
        assert response.status_code == (400 if "cursor" in params else 422)
        assert response.headers["content-type"] == PROBLEM

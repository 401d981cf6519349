"""Who an import's people belong to: the officer's programme, the institution; and the ids
of the people created, in line order. Committed for real (the import writes on its own
connections), and removed afterwards."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from tests.candidates.factories import create_institution, create_programme
from tests.conftest import TokenMinter

NDJSON = "application/x-ndjson"


@dataclass
class Owners:
    """A committed programme and institution, and tokens linked to them."""

    programme: str
    other_programme: str
    institution: str
    admin: str
    officer: str
    other_officer: str
    institution_token: str


@pytest.fixture
async def owners(committing_client: httpx.AsyncClient, candidates_app: FastAPI,
                 mint_token: TokenMinter) -> AsyncIterator[Owners]:
    admin = mint_token("admin")
    committing_client.headers["Authorization"] = f"Bearer {admin}"
    programme = (await create_programme(committing_client))["id"]
    other = (await create_programme(committing_client))["id"]
    institution = (await create_institution(committing_client))["id"]
    del committing_client.headers["Authorization"]
    yield Owners(programme=programme, other_programme=other, institution=institution,
                 admin=admin, officer=mint_token("officer", programme_ids=[programme]),
                 other_officer=mint_token("officer", programme_ids=[other]),
                 institution_token=mint_token("institution", institution_id=institution))
    async with candidates_app.state.database.engine.begin() as connection:
        await connection.execute(text(
            "DELETE FROM candidates.candidate WHERE registered_programme_id = ANY(:p) "
            "OR registered_institution_id = :i"),
            {"p": [uuid.UUID(programme), uuid.UUID(other)], "i": uuid.UUID(institution)})
        await connection.execute(text("DELETE FROM candidates.programme WHERE id = ANY(:p)"),
                                 {"p": [uuid.UUID(programme), uuid.UUID(other)]})
        await connection.execute(text("DELETE FROM candidates.institution WHERE id = :i"),
                                 {"i": uuid.UUID(institution)})


def body(count: int) -> bytes:
    tag = uuid.uuid4().hex[:10]
    return b"\n".join(orjson.dumps({
        "given_name": "Imported", "family_name": f"Owner{tag}",
        "email": f"owned{i}.{tag}@example.org", "date_of_birth": "2000-01-01",
        "gender": "female", "nationality": "MA", "residence_country": "MA"})
        for i in range(count))


async def post(client: httpx.AsyncClient, token: str, count: int = 3,
               **params: str) -> httpx.Response:
    return await client.post("/v1/candidate-imports", content=body(count), params=params,
                             headers={"content-type": NDJSON,
                                      "Authorization": f"Bearer {token}"})


async def visible(client: httpx.AsyncClient, token: str, ids: list[str]) -> set[str]:
    """Those of ``ids`` that ``token`` reads, one by one and in its list."""
    auth = {"Authorization": f"Bearer {token}"}
    one_by_one = {i for i in ids
                  if (await client.get(f"/v1/candidates/{i}", headers=auth)).status_code == 200}
    listed: set[str] = set()
    params: dict[str, str | int] = {"limit": 200, "q": "Imported"}
    while True:
        response = await client.get("/v1/candidates", params=params, headers=auth)
        assert response.status_code == 200, response.text
        listed |= {item["id"] for item in response.json()["items"]} & set(ids)
        if not (cursor := response.json()["next_cursor"]):
            break
        params["cursor"] = cursor
    assert listed == one_by_one
    return listed


def slug(response: httpx.Response) -> str:
    return str(response.json()["type"]).rsplit("/", 1)[-1]


class TestOfficerImport:
    async def test_people_are_in_their_view_at_once(
            self, committing_client: httpx.AsyncClient, owners: Owners) -> None:
        response = await post(committing_client, owners.officer, programme_id=owners.programme)
        assert response.status_code == 200, response.text
        report = response.json()
        created = report["created_ids"]
        assert (report["imported"], len(set(created))) == (3, 3)
        assert await visible(committing_client, owners.officer, created) == set(created)
        assert await visible(committing_client, owners.other_officer, created) == set()
        # And acted on: a consent recorded, an application made.
        person = created[0]
        auth = {"Authorization": f"Bearer {owners.officer}"}
        consent = await committing_client.post(
            f"/v1/candidates/{person}/consents", headers=auth,
            json={"purpose": "data_processing", "text_version": "v1", "action": "given"})
        assert consent.status_code == 201, consent.text
        applied = await committing_client.post("/v1/applications", headers=auth, json={
            "candidate_id": person, "programme_id": owners.programme})
        assert applied.status_code == 201, applied.text  # a draft: no event emitted

    async def test_programme_is_required(self, committing_client: httpx.AsyncClient,
                                         owners: Owners) -> None:
        response = await post(committing_client, owners.officer)
        assert (response.status_code, slug(response)) == (422, "programme-required")

    async def test_programme_must_be_theirs(self, committing_client: httpx.AsyncClient,
                                            owners: Owners) -> None:
        response = await post(committing_client, owners.officer,
                              programme_id=owners.other_programme)
        assert (response.status_code, slug(response)) == (404, "programme-not-found")


class TestInstitutionImport:
    async def test_students_are_its_own(self, committing_client: httpx.AsyncClient,
                                        owners: Owners) -> None:
        response = await post(committing_client, owners.institution_token, count=2)
        assert response.status_code == 200, response.text
        created = response.json()["created_ids"]
        assert await visible(committing_client, owners.institution_token, created) == \
            set(created)
        assert await visible(committing_client, owners.officer, created) == set()

    async def test_names_no_programme(self, committing_client: httpx.AsyncClient,
                                      owners: Owners) -> None:
        response = await post(committing_client, owners.institution_token,
                              programme_id=owners.programme)
        assert response.status_code == 403


class TestAdminImport:
    async def test_unknown_programme_is_404_before_anything_is_read(
            self, committing_client: httpx.AsyncClient, owners: Owners) -> None:
        response = await post(committing_client, owners.admin, programme_id=str(uuid.uuid4()))
        assert (response.status_code, slug(response)) == (404, "programme-not-found")

    async def test_for_an_institution(self, committing_client: httpx.AsyncClient,
                                      owners: Owners) -> None:
        response = await post(committing_client, owners.admin, count=2,
                              institution_id=owners.institution)
        assert response.status_code == 200, response.text
        created = response.json()["created_ids"]
        assert len(created) == 2
        assert await visible(committing_client, owners.institution_token, created) == \
            set(created)

    async def test_created_ids_follow_the_lines(self, committing_client: httpx.AsyncClient,
                                                owners: Owners) -> None:
        tag = uuid.uuid4().hex[:10]
        lines = [{"given_name": "Imported", "family_name": f"Order{tag}", "email": email,
                  "date_of_birth": "2000-01-01", "gender": "male", "nationality": "TN",
                  "residence_country": "TN"}
                 for email in (f"o1.{tag}@example.org", "bad", f"o3.{tag}@example.org")]
        response = await committing_client.post(
            "/v1/candidate-imports", params={"institution_id": owners.institution},
            content=b"\n".join(orjson.dumps(line) for line in lines),
            headers={"content-type": NDJSON, "Authorization": f"Bearer {owners.admin}"})
        report = response.json()
        emails = []
        for created in report["created_ids"]:
            found = await committing_client.get(
                f"/v1/candidates/{created}",
                headers={"Authorization": f"Bearer {owners.admin}"})
            emails.append(found.json()["email"])
        assert emails == [f"o1.{tag}@example.org", f"o3.{tag}@example.org"]

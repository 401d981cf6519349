"""Profiles created by their actors: a candidate account its own, an institution its students,
an officer people of one of their programmes; each in its creator's view at once."""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.candidates.factories import candidate_body, create_institution, create_programme
from tests.conftest import TokenMinter

PROBLEM = "application/problem+json"
CONSENT = {"purpose": "data_processing", "text_version": "2026-01", "action": "given"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def slug(response: httpx.Response) -> str:
    """The problem type's last part."""
    assert response.headers["content-type"] == PROBLEM, response.text
    return str(response.json()["type"]).rsplit("/", 1)[-1]


@dataclass
class Setting:
    """Two programmes and two institutions, made by an admin."""

    a: str
    b: str
    institution: str
    other_institution: str
    admin: str


@pytest.fixture
async def setting(client: httpx.AsyncClient, mint_token: TokenMinter) -> Setting:
    admin = mint_token("admin")
    client.headers["Authorization"] = f"Bearer {admin}"
    a = await create_programme(client)
    b = await create_programme(client)
    institution = await create_institution(client)
    other = await create_institution(client)
    del client.headers["Authorization"]
    return Setting(a=a["id"], b=b["id"], institution=institution["id"],
                   other_institution=other["id"], admin=admin)


async def create(client: httpx.AsyncClient, token: str, **fields: Any) -> httpx.Response:
    return await client.post("/v1/candidates", json=candidate_body(**fields),
                             headers=bearer(token))


def listed(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


class TestCandidateCreatesOwnProfile:
    async def test_once_and_visible_before_the_token_names_it(
            self, client: httpx.AsyncClient, setting: Setting, mint_token: TokenMinter) -> None:
        subject = f"acct-{uuid.uuid4()}"
        token = mint_token("candidate", sub=subject)
        created = await create(client, token)
        assert created.status_code == 201, created.text
        own = created.json()["id"]
        assert (await client.get(f"/v1/candidates/{own}", headers=bearer(token))).status_code \
            == 200
        assert listed(await client.get("/v1/candidates", headers=bearer(token))) == {own}
        again = await create(client, token)
        assert (again.status_code, slug(again)) == (409, "profile-exists")
        assert again.json()["candidate_id"] == own

    async def test_acts_on_it_before_the_token_names_it(
            self, client: httpx.AsyncClient, setting: Setting, mint_token: TokenMinter) -> None:
        token = mint_token("candidate", sub=f"acct-{uuid.uuid4()}")
        own = (await create(client, token)).json()["id"]
        consent = await client.post(f"/v1/candidates/{own}/consents", json=CONSENT,
                                    headers=bearer(token))
        assert consent.status_code == 201, consent.text
        applied = await client.post("/v1/applications", headers=bearer(token), json={
            "candidate_id": own, "programme_id": setting.a})
        assert applied.status_code == 201, applied.text
        submitted = await client.post(f"/v1/applications/{applied.json()['id']}/submit",
                                      headers=bearer(token))
        assert submitted.status_code == 200, submitted.text
        mine = await client.get("/v1/applications", headers=bearer(token))
        assert listed(mine) == {applied.json()["id"]}

    async def test_another_account_does_not_see_it(
            self, client: httpx.AsyncClient, setting: Setting, mint_token: TokenMinter) -> None:
        own = (await create(client, mint_token("candidate"))).json()["id"]
        other = mint_token("candidate")
        response = await client.get(f"/v1/candidates/{own}", headers=bearer(other))
        assert (response.status_code, slug(response)) == (404, "candidate-not-found")
        applied = await client.post("/v1/applications", headers=bearer(other), json={
            "candidate_id": own, "programme_id": setting.a})
        assert applied.status_code == 403

    async def test_token_with_a_profile_gets_profile_exists(
            self, client: httpx.AsyncClient, setting: Setting, mint_token: TokenMinter) -> None:
        response = await create(client, mint_token("candidate", candidate_id=uuid.uuid4()))
        assert (response.status_code, slug(response)) == (409, "profile-exists")

    @pytest.mark.parametrize("link", ["programme_id", "institution_id"])
    async def test_names_no_programme_or_institution(
            self, client: httpx.AsyncClient, setting: Setting, mint_token: TokenMinter,
            link: str) -> None:
        value = setting.a if link == "programme_id" else setting.institution
        response = await create(client, mint_token("candidate"), **{link: value})
        assert response.status_code == 403, response.text

    async def test_email_already_used_keeps_the_duplicate_answer(
            self, client: httpx.AsyncClient, setting: Setting, mint_token: TokenMinter) -> None:
        email = f"taken.{uuid.uuid4().hex[:10]}@example.org"
        assert (await create(client, setting.admin, email=email)).status_code == 201
        response = await create(client, mint_token("candidate"), email=email.upper())
        assert (response.status_code, slug(response)) == (409, "candidate-email-taken")


class TestInstitutionRegistersStudents:
    async def test_sees_lists_and_nominates_them(
            self, client: httpx.AsyncClient, setting: Setting, mint_token: TokenMinter) -> None:
        token = mint_token("institution", institution_id=setting.institution)
        created = await create(client, token)
        assert created.status_code == 201, created.text
        student = created.json()["id"]
        assert (await client.get(f"/v1/candidates/{student}", headers=bearer(token))
                ).status_code == 200
        assert student in listed(await client.get("/v1/candidates?limit=200",
                                                  headers=bearer(token)))
        officer_b = bearer(mint_token("officer", programme_ids=[setting.b]))
        assert (await client.get(f"/v1/candidates/{student}", headers=officer_b)
                ).status_code == 404
        nominated = await client.post(
            f"/v1/institutions/{setting.institution}/nominations", headers=bearer(token),
            json={"candidate_id": student, "programme_id": setting.b})
        assert nominated.status_code == 201, nominated.text
        # The nomination is what puts the student in programme B's officers' view.
        assert (await client.get(f"/v1/candidates/{student}", headers=officer_b)
                ).status_code == 200

    async def test_other_institution_does_not_see_them(
            self, client: httpx.AsyncClient, setting: Setting, mint_token: TokenMinter) -> None:
        student = (await create(client, mint_token(
            "institution", institution_id=setting.institution))).json()["id"]
        other = bearer(mint_token("institution", institution_id=setting.other_institution))
        response = await client.get(f"/v1/candidates/{student}", headers=other)
        assert (response.status_code, slug(response)) == (404, "candidate-not-found")
        nominated = await client.post(
            f"/v1/institutions/{setting.other_institution}/nominations", headers=other,
            json={"candidate_id": student, "programme_id": setting.a})
        assert (nominated.status_code, slug(nominated)) == (404, "candidate-not-found")

    async def test_for_itself_only(self, client: httpx.AsyncClient, setting: Setting,
                                   mint_token: TokenMinter) -> None:
        token = mint_token("institution", institution_id=setting.institution)
        other = await create(client, token, institution_id=setting.other_institution)
        assert (other.status_code, slug(other)) == (404, "institution-not-found")
        with_programme = await create(client, token, programme_id=setting.a)
        assert with_programme.status_code == 403
        own = await create(client, token, institution_id=setting.institution)
        assert own.status_code == 201, own.text


class TestOfficerRegistersForAProgramme:
    async def test_programme_is_required(self, client: httpx.AsyncClient, setting: Setting,
                                         mint_token: TokenMinter) -> None:
        response = await create(client, mint_token("officer", programme_ids=[setting.a]))
        assert (response.status_code, slug(response)) == (422, "programme-required")

    async def test_programme_must_be_theirs(self, client: httpx.AsyncClient, setting: Setting,
                                            mint_token: TokenMinter) -> None:
        token = mint_token("officer", programme_ids=[setting.a])
        response = await create(client, token, programme_id=setting.b)
        assert (response.status_code, slug(response)) == (404, "programme-not-found")

    async def test_no_institution(self, client: httpx.AsyncClient, setting: Setting,
                                  mint_token: TokenMinter) -> None:
        token = mint_token("officer", programme_ids=[setting.a])
        response = await create(client, token, programme_id=setting.a,
                                institution_id=setting.institution)
        assert response.status_code == 403

    async def test_in_their_view_at_once(self, client: httpx.AsyncClient, setting: Setting,
                                         mint_token: TokenMinter) -> None:
        token = mint_token("officer", programme_ids=[setting.a])
        created = await create(client, token, programme_id=setting.a)
        assert created.status_code == 201, created.text
        person = created.json()["id"]
        assert person in listed(await client.get("/v1/candidates?limit=200",
                                                 headers=bearer(token)))
        consent = await client.post(f"/v1/candidates/{person}/consents", json=CONSENT,
                                    headers=bearer(token))
        assert consent.status_code == 201, consent.text
        applied = await client.post("/v1/applications", headers=bearer(token), json={
            "candidate_id": person, "programme_id": setting.a})
        assert applied.status_code == 201, applied.text
        officer_b = bearer(mint_token("officer", programme_ids=[setting.b]))
        assert (await client.get(f"/v1/candidates/{person}", headers=officer_b)
                ).status_code == 404
        assert person not in listed(await client.get("/v1/candidates?limit=200",
                                                     headers=officer_b))


class TestAdminRegisters:
    async def test_unknown_programme_or_institution(
            self, client: httpx.AsyncClient, setting: Setting) -> None:
        programme = await create(client, setting.admin, programme_id=str(uuid.uuid4()))
        institution = await create(client, setting.admin, institution_id=str(uuid.uuid4()))
        assert (programme.status_code, slug(programme)) == (404, "programme-not-found")
        assert (institution.status_code, slug(institution)) == (404, "institution-not-found")

    async def test_for_an_institution(self, client: httpx.AsyncClient, setting: Setting,
                                      mint_token: TokenMinter) -> None:
        created = await create(client, setting.admin, institution_id=setting.institution)
        assert created.status_code == 201, created.text
        institution = bearer(mint_token("institution", institution_id=setting.institution))
        assert (await client.get(f"/v1/candidates/{created.json()['id']}",
                                 headers=institution)).status_code == 200

    async def test_with_no_link(self, client: httpx.AsyncClient, setting: Setting) -> None:
        assert (await create(client, setting.admin)).status_code == 201

"""Object-level permissions of the candidates service: every role against every route family.

The world of these tests: programmes A and B; candidate X applied to A and was nominated for it
by institution I; candidate Y applied to B. Each role's token is linked as the gateway would
link it: the officer and the ministry to A, the candidate to X, the institution to I.
"""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.institutions.models import Nomination
from tests.candidates.applications.helpers import apply, candidate_id
from tests.candidates.factories import (
    create_institution,
    create_programme,
    create_training_module,
    programme_body,
    training_module_body,
)
from tests.conftest import TokenMinter
from tests.etags import NEW

PROBLEM = "application/problem+json"


@dataclass
class World:
    """Ids of the test's objects, and a token per role."""

    a: str
    b: str
    x: str
    y: str
    app_x: str
    app_y: str
    institution: str
    other_institution: str
    module_a: str
    module_b: str
    tokens: dict[str, str]

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
async def world(client: httpx.AsyncClient, session: AsyncSession,
                mint_token: TokenMinter) -> World:
    client.headers["Authorization"] = f"Bearer {mint_token('admin')}"  # built by an admin
    a = await create_programme(client)
    b = await create_programme(client)
    x = await candidate_id(session)
    y = await candidate_id(session)
    app_x = await apply(client, candidate=x, programme=a)
    app_y = await apply(client, candidate=y, programme=b)
    institution = await create_institution(client)
    other = await create_institution(client)
    session.add(Nomination(institution_id=uuid.UUID(institution["id"]), candidate_id=x,
                           programme_id=uuid.UUID(a["id"])))
    await session.flush()
    module_a = await create_training_module(client, programme_id=a["id"])
    module_b = await create_training_module(client, programme_id=b["id"])
    del client.headers["Authorization"]
    tokens = {
        "admin": mint_token("admin"),
        "service": mint_token("service"),
        "officer": mint_token("officer", programme_ids=[a["id"]]),
        "ministry": mint_token("ministry", programme_ids=[a["id"]]),
        "candidate": mint_token("candidate", candidate_id=x),
        "unlinked_candidate": mint_token("candidate"),
        "institution": mint_token("institution", institution_id=institution["id"]),
        "employer": mint_token("employer", employer_id=uuid.uuid4()),
        "visa_authority": mint_token("visa_authority", programme_ids=[a["id"]], country="FR"),
    }
    return World(a=a["id"], b=b["id"], x=str(x), y=str(y), app_x=app_x["id"],
                 app_y=app_y["id"], institution=institution["id"],
                 other_institution=other["id"], module_a=module_a["id"],
                 module_b=module_b["id"], tokens=tokens)


async def call(client: httpx.AsyncClient, world: World, role: str, method: str, path: str,
               json: Any = None) -> httpx.Response:
    """Send one request as ``role``, the world's placeholders filled into ``path``. A change
    names whatever version the object is at (``If-Match: *``): access is what is tested."""
    url = path.format(**{k: v for k, v in vars(world).items() if isinstance(v, str)})
    headers = world.auth(role)
    if method in ("PATCH", "PUT", "DELETE"):
        headers = {**headers, "If-Match": "*"}
    return await client.request(method, url, json=json, headers=headers)


def ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


class TestTokenRequired:
    @pytest.mark.parametrize("path", ["/v1/programmes", "/v1/candidates",
                                      "/v1/applications", "/v1/institutions"])
    async def test_no_token_is_401(self, client: httpx.AsyncClient, world: World,
                                   path: str) -> None:
        response = await client.get(path)
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM

    async def test_health_needs_none(self, client: httpx.AsyncClient, world: World) -> None:
        assert (await client.get("/health/live")).status_code == 200


# (role, method, path, expected status); {x}, {y}, {a}, … are the world's ids.
READ_PERSON = [
    ("admin", "GET", "/v1/candidates/{x}", 200),
    ("service", "GET", "/v1/candidates/{x}", 200),
    ("officer", "GET", "/v1/candidates/{x}", 200),
    ("officer", "GET", "/v1/candidates/{y}", 404),
    ("candidate", "GET", "/v1/candidates/{x}", 200),
    ("candidate", "GET", "/v1/candidates/{y}", 404),
    ("unlinked_candidate", "GET", "/v1/candidates/{x}", 404),
    ("institution", "GET", "/v1/candidates/{x}", 200),
    ("institution", "GET", "/v1/candidates/{y}", 404),
    ("ministry", "GET", "/v1/candidates/{x}", 403),
    ("employer", "GET", "/v1/candidates/{x}", 403),
    ("ministry", "GET", "/v1/candidates", 403),
    ("employer", "GET", "/v1/candidates", 403),
    ("candidate", "GET", "/v1/candidates/{x}/consents", 200),
    ("candidate", "GET", "/v1/candidates/{y}/consents", 404),
    ("officer", "GET", "/v1/candidates/{y}/consents", 404),
    ("employer", "GET", "/v1/candidates/{x}/consents", 403),
    ("candidate", "GET", "/v1/candidates/{x}/training", 200),
    ("institution", "GET", "/v1/candidates/{y}/training", 404),
    ("ministry", "GET", "/v1/candidates/{x}/training", 403),
    ("visa_authority", "GET", "/v1/candidates/{x}", 403),
    ("visa_authority", "GET", "/v1/candidates", 403),
    ("visa_authority", "GET", "/v1/candidates/{x}/consents", 403),
    ("visa_authority", "GET", "/v1/candidates/{x}/training", 403),
    ("visa_authority", "GET", "/v1/applications", 403),
    ("visa_authority", "GET", "/v1/applications/{app_x}", 403),
    ("visa_authority", "GET", "/v1/institutions", 403),
    ("visa_authority", "GET", "/v1/programmes/{a}/statistics", 403),
    ("visa_authority", "GET", "/v1/programmes/{a}/matching-profiles", 403),
    ("ministry", "GET", "/v1/programmes/{a}/matching-profiles", 403),
]
WRITE_PERSON = [
    # Allowed: the empty body is what fails.
    ("officer", "POST", "/v1/candidates", 422),
    ("unlinked_candidate", "POST", "/v1/candidates", 422),
    ("institution", "POST", "/v1/candidates", 422),
    ("service", "POST", "/v1/candidates", 403),
    ("ministry", "POST", "/v1/candidates", 403),
    ("visa_authority", "POST", "/v1/candidates", 403),
    ("employer", "POST", "/v1/candidates", 403),
    ("candidate", "PATCH", "/v1/candidates/{x}", 200),
    ("candidate", "PATCH", "/v1/candidates/{y}", 404),
    ("officer", "PATCH", "/v1/candidates/{x}", 200),
    ("officer", "PATCH", "/v1/candidates/{y}", 404),
    ("institution", "PATCH", "/v1/candidates/{x}", 403),
    ("service", "PATCH", "/v1/candidates/{x}", 403),
    ("officer", "POST", "/v1/candidates/{x}/erase", 403),
    ("candidate", "POST", "/v1/candidates/{y}/erase", 404),
    ("candidate", "POST", "/v1/candidate-imports", 403),
    ("ministry", "POST", "/v1/candidate-imports", 403),
    ("visa_authority", "POST", "/v1/candidate-imports", 403),
    ("visa_authority", "PATCH", "/v1/candidates/{x}", 403),
    ("visa_authority", "POST", "/v1/candidates/{x}/consents", 403),
    ("ministry", "POST", "/v1/candidates/{x}/consents", 403),
    ("visa_authority", "POST", "/v1/candidates/{x}/erase", 403),
]
APPLICATIONS = [
    ("candidate", "GET", "/v1/applications/{app_x}", 200),
    ("candidate", "GET", "/v1/applications/{app_y}", 404),
    ("candidate", "GET", "/v1/applications/{app_y}/transitions", 404),
    ("officer", "GET", "/v1/applications/{app_x}", 200),
    ("officer", "GET", "/v1/applications/{app_y}", 404),
    ("institution", "GET", "/v1/applications/{app_x}", 200),
    ("institution", "GET", "/v1/applications/{app_y}", 404),
    ("ministry", "GET", "/v1/applications/{app_x}", 403),
    ("employer", "GET", "/v1/applications", 403),
    ("candidate", "POST", "/v1/applications/{app_x}/screen", 403),
    ("institution", "POST", "/v1/applications/{app_x}/withdraw", 403),
    ("candidate", "POST", "/v1/applications/{app_y}/withdraw", 404),
    ("officer", "POST", "/v1/applications/{app_y}/screen", 404),
    ("officer", "POST", "/v1/applications/{app_x}/shortlist", 409),  # allowed; still a draft
    ("candidate", "POST", "/v1/programmes/{a}/selection", 403),
    ("officer", "POST", "/v1/programmes/{b}/selection", 404),
    ("officer", "POST", "/v1/programmes/{b}/screening", 404),
    ("ministry", "POST", "/v1/programmes/{a}/screening", 403),
]
PROGRAMMES = [
    *[(role, "GET", "/v1/programmes", 200) for role in
      ("admin", "service", "officer", "ministry", "candidate", "institution", "employer")],
    ("employer", "GET", "/v1/programmes/{b}", 200),
    ("officer", "POST", "/v1/programmes", 422),  # allowed: the empty body is what fails
    ("ministry", "POST", "/v1/programmes", 403),
    ("visa_authority", "POST", "/v1/programmes", 403),
    ("institution", "POST", "/v1/programmes", 403),
    ("officer", "PATCH", "/v1/programmes/{b}", 404),
    ("officer", "PATCH", "/v1/programmes/{a}", 200),
    ("candidate", "PATCH", "/v1/programmes/{a}", 403),
    ("ministry", "GET", "/v1/programmes/{a}/statistics", 200),
    ("ministry", "GET", "/v1/programmes/{b}/statistics", 404),
    ("officer", "GET", "/v1/programmes/{b}/statistics", 404),
    ("candidate", "GET", "/v1/programmes/{a}/statistics", 403),
    ("employer", "GET", "/v1/programmes/{a}/statistics", 403),
]
INSTITUTIONS = [
    ("institution", "GET", "/v1/institutions/{institution}", 200),
    ("institution", "GET", "/v1/institutions/{other_institution}", 404),
    ("institution", "PATCH", "/v1/institutions/{institution}", 200),
    ("officer", "PATCH", "/v1/institutions/{institution}", 403),
    ("admin", "PATCH", "/v1/institutions/{institution}", 200),
    ("officer", "POST", "/v1/institutions", 422),  # allowed, as before: the body fails
    ("candidate", "GET", "/v1/institutions", 403),
    ("employer", "GET", "/v1/institutions/{institution}", 403),
    ("institution", "POST", "/v1/institutions", 403),
    ("institution", "PATCH", "/v1/institutions/{other_institution}", 404),
    ("institution", "GET", "/v1/institutions/{other_institution}/nominations", 404),
    ("institution", "GET", "/v1/institutions/{institution}/nominations", 200),
    ("candidate", "GET", "/v1/institutions/{institution}/nominations", 403),
    ("ministry", "GET", "/v1/institutions/{institution}/nominations", 403),
]
TRAINING = [
    ("candidate", "GET", "/v1/programmes/{a}/training-modules", 200),
    ("employer", "GET", "/v1/training-modules/{module_b}", 200),
    ("officer", "POST", "/v1/programmes/{b}/training-modules", 404),
    ("candidate", "POST", "/v1/programmes/{a}/training-modules", 403),
    ("officer", "PATCH", "/v1/training-modules/{module_b}", 404),
    ("officer", "GET", "/v1/training-modules/{module_b}/enrolments", 404),
    ("officer", "GET", "/v1/training-modules/{module_a}/enrolments", 200),
    ("institution", "GET", "/v1/training-modules/{module_a}/enrolments", 403),
    ("officer", "POST", "/v1/training-modules/{module_b}/enrolments", 404),
]


def _case_id(case: tuple[str, str, str, int]) -> str:
    role, method, path, status = case
    return f"{role}-{method}-{path}-{status}"


class TestRoleMatrix:
    @pytest.mark.parametrize(
        "case", READ_PERSON + WRITE_PERSON + APPLICATIONS + PROGRAMMES + INSTITUTIONS + TRAINING,
        ids=_case_id)
    async def test_status(self, client: httpx.AsyncClient, world: World,
                          case: tuple[str, str, str, int]) -> None:
        role, method, path, expected = case
        body: dict[str, Any] | None = {} if method in ("POST", "PATCH") else None
        # A valid body where the rule is checked after the body is read.
        if method == "PATCH" and path.startswith("/v1/candidates/"):
            body = {"residence_city": "Fès"}
        elif method == "POST" and path.endswith("/training-modules"):
            body = training_module_body()
        elif method == "POST" and path.endswith("/enrolments"):
            body = {"candidate_id": world.x}
        response = await call(client, world, role, method, path, json=body)
        assert response.status_code == expected, response.text
        if expected >= 400:
            assert response.headers["content-type"] == PROBLEM


class TestListsAreScoped:
    @pytest.mark.parametrize("role", ["officer", "candidate", "institution"])
    async def test_candidates(self, client: httpx.AsyncClient, world: World, role: str) -> None:
        assert ids(await call(client, world, role, "GET", "/v1/candidates?limit=200")) == \
            {world.x}

    async def test_unlinked_candidate_sees_nobody(self, client: httpx.AsyncClient,
                                                  world: World) -> None:
        assert ids(await call(client, world, "unlinked_candidate", "GET",
                              "/v1/candidates")) == set()

    @pytest.mark.parametrize("role", ["officer", "candidate", "institution"])
    async def test_applications(self, client: httpx.AsyncClient, world: World,
                                role: str) -> None:
        assert ids(await call(client, world, role, "GET", "/v1/applications?limit=200")) == \
            {world.app_x}

    async def test_filter_cannot_widen(self, client: httpx.AsyncClient, world: World) -> None:
        response = await call(client, world, "candidate", "GET",
                              "/v1/applications?candidate_id={y}")
        assert ids(response) == set()

    async def test_admin_sees_both(self, client: httpx.AsyncClient, world: World) -> None:
        found = ids(await call(client, world, "admin", "GET", "/v1/candidates?limit=200"))
        assert {world.x, world.y} <= found


class TestOwnerLinks:
    async def test_candidate_applies_only_for_themselves(self, client: httpx.AsyncClient,
                                                         world: World) -> None:
        response = await call(client, world, "candidate", "POST", "/v1/applications",
                              json={"candidate_id": world.y, "programme_id": world.a})
        assert response.status_code == 403
        assert "candidate_id" in response.json()["detail"]

    async def test_candidate_applies_for_themselves(self, client: httpx.AsyncClient,
                                                    world: World) -> None:
        response = await call(client, world, "candidate", "POST", "/v1/applications",
                              json={"candidate_id": world.x, "programme_id": world.b})
        assert response.status_code == 201, response.text

    async def test_officer_applies_only_in_their_programmes(self, client: httpx.AsyncClient,
                                                            world: World) -> None:
        response = await call(client, world, "officer", "POST", "/v1/applications",
                              json={"candidate_id": world.x, "programme_id": world.b})
        assert response.status_code == 404

    @pytest.mark.parametrize("field", [{"status": "selected"}, {"id": str(uuid.uuid4())},
                                       {"score": 99}])
    async def test_status_and_ids_are_rejected(self, client: httpx.AsyncClient, world: World,
                                               field: dict[str, Any]) -> None:
        response = await call(client, world, "candidate", "POST", "/v1/applications",
                              json={"candidate_id": world.x, "programme_id": world.b} | field)
        assert response.status_code == 422
        assert [["body", next(iter(field))]] == [e["loc"] for e in response.json()["errors"]]

    async def test_institution_nominates_only_for_itself(self, client: httpx.AsyncClient,
                                                         world: World) -> None:
        response = await call(client, world, "institution", "POST",
                              "/v1/institutions/{other_institution}/nominations",
                              json={"candidate_id": world.y, "programme_id": world.b})
        assert response.status_code == 404

    async def test_candidate_consents_for_themselves(self, client: httpx.AsyncClient,
                                                     world: World) -> None:
        body = {"purpose": "data_processing", "text_version": "2026-01", "action": "given"}
        own = await call(client, world, "candidate", "POST", "/v1/candidates/{x}/consents",
                         json=body)
        other = await call(client, world, "candidate", "POST", "/v1/candidates/{y}/consents",
                           json=body)
        assert (own.status_code, other.status_code) == (201, 404)

    async def test_candidate_erases_own_profile(self, client: httpx.AsyncClient,
                                                world: World) -> None:
        response = await call(client, world, "candidate", "POST", "/v1/candidates/{x}/erase")
        assert response.status_code == 200, response.text


class TestMinistryReadsAggregatesOnly:
    async def test_small_cells_are_suppressed(self, client: httpx.AsyncClient,
                                              world: World) -> None:
        ministry = await call(client, world, "ministry", "GET", "/v1/programmes/{a}/statistics")
        officer = await call(client, world, "officer", "GET", "/v1/programmes/{a}/statistics")
        # One applicant in A: every breakdown cell counts one person.
        assert officer.json()["by_status"] == {"draft": 1}
        body = ministry.json()
        # The total of one is withheld too, or every breakdown's single cell would be it.
        assert body["applications_total"] is None
        assert body["by_status"] == {"draft": None}
        for name in ("by_gender", "by_nationality"):
            assert list(body[name].values()) == [None], name
        assert (body["suppressed_cells"], body["small_cell_threshold"]) == (4, 5)



def problem_type(response: httpx.Response) -> str:
    """The last part of a problem's ``type``: its slug."""
    assert response.headers["content-type"] == PROBLEM, response.text
    return str(response.json()["type"]).rsplit("/", 1)[-1]


class TestLinksInWrites:
    """A write naming another party's object is a 404, exactly as reading it would be."""

    async def test_institution_nominates_only_people_it_sees(
            self, client: httpx.AsyncClient, world: World) -> None:
        response = await call(client, world, "institution", "POST",
                              "/v1/institutions/{institution}/nominations",
                              json={"candidate_id": world.y, "programme_id": world.a})
        assert (response.status_code, problem_type(response)) == (404, "candidate-not-found")

    async def test_institution_nominates_its_nominee_to_any_programme(
            self, client: httpx.AsyncClient, world: World) -> None:
        response = await call(client, world, "institution", "POST",
                              "/v1/institutions/{institution}/nominations",
                              json={"candidate_id": world.x, "programme_id": world.b})
        assert response.status_code == 201, response.text

    async def test_officer_nominates_only_people_of_their_programmes(
            self, client: httpx.AsyncClient, world: World) -> None:
        response = await call(client, world, "officer", "POST",
                              "/v1/institutions/{institution}/nominations",
                              json={"candidate_id": world.y, "programme_id": world.a})
        assert (response.status_code, problem_type(response)) == (404, "candidate-not-found")

    async def test_officer_nominates_only_to_their_programmes(
            self, client: httpx.AsyncClient, world: World) -> None:
        response = await call(client, world, "officer", "POST",
                              "/v1/institutions/{institution}/nominations",
                              json={"candidate_id": world.x, "programme_id": world.b})
        assert (response.status_code, problem_type(response)) == (404, "programme-not-found")

    async def test_officer_applies_only_people_they_see(self, client: httpx.AsyncClient,
                                                        world: World) -> None:
        response = await call(client, world, "officer", "POST", "/v1/applications",
                              json={"candidate_id": world.y, "programme_id": world.a})
        assert (response.status_code, problem_type(response)) == (404, "candidate-not-found")

    async def test_officer_enrols_only_people_they_see(self, client: httpx.AsyncClient,
                                                       world: World) -> None:
        response = await call(client, world, "officer", "POST",
                              "/v1/training-modules/{module_a}/enrolments",
                              json={"candidate_id": world.y})
        assert (response.status_code, problem_type(response)) == (404, "candidate-not-found")

    async def test_officer_enrols_only_people_of_the_modules_programme(
            self, client: httpx.AsyncClient, world: World, mint_token: TokenMinter) -> None:
        # An officer of both A and B sees y (applied to B), but A's module is for A's people.
        both = mint_token("officer", programme_ids=[world.a, world.b])
        headers = {"Authorization": f"Bearer {both}"}
        other = await client.post(f"/v1/training-modules/{world.module_a}/enrolments",
                                  json={"candidate_id": world.y}, headers=headers)
        own = await client.post(f"/v1/training-modules/{world.module_a}/enrolments",
                                json={"candidate_id": world.x}, headers=headers)
        assert (other.status_code, problem_type(other)) == (404, "candidate-not-found")
        assert own.status_code == 201, own.text

    async def test_officer_reads_training_of_their_programmes_only(
            self, client: httpx.AsyncClient, world: World) -> None:
        response = await call(client, world, "officer", "GET",
                              "/v1/candidates/{x}/training?programme_id={b}")
        assert (response.status_code, problem_type(response)) == (404, "programme-not-found")


class TestInstitutionsAreScoped:
    async def test_institution_lists_only_itself(self, client: httpx.AsyncClient,
                                                 world: World) -> None:
        assert ids(await call(client, world, "institution", "GET",
                              "/v1/institutions?limit=200")) == {world.institution}

    async def test_officer_lists_every_institution(self, client: httpx.AsyncClient,
                                                   world: World) -> None:
        found = ids(await call(client, world, "officer", "GET", "/v1/institutions?limit=200"))
        assert {world.institution, world.other_institution} <= found


class TestOfficerOpensProgrammes:
    async def test_opens_then_changes_it_once_the_token_carries_it(
            self, client: httpx.AsyncClient, world: World, mint_token: TokenMinter) -> None:
        created = await call(client, world, "officer", "POST", "/v1/programmes",
                             json=programme_body())
        assert created.status_code == 201, created.text
        new = created.json()["id"]
        before = await call(client, world, "officer", "PATCH", f"/v1/programmes/{new}",
                            json={"capacity": 12})
        assert (before.status_code, problem_type(before)) == (404, "programme-not-found")
        carries = mint_token("officer", programme_ids=[world.a, new])
        after = await client.patch(f"/v1/programmes/{new}", json={"capacity": 12},
                                   headers={"Authorization": f"Bearer {carries}", **NEW})
        assert (after.status_code, after.json()["capacity"]) == (200, 12)

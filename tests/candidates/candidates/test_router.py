"""Candidate profiles and consents over HTTP: create, read, list, update, consent, bad input."""

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.applications.models import Application
from services.candidates.candidates.schemas import CandidateOut
from tests.candidates.factories import (
    PYTHON_URI,
    candidate_body,
    create_candidate,
    create_programme,
    post_candidate,
)
from tests.etags import NEW

PROBLEM = "application/problem+json"


def unique(prefix: str = "x") -> str:
    """A lower-case token no other test uses, valid as a sector slug or skill label."""
    return f"{prefix}{uuid.uuid4().hex[:12]}"


async def listed(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    """The items of the first page of the list with ``params``."""
    response = await client.get("/v1/candidates", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def years_ago(years: int, days: int = 0) -> str:
    """The ISO date ``years`` years (and ``days`` days) before today."""
    today = date.today()
    return (today.replace(year=today.year - years) - timedelta(days=days)).isoformat()


def tomorrow() -> str:
    return (date.today() + timedelta(days=1)).isoformat()


def today_iso() -> str:
    return date.today().isoformat()


def in_seven_years() -> int:
    return date.today().year + 7


def resolved(value: Any) -> Any:
    """``value`` with every function in it called. Parameters name dates relative to today as
    functions, so that they are computed when the test runs: computed at collection, a run
    started before midnight would check after it against yesterday's "tomorrow"."""
    if callable(value):
        return value()
    if isinstance(value, dict):
        return {k: resolved(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolved(v) for v in value]
    return value


class TestCreateCandidate:
    async def test_created_with_location_and_etag(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/candidates", json=candidate_body(given_name="Yasmine"))
        assert response.status_code == 201, response.text
        body = response.json()
        assert response.headers["location"] == f"/v1/candidates/{body['id']}"
        assert response.headers["etag"] == '"1"'
        assert body["given_name"] == "Yasmine" and body["version"] == 1
        assert body["skills"] == [
            {"uri": PYTHON_URI, "label": "Python", "esco": True},
            {"uri": None, "label": "SQL", "esco": False},
        ]
        assert body["languages"] == [{"language": "fr", "level": "B2"},
                                     {"language": "ar", "level": "C2"}]
        assert "skill_keys" not in body
        CandidateOut.model_validate(body)

    async def test_optional_fields_may_be_left_out(self, client: httpx.AsyncClient) -> None:
        body = {k: v for k, v in candidate_body().items()
                if k in ("given_name", "family_name", "email", "date_of_birth", "gender",
                         "nationality", "residence_country")}
        response = await client.post("/v1/candidates", json=body)
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["phone"] is None and created["education"] == []
        assert created["available_from_date"] is None

    async def test_duplicate_email_is_409_case_insensitively(
        self, client: httpx.AsyncClient
    ) -> None:
        first = await post_candidate(client)
        response = await client.post("/v1/candidates",
                                     json=candidate_body(email=first["email"].upper()))
        assert response.status_code == 409
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert problem["type"] == "/problems/candidate-email-taken"
        assert first["email"].lower() not in str(problem).lower()  # no personal data echoed

    @pytest.mark.parametrize("field", ["skill_keys", "id", "version", "created_at", "status"])
    async def test_unknown_or_server_field_is_422(self, client: httpx.AsyncClient,
                                                  field: str) -> None:
        response = await client.post("/v1/candidates",
                                     json=candidate_body(**{field: ["python"]}))
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM
        assert ["body", field] in [e["loc"] for e in response.json()["errors"]]

    @pytest.mark.parametrize("bad", [
        {"given_name": ""}, {"given_name": 42}, {"family_name": None}, {"email": "not-an-email"},
        {"email": None}, {"phone": "0612345678"}, {"phone": "+0612345678"},
        {"date_of_birth": "17/05/2000"}, {"date_of_birth": tomorrow},
        {"date_of_birth": today_iso}, {"date_of_birth": partial(years_ago, 14, -1)},
        {"date_of_birth": partial(years_ago, 100)}, {"gender": "unknown"}, {"nationality": "XX"},
        {"nationality": "ma"}, {"residence_country": "ZZ"}, {"residence_country": None},
        {"education": [{"institution": "U", "level": "phd", "year": 2020}]},
        {"education": [{"institution": "U", "level": "master", "year": 1949}]},
        {"education": [{"institution": "U", "level": "master", "year": in_seven_years}]},
        {"education": [{"institution": "U", "level": "master", "year": "soon"}]},
        {"education": [{"institution": "U", "level": "master", "year": 2020, "grade": "A"}]},
        {"education": {"institution": "U"}},
        {"skills": [{}]}, {"skills": [{"uri": "ftp://example.org/skill"}]},
        {"skills": [{"label": ""}]}, {"skills": ["python"]},
        {"skills": [{"uri": "http://data.europa.eu/esco/skill/not-in-esco"}]},
        {"languages": [{"language": "xx", "level": "B2"}]},
        {"languages": [{"language": "fr", "level": "D1"}]},
        {"languages": [{"language": "FR", "level": "B1"}]},
        {"languages": [{"language": "fr", "level": "B1"}, {"language": "fr", "level": "C1"}]},
        {"preferred_sectors": ["ICT!"]}, {"preferred_countries": ["XX"]},
        {"available_from_date": "2027-01-01", "available_until_date": "2026-12-31"},
    ])
    async def test_bad_value_is_422_and_creates_nothing(self, client: httpx.AsyncClient,
                                                        bad: dict[str, Any]) -> None:
        bad = resolved(bad)
        marker = unique("Rejected")  # in both names: a bad value replaces at most one
        body = candidate_body(given_name=marker, family_name=marker) | bad
        response = await client.post("/v1/candidates", json=body)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["type"] == "/problems/validation"
        assert await listed(client, q=marker) == []

    async def test_unknown_esco_skill_is_named(self, client: httpx.AsyncClient) -> None:
        unknown = "http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000"
        response = await client.post("/v1/candidates", json=candidate_body(
            skills=[{"label": "Python"}, {"uri": unknown}]))
        assert response.status_code == 422
        [error] = response.json()["errors"]
        assert error["loc"] == ["body", "skills", "1", "uri"] and unknown in error["msg"]

    async def test_age_bounds_are_inclusive(self, client: httpx.AsyncClient) -> None:
        for born in (years_ago(14), years_ago(99)):
            response = await client.post("/v1/candidates", json=candidate_body(date_of_birth=born))
            assert response.status_code == 201, (born, response.text)

    async def test_missing_required_field_is_422(self, client: httpx.AsyncClient) -> None:
        body = candidate_body()
        del body["date_of_birth"]
        response = await client.post("/v1/candidates", json=body)
        assert response.status_code == 422
        assert ["body", "date_of_birth"] in [e["loc"] for e in response.json()["errors"]]

    async def test_malformed_json_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/candidates", content=b"{not json",
                                     headers={"content-type": "application/json"})
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM

    async def test_concurrent_same_email_creates_once(
        self, committing_client: httpx.AsyncClient
    ) -> None:
        email = f"{unique('race')}@example.org"
        responses = await asyncio.gather(*[
            committing_client.post("/v1/candidates", json=candidate_body(email=email))
            for _ in range(4)])
        assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]


class TestIdempotency:
    async def test_same_key_same_body_replays(self, client: httpx.AsyncClient) -> None:
        marker = unique("Replayed")
        body = candidate_body(family_name=marker)
        headers = {"Idempotency-Key": f"register-{marker}"}
        first = await client.post("/v1/candidates", json=body, headers=headers)
        second = await client.post("/v1/candidates", json=body, headers=headers)
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert second.headers["idempotent-replayed"] == "true"
        assert second.headers["etag"] == first.headers["etag"]
        assert len(await listed(client, q=marker)) == 1

    async def test_same_key_other_body_is_422(self, client: httpx.AsyncClient) -> None:
        headers = {"Idempotency-Key": f"register-{unique()}"}
        await client.post("/v1/candidates", json=candidate_body(), headers=headers)
        response = await client.post("/v1/candidates", json=candidate_body(), headers=headers)
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/idempotency-key-reused"


class TestReadCandidate:
    async def test_get_is_the_created_profile(self, client: httpx.AsyncClient) -> None:
        created = await post_candidate(client)
        response = await client.get(f"/v1/candidates/{created['id']}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.headers["etag"] == '"1"'
        body = response.json()
        assert body == created
        assert list(body) == list(CandidateOut.model_fields)  # same keys, same order
        assert CandidateOut.model_validate(body) == CandidateOut.model_validate(created)

    async def test_sparse_profile_has_the_same_shape(self, client: httpx.AsyncClient) -> None:
        created = await post_candidate(client, phone=None, residence_city=None, education=[],
                                       skills=[], languages=[], preferred_sectors=[],
                                       preferred_countries=[], available_from_date=None,
                                       available_until_date=None)
        body = (await client.get(f"/v1/candidates/{created['id']}")).json()
        assert body == created
        assert CandidateOut.model_validate(body).phone is None

    async def test_timestamps_are_utc_like_pydantic(self, client: httpx.AsyncClient,
                                                    session: AsyncSession) -> None:
        # Whole seconds are written without a fraction by pydantic; the SQL must agree.
        row = await create_candidate(
            session, created_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
            updated_at=datetime(2025, 1, 2, 3, 4, 5, 120, tzinfo=UTC))
        expected = CandidateOut.model_validate(row).model_dump(mode="json")
        body = (await client.get(f"/v1/candidates/{row.id}")).json()
        assert body["created_at"] == expected["created_at"] == "2025-01-02T03:04:05Z"
        assert body["updated_at"] == expected["updated_at"] == "2025-01-02T03:04:05.000120Z"
        assert datetime.fromisoformat(body["updated_at"]) == row.updated_at

    async def test_text_is_escaped(self, client: httpx.AsyncClient) -> None:
        created = await post_candidate(client, given_name='Nour "N\\1" Élise',
                                       residence_city="Tétouan\tcentre")
        body = (await client.get(f"/v1/candidates/{created['id']}")).json()
        assert body == created
        assert body["given_name"] == 'Nour "N\\1" Élise'

    async def test_reads_on_the_hot_pool(self, committing_client: httpx.AsyncClient) -> None:
        # committing_client does not swap the hot reads for the test session: this goes through
        # the service's own asyncpg pool, as in production.
        skill = unique("pooled")
        created = await post_candidate(committing_client, skills=[{"label": skill}])
        many = await asyncio.gather(*[committing_client.get(f"/v1/candidates/{created['id']}")
                                      for _ in range(30)])
        assert {r.status_code for r in many} == {200}
        assert all(r.json() == created for r in many)
        listed_body = (await committing_client.get("/v1/candidates",
                                                   params={"skill": skill})).json()
        assert listed_body == {"items": [created], "next_cursor": None}
        missing = await committing_client.get(f"/v1/candidates/{uuid.uuid4()}")
        assert missing.status_code == 404

    async def test_unknown_is_404_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/candidates/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/candidate-not-found"

    async def test_malformed_id_is_422(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/candidates/not-a-uuid")).status_code == 422


class TestListCandidates:
    async def test_items_have_the_profile_shape(self, client: httpx.AsyncClient) -> None:
        skill = unique("shape")
        created = await post_candidate(client, skills=[{"label": skill}])
        response = await client.get("/v1/candidates", params={"skill": skill})
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"items": [created], "next_cursor": None}

    async def test_pages_through_everything_once_in_order(
        self, client: httpx.AsyncClient
    ) -> None:
        skill = unique("paged")
        created = [(await post_candidate(client, skills=[{"label": skill}]))["id"]
                   for _ in range(5)]
        pages: list[list[str]] = []
        cursor = None
        while True:
            params = {"limit": 2, "skill": skill} | ({"cursor": cursor} if cursor else {})
            body = (await client.get("/v1/candidates", params=params)).json()
            pages.append([c["id"] for c in body["items"]])
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert [len(p) for p in pages] == [2, 2, 1]
        seen = [id_ for page in pages for id_ in page]
        # One transaction gives every row the same created_at: ties are ordered by id.
        assert seen == sorted(created)

    async def test_exact_last_page_has_no_cursor(self, client: httpx.AsyncClient) -> None:
        skill = unique("exact")
        for _ in range(2):
            await post_candidate(client, skills=[{"label": skill}])
        body = (await client.get("/v1/candidates", params={"limit": 2, "skill": skill})).json()
        assert len(body["items"]) == 2 and body["next_cursor"] is None

    async def test_skill_by_label_or_uri_any_case(self, client: httpx.AsyncClient) -> None:
        label = unique("Kotlin")
        # Another vocabulary's URI (ESCO's are checked against the classification).
        uri = f"https://vocabulary.example.org/skill/{unique()}"
        created = await post_candidate(client, skills=[{"label": label, "uri": uri}])
        await post_candidate(client, skills=[{"label": unique()}])
        for skill in (label, label.upper(), uri, uri.upper()):
            assert [c["id"] for c in await listed(client, skill=skill)] == [created["id"]]

    async def test_sector(self, client: httpx.AsyncClient) -> None:
        sector = unique("s")
        created = await post_candidate(client, preferred_sectors=["ict", sector])
        await post_candidate(client, preferred_sectors=["ict"])
        assert [c["id"] for c in await listed(client, sector=sector)] == [created["id"]]

    async def test_nationality_and_gender(self, client: httpx.AsyncClient) -> None:
        skill = unique("ng")
        moroccan_woman = await post_candidate(client, nationality="MA", gender="female",
                                              skills=[{"label": skill}])
        tunisian_man = await post_candidate(client, nationality="TN", gender="male",
                                            skills=[{"label": skill}])
        moroccan_man = await post_candidate(client, nationality="MA", gender="male",
                                            skills=[{"label": skill}])

        async def ids(**params: str) -> set[str]:
            return {c["id"] for c in await listed(client, skill=skill, **params)}

        assert await ids(nationality="MA") == {moroccan_woman["id"], moroccan_man["id"]}
        assert await ids(gender="male") == {tunisian_man["id"], moroccan_man["id"]}
        assert await ids(nationality="MA", gender="male") == {moroccan_man["id"]}
        assert await ids(nationality="SN") == set()

    async def test_name_fragment(self, client: httpx.AsyncClient) -> None:
        marker = unique("Qz")
        created = await post_candidate(client, given_name="Salma", family_name=marker)
        for q in (marker, marker.upper(), f"Salma {marker[:6]}", f"ma {marker.lower()}"):
            assert [c["id"] for c in await listed(client, q=q)] == [created["id"]], q
        assert await listed(client, q=f"Omar {marker}") == []

    async def test_name_wildcards_are_literal(self, client: httpx.AsyncClient) -> None:
        marker = unique()
        percent = await post_candidate(client, family_name=f"A%b_c{marker}")
        await post_candidate(client, family_name=f"Axbyc{marker}")
        assert [c["id"] for c in await listed(client, q=f"%b_c{marker}")] == [percent["id"]]
        assert [c["id"] for c in await listed(client, q=f"a%b_c{marker}")] == [percent["id"]]
        assert await listed(client, q=f"\\{marker}") == []

    async def test_programme_and_status(self, client: httpx.AsyncClient,
                                        session: AsyncSession) -> None:
        programme = uuid.UUID((await create_programme(client))["id"])
        other_programme = uuid.UUID((await create_programme(client))["id"])
        skill = unique("app")
        submitted, selected, elsewhere, _ = [
            uuid.UUID((await post_candidate(client, skills=[{"label": skill}]))["id"])
            for _ in range(4)]
        session.add_all([
            Application(candidate_id=submitted, programme_id=programme, status="submitted"),
            Application(candidate_id=selected, programme_id=programme, status="selected"),
            Application(candidate_id=elsewhere, programme_id=other_programme, status="selected"),
        ])
        await session.flush()

        async def ids(**params: str) -> set[uuid.UUID]:
            return {uuid.UUID(c["id"]) for c in await listed(client, skill=skill, **params)}

        assert await ids(programme_id=str(programme)) == {submitted, selected}
        assert await ids(programme_id=str(programme), status="selected") == {selected}
        assert await ids(status="selected") == {selected, elsewhere}
        assert await ids(programme_id=str(programme), status="withdrawn") == set()
        assert await listed(client, programme_id=str(uuid.uuid4())) == []

    @pytest.mark.parametrize("params", [
        {"limit": 201}, {"limit": 0}, {"limit": "many"}, {"nationality": "XX"},
        {"gender": "unknown"}, {"status": "approved"}, {"programme_id": "nope"},
        {"sector": "Not A Sector"}, {"q": ""}, {"skill": "x" * 501},
    ])
    async def test_bad_query_is_422(self, client: httpx.AsyncClient,
                                    params: dict[str, Any]) -> None:
        response = await client.get("/v1/candidates", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == PROBLEM

    async def test_limit_200_is_allowed(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/candidates", params={"limit": 200, "skill": unique()})
        assert response.status_code == 200

    @pytest.mark.parametrize("cursor", ["bm9wZQ", "WzVd", "!!!", "WyJ4IiwgInkiXQ"])
    async def test_forged_cursor_is_400(self, client: httpx.AsyncClient, cursor: str) -> None:
        response = await client.get("/v1/candidates", params={"cursor": cursor})
        assert response.status_code == 400
        assert response.json()["type"] == "/problems/invalid-cursor"


    @pytest.mark.parametrize("cursor", [
        "WyIyMDIwLTAxLTAxIiwiYWUwOWNhMGEtYzkyYy00YzFkLWE3NDEtYzUyZjE3ZGVkZmVjIl0",  # naive
        "WyI5OTk5LTEyLTMxVDIzOjU5OjU5KzE0OjAwIiwiNDQ2MjE3NjQtMTVjMi00NjkzLTk0MGQtZjJjNTRjY2M1NWQwIl0",
    ])
    async def test_odd_but_wellformed_cursor_is_no_error(self, client: httpx.AsyncClient,
                                                         cursor: str) -> None:
        response = await client.get("/v1/candidates", params={"cursor": cursor,
                                                              "skill": unique()})
        assert response.status_code == 200, response.text
        assert response.json() == {"items": [], "next_cursor": None}


class TestUpdateCandidate:
    async def test_patch_with_current_etag(self, client: httpx.AsyncClient) -> None:
        created = await post_candidate(client)
        url = f"/v1/candidates/{created['id']}"
        response = await client.patch(url, json={"residence_city": "Casablanca"},
                                      headers={"If-Match": '"1"'})
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == '"2"'
        body = response.json()
        assert body["residence_city"] == "Casablanca" and body["version"] == 2
        assert body["given_name"] == created["given_name"]
        read = await client.get(url)
        assert read.json() == body and read.headers["etag"] == '"2"'

    async def test_patch_without_if_match_is_428_and_changes_nothing(
            self, client: httpx.AsyncClient) -> None:
        created = await post_candidate(client)
        url = f"/v1/candidates/{created['id']}"
        response = await client.patch(url, json={"gender": "undisclosed"})
        assert response.status_code == 428
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/precondition-required"
        assert (await client.get(url)).json() == created

    async def test_weak_etag_never_matches_a_change(self, client: httpx.AsyncClient) -> None:
        created = await post_candidate(client)
        url = f"/v1/candidates/{created['id']}"
        weak = await client.patch(url, json={"gender": "undisclosed"},
                                  headers={"If-Match": 'W/"1"'})
        assert weak.status_code == 412
        assert (await client.get(url)).json() == created
        anything = await client.patch(url, json={"gender": "undisclosed"},
                                      headers={"If-Match": "*"})
        assert anything.status_code == 200 and anything.json()["version"] == 2

    async def test_stale_etag_is_412_and_changes_nothing(self, client: httpx.AsyncClient) -> None:
        created = await post_candidate(client)
        url = f"/v1/candidates/{created['id']}"
        await client.patch(url, json={"residence_city": "Fès"}, headers={"If-Match": '"1"'})
        stale = await client.patch(url, json={"residence_city": "Tanger"},
                                   headers={"If-Match": '"1"'})
        assert stale.status_code == 412
        assert stale.headers["content-type"] == PROBLEM
        assert stale.json()["current_version"] == 2
        current = (await client.get(url)).json()
        assert current["residence_city"] == "Fès" and current["version"] == 2

    async def test_null_for_required_field_is_422(self, client: httpx.AsyncClient) -> None:
        created = await post_candidate(client)
        for field in ("given_name", "email", "date_of_birth", "skills", "languages"):
            response = await client.patch(f"/v1/candidates/{created['id']}",
                                          json={field: None}, headers=NEW)
            assert response.status_code == 422, field

    async def test_null_clears_optional_field(self, client: httpx.AsyncClient) -> None:
        created = await post_candidate(client)
        response = await client.patch(f"/v1/candidates/{created['id']}",
                                      json={"phone": None, "available_until_date": None},
                                      headers=NEW)
        assert response.status_code == 200
        assert response.json()["phone"] is None
        assert response.json()["available_until_date"] is None

    @pytest.mark.parametrize("bad", [
        {"version": 7}, {"skill_keys": ["go"]}, {"id": str(uuid.uuid4())},
        {"nationality": "XX"}, {"date_of_birth": partial(years_ago, 5)},
        {"languages": [{"language": "fr", "level": "B1"}, {"language": "fr", "level": "B2"}]},
        {"available_from_date": "2027-01-01", "available_until_date": "2026-01-01"},
    ])
    async def test_bad_change_is_422_and_changes_nothing(self, client: httpx.AsyncClient,
                                                         bad: dict[str, Any]) -> None:
        bad = resolved(bad)  # dates computed now (see resolved)
        created = await post_candidate(client)
        url = f"/v1/candidates/{created['id']}"
        response = await client.patch(url, json=bad, headers=NEW)
        assert response.status_code == 422, (bad, response.text)
        assert (await client.get(url)).json() == created

    async def test_availability_checked_against_stored_dates(
        self, client: httpx.AsyncClient
    ) -> None:
        created = await post_candidate(client, available_from_date="2026-09-01",
                                       available_until_date="2027-08-31")
        url = f"/v1/candidates/{created['id']}"
        response = await client.patch(url, json={"available_until_date": "2026-01-01"},
                                      headers=NEW)
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/invalid-availability"
        assert (await client.get(url)).json()["version"] == 1

    async def test_new_skills_recompute_the_filter(self, client: httpx.AsyncClient) -> None:
        old, new = unique("old"), unique("New")
        created = await post_candidate(client, skills=[{"label": old}])
        response = await client.patch(f"/v1/candidates/{created['id']}",
                                      json={"skills": [{"label": new}]}, headers=NEW)
        assert response.status_code == 200
        assert response.json()["skills"] == [{"uri": None, "label": new, "esco": False}]
        assert await listed(client, skill=old) == []
        assert [c["id"] for c in await listed(client, skill=new)] == [created["id"]]
        # The stored items have their full shape, as the raw read emits them.
        read = (await client.get(f"/v1/candidates/{created['id']}")).json()
        assert read["skills"] == [{"uri": None, "label": new, "esco": False}]

    async def test_email_taken_by_another_is_409(self, client: httpx.AsyncClient) -> None:
        first = await post_candidate(client)
        second = await post_candidate(client)
        url = f"/v1/candidates/{second['id']}"
        response = await client.patch(url, json={"email": first["email"].upper()},
                                      headers=NEW)
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/candidate-email-taken"
        assert (await client.get(url)).json() == second

    async def test_own_email_in_other_case_is_fine(self, client: httpx.AsyncClient) -> None:
        created = await post_candidate(client)
        local, _, domain = created["email"].partition("@")
        response = await client.patch(f"/v1/candidates/{created['id']}",
                                      json={"email": f"{local.upper()}@{domain}"}, headers=NEW)
        assert response.status_code == 200, response.text

    async def test_unknown_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.patch(f"/v1/candidates/{uuid.uuid4()}",
                                      json={"residence_city": "Rabat"}, headers=NEW)
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/candidate-not-found"


class TestConsents:
    async def test_append_then_history_and_current(self, client: httpx.AsyncClient) -> None:
        created = await post_candidate(client)
        url = f"/v1/candidates/{created['id']}/consents"
        events = [
            {"purpose": "data_processing", "text_version": "v1", "action": "given"},
            {"purpose": "marketing", "text_version": "v1", "action": "given"},
            {"purpose": "marketing", "text_version": "v2", "action": "withdrawn"},
        ]
        recorded = []
        for event in events:
            response = await client.post(url, json=event)
            assert response.status_code == 201, response.text
            assert {k: response.json()[k] for k in event} == event
            recorded.append(response.json())
        history = await client.get(url)
        assert history.status_code == 200
        body = history.json()
        assert body["items"] == recorded  # oldest first
        assert body["current"] == {
            "data_processing": {"action": "given", "state": "given", "legal_basis": "consent",
                                "text_version": "v1", "expires_at": None,
                                "recorded_at": recorded[0]["recorded_at"]},
            "marketing": {"action": "withdrawn", "state": "withdrawn", "legal_basis": "consent",
                          "text_version": "v2", "expires_at": None,
                          "recorded_at": recorded[2]["recorded_at"]},
        }

    async def test_empty_history(self, client: httpx.AsyncClient) -> None:
        created = await post_candidate(client)
        body = (await client.get(f"/v1/candidates/{created['id']}/consents")).json()
        assert body == {"items": [], "current": {}}

    @pytest.mark.parametrize("bad", [
        {"purpose": "data_processing", "text_version": "v1", "action": "revoked"},
        {"purpose": "Data Processing", "text_version": "v1", "action": "given"},
        {"purpose": "data_processing", "text_version": "", "action": "given"},
        {"purpose": "data_processing", "action": "given"},
        {"purpose": "data_processing", "text_version": "v1", "action": "given",
         "recorded_at": "2020-01-01T00:00:00Z"},
    ])
    async def test_bad_event_is_422_and_records_nothing(self, client: httpx.AsyncClient,
                                                        bad: dict[str, Any]) -> None:
        created = await post_candidate(client)
        url = f"/v1/candidates/{created['id']}/consents"
        response = await client.post(url, json=bad)
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM
        assert (await client.get(url)).json()["items"] == []

    async def test_unknown_candidate_is_404(self, client: httpx.AsyncClient) -> None:
        url = f"/v1/candidates/{uuid.uuid4()}/consents"
        event = {"purpose": "data_processing", "text_version": "v1", "action": "given"}
        for response in (await client.post(url, json=event), await client.get(url)):
            assert response.status_code == 404
            assert response.json()["type"] == "/problems/candidate-not-found"

    async def test_record_cannot_be_changed(self, client: httpx.AsyncClient) -> None:
        created = await post_candidate(client)
        url = f"/v1/candidates/{created['id']}/consents"
        for method in ("PUT", "PATCH", "DELETE"):
            assert (await client.request(method, url)).status_code == 405

    async def test_idempotent_append(self, client: httpx.AsyncClient) -> None:
        first, second = await post_candidate(client), await post_candidate(client)
        event = {"purpose": "data_processing", "text_version": "v1", "action": "given"}
        headers = {"Idempotency-Key": f"consent-{unique()}"}
        url = f"/v1/candidates/{first['id']}/consents"
        once = await client.post(url, json=event, headers=headers)
        again = await client.post(url, json=event, headers=headers)
        assert once.status_code == again.status_code == 201
        assert once.json() == again.json()
        assert len((await client.get(url)).json()["items"]) == 1
        # The same key under another candidate is another request, never the first's replay.
        other = await client.post(f"/v1/candidates/{second['id']}/consents", json=event,
                                  headers=headers)
        assert other.status_code == 201 and "idempotent-replayed" not in other.headers
        assert other.json()["id"] != once.json()["id"]

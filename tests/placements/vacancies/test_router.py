"""Vacancies over HTTP: publish, read, list with filters, update, close and reopen, delete,
bad input, and who may do what."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.etags import NEW
from tests.pages import all_pages
from tests.placements.factories import (
    PROBLEM,
    create_employer,
    create_placement,
    create_vacancy,
    vacancy_body,
)

Auth = Callable[..., dict[str, str]]


async def _body(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    employer = await create_employer(client)
    return vacancy_body(employer_id=employer["id"],
                        programme_id=employer["agreements"][0]["programme_id"]) | overrides


class TestCreateVacancy:
    async def test_created_open_with_derived_fields(self, client: httpx.AsyncClient,
                                                    session: AsyncSession) -> None:
        body = await _body(client, start_date="2027-01-31", duration_months=1)
        response = await client.post("/v1/vacancies", json=body)
        assert response.status_code == 201, response.text
        created = response.json()
        # Each skill comes back marked: its URI is a skill of ESCO, or it is a free label.
        marked = {name: [s | {"esco": s.get("uri") is not None} for s in body[name]]
                  for name in ("required_skills", "nice_to_have_skills")}
        assert {k: created[k] for k in body} == body | marked
        assert (created["status"], created["end_date"], created["version"]) == (
            "open", "2027-02-28", 1)
        assert response.headers["location"] == f"/v1/vacancies/{created['id']}"
        keys = (await session.execute(text(
            "SELECT required_skill_keys, nice_to_have_skill_keys FROM placements.vacancy "
            "WHERE id = :id"), {"id": created["id"]})).one()
        assert keys == (["http://data.europa.eu/esco/skill/00000000-e5c0-4000-8000-000000000009",
                         "configure network devices"], ["python"])

    async def test_optional_fields(self, client: httpx.AsyncClient) -> None:
        body = await _body(client)
        for name in ("description", "required_skills", "nice_to_have_skills",
                     "required_languages", "stipend", "eligible_nationalities"):
            del body[name]
        created = (await client.post("/v1/vacancies", json=body)).json()
        assert (created["stipend"], created["eligible_nationalities"],
                created["required_skills"]) == (None, None, [])

    @pytest.mark.parametrize("bad", [
        {"id": str(uuid.uuid4())}, {"status": "closed"}, {"version": 1}, {"end_date": "2027-01-01"},
        {"occupation_code": "123"}, {"occupation_code": "12345"}, {"occupation_code": "25a3"},
        {"occupation_code": 2523}, {"occupation_code": ""},
        {"seats": 0}, {"seats": -1}, {"seats": "two"}, {"seats": 1001},
        {"duration_months": 0}, {"duration_months": 61},
        {"start_date": "2026-02-30"}, {"start_date": "next monday"}, {"start_date": 20260901},
        {"location": {"country": "XX"}}, {"location": {"city": "Lyon"}}, {"location": "FR"},
        {"stipend": {"amount": "100.00", "currency": "EURO"}},
        {"stipend": {"amount": "100.00", "currency": "ABC"}},
        {"stipend": {"amount": "-5", "currency": "EUR"}}, {"stipend": {"amount": "100.00"}},
        {"required_languages": [{"language": "fr", "min_level": "D1"}]},
        {"required_languages": [{"language": "xx", "min_level": "B1"}]},
        {"required_languages": [{"language": "fr", "min_level": "B1"},
                                {"language": "fr", "min_level": "B2"}]},
        {"required_skills": [{}]}, {"required_skills": [{"uri": "not a uri"}]},
        {"eligible_nationalities": []}, {"eligible_nationalities": ["MA", "MA"]},
        {"eligible_nationalities": ["Morocco"]}, {"sector": "ICT"}, {"title": ""},
        {"employer_id": "nope"},
    ])
    async def test_bad_values_are_422_and_change_nothing(
        self, client: httpx.AsyncClient, bad: dict[str, Any]
    ) -> None:
        body = await _body(client)
        response = await client.post("/v1/vacancies", json=body | bad)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM
        listed = await client.get("/v1/vacancies", params={"employer_id": body["employer_id"]})
        assert listed.json()["items"] == []

    @pytest.mark.parametrize("missing", ["employer_id", "programme_id", "title",
                                         "occupation_code", "sector", "seats", "start_date",
                                         "duration_months", "location"])
    async def test_missing_required_field(self, client: httpx.AsyncClient, missing: str) -> None:
        body = await _body(client)
        del body[missing]
        response = await client.post("/v1/vacancies", json=body)
        assert ["body", missing] in [e["loc"] for e in response.json()["errors"]]

    async def test_programme_without_agreement_is_422(self, client: httpx.AsyncClient) -> None:
        body = await _body(client, programme_id=str(uuid.uuid4()))
        response = await client.post("/v1/vacancies", json=body)
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/no-agreement"

    async def test_unknown_employer_is_404(self, client: httpx.AsyncClient) -> None:
        body = await _body(client, employer_id=str(uuid.uuid4()))
        response = await client.post("/v1/vacancies", json=body)
        assert response.json()["type"] == "/problems/employer-not-found"

    async def test_idempotency_key_replays(self, client: httpx.AsyncClient) -> None:
        body = await _body(client)
        headers = {"Idempotency-Key": f"vac-{uuid.uuid4()}"}
        first = await client.post("/v1/vacancies", json=body, headers=headers)
        second = await client.post("/v1/vacancies", json=body, headers=headers)
        assert first.json() == second.json()
        assert second.headers["idempotent-replayed"] == "true"


ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/00000000-e5c0-4000-8000-00000000003"


class TestEscoOccupation:
    async def test_an_esco_occupation_gives_its_isco_code(
            self, client: httpx.AsyncClient) -> None:
        body = await _body(client, occupation={"uri": ESCO_OCCUPATION.upper().replace(
            "HTTP://DATA.EUROPA.EU", "https://data.europa.eu") + "a"})
        del body["occupation_code"]
        created = (await client.post("/v1/vacancies", json=body)).json()
        assert (created["occupation"], created["occupation_code"]) == (
            {"uri": ESCO_OCCUPATION + "a", "label": None, "esco": True}, "2523")
        # Another ESCO occupation: its own code; a free label keeps the code sent.
        url = f"/v1/vacancies/{created['id']}"
        changed = await client.patch(url, json={"occupation": {"uri": ESCO_OCCUPATION + "7"}},
                                     headers={"If-Match": '"1"'})
        assert changed.json()["occupation_code"] == "2512", changed.text
        free = (await client.patch(url, json={"occupation": {"label": "Network technician"},
                                              "occupation_code": "3513"},
                                   headers={"If-Match": '"2"'})).json()
        assert (free["occupation"], free["occupation_code"]) == (
            {"uri": None, "label": "Network technician", "esco": False}, "3513")

    async def test_an_unknown_esco_uri_is_422_naming_it(self, client: httpx.AsyncClient) -> None:
        unknown = "http://data.europa.eu/esco/occupation/00000000-0000-4000-8000-000000000000"
        response = await client.post("/v1/vacancies", json=await _body(
            client, occupation={"uri": unknown}))
        assert response.status_code == 422
        assert unknown in response.text
        skill = "http://data.europa.eu/esco/skill/00000000-e5c0-4000-8000-000000000009"
        as_occupation = await client.post("/v1/vacancies", json=await _body(
            client, occupation={"uri": skill}))
        assert as_occupation.status_code == 422 and skill in as_occupation.text

    async def test_another_isco_code_than_the_occupations_is_422(
            self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/vacancies", json=await _body(
            client, occupation={"uri": ESCO_OCCUPATION + "7"}, occupation_code="2523"))
        assert response.status_code == 422
        problem = response.json()
        assert problem["type"] == "/problems/occupation-code-mismatch"
        assert problem["errors"][0]["loc"] == ["body", "occupation_code"]
        created = (await client.post("/v1/vacancies", json=await _body(
            client, occupation={"uri": ESCO_OCCUPATION + "7"}, occupation_code="2512"))).json()
        # Changing the code alone, away from the occupation's, is refused too.
        refused = await client.patch(f"/v1/vacancies/{created['id']}",
                                     json={"occupation_code": "2523"},
                                     headers={"If-Match": '"1"'})
        assert refused.json()["type"] == "/problems/occupation-code-mismatch"


class TestReadAndListVacancies:
    async def test_get_and_404(self, client: httpx.AsyncClient) -> None:
        vacancy = await create_vacancy(client)
        response = await client.get(f"/v1/vacancies/{vacancy['id']}")
        assert (response.json(), response.headers["etag"]) == (vacancy, '"1"')
        missing = await client.get(f"/v1/vacancies/{uuid.uuid4()}")
        assert missing.json()["type"] == "/problems/vacancy-not-found"

    async def test_filters(self, client: httpx.AsyncClient) -> None:
        employer = await create_employer(client)
        programme = employer["agreements"][0]["programme_id"]
        lyon = await create_vacancy(client, employer=employer)
        green = await create_vacancy(client, employer=employer, sector="green_energy",
                                     occupation_code="3113",
                                     location={"country": "BE", "city": "Gent"})
        other = await create_vacancy(client)
        await client.post(f"/v1/vacancies/{green['id']}/close")

        async def ids(**params: Any) -> set[str]:
            return {v["id"] for v in await all_pages(client, "/v1/vacancies", **params)}

        assert await ids(programme_id=programme) == {lyon["id"], green["id"]}
        assert await ids(employer_id=employer["id"]) == {lyon["id"], green["id"]}
        assert await ids(employer_id=other["employer_id"]) == {other["id"]}
        assert await ids(programme_id=programme, status="open") == {lyon["id"]}
        assert await ids(programme_id=programme, status="closed") == {green["id"]}
        assert await ids(programme_id=programme, sector="green_energy") == {green["id"]}
        assert await ids(programme_id=programme, country="BE") == {green["id"]}
        assert await ids(programme_id=programme, occupation_code="2523") == {lyon["id"]}

    @pytest.mark.parametrize("params", [{"status": "filled"}, {"country": "France"},
                                        {"occupation_code": "12"}, {"employer_id": "1"}])
    async def test_bad_filters_are_422(self, client: httpx.AsyncClient,
                                       params: dict[str, Any]) -> None:
        assert (await client.get("/v1/vacancies", params=params)).status_code == 422


class TestUpdateVacancy:
    async def test_changes_fields_and_end_date(self, client: httpx.AsyncClient) -> None:
        vacancy = await create_vacancy(client, start_date="2027-03-01")
        response = await client.patch(f"/v1/vacancies/{vacancy['id']}", json={
            "duration_months": 12, "stipend": None, "eligible_nationalities": None,
            "location": {"country": "IT", "city": "Turin"}}, headers={"If-Match": '"1"'})
        assert response.status_code == 200, response.text
        updated = response.json()
        assert (updated["end_date"], updated["stipend"], updated["eligible_nationalities"],
                updated["location"], updated["version"]) == (
            "2028-03-01", None, None, {"country": "IT", "city": "Turin"}, 2)

    @pytest.mark.parametrize("bad", [{"employer_id": str(uuid.uuid4())},
                                     {"programme_id": str(uuid.uuid4())}, {"status": "closed"},
                                     {"seats": None}, {"seats": 0}, {"occupation_code": "1"},
                                     {"start_date": "2026-13-01"}])
    async def test_bad_patch_is_422(self, client: httpx.AsyncClient,
                                    bad: dict[str, Any]) -> None:
        vacancy = await create_vacancy(client)
        response = await client.patch(f"/v1/vacancies/{vacancy['id']}", json=bad, headers=NEW)
        assert response.status_code == 422, response.text

    async def test_seats_never_below_the_placements(self, client: httpx.AsyncClient) -> None:
        vacancy = await create_vacancy(client, seats=3)
        await create_placement(client, vacancy=vacancy)
        await create_placement(client, vacancy=vacancy)
        response = await client.patch(f"/v1/vacancies/{vacancy['id']}", json={"seats": 1},
                                      headers=NEW)
        assert response.status_code == 409
        assert response.json()["seats_taken"] == 2
        ok = await client.patch(f"/v1/vacancies/{vacancy['id']}", json={"seats": 2}, headers=NEW)
        assert ok.status_code == 200

    async def test_stale_if_match_is_412(self, client: httpx.AsyncClient) -> None:
        vacancy = await create_vacancy(client)
        response = await client.patch(f"/v1/vacancies/{vacancy['id']}", json={"seats": 5},
                                      headers={"If-Match": '"9"'})
        assert response.status_code == 412


class TestOpenAndClose:
    async def test_close_then_reopen(self, client: httpx.AsyncClient) -> None:
        vacancy = await create_vacancy(client)
        closed = await client.post(f"/v1/vacancies/{vacancy['id']}/close")
        assert (closed.json()["status"], closed.headers["etag"]) == ("closed", '"2"')
        reopened = await client.post(f"/v1/vacancies/{vacancy['id']}/reopen",
                                     headers={"If-Match": '"2"'})
        assert reopened.json()["status"] == "open"

    @pytest.mark.parametrize(("first", "again", "state"), [
        (None, "reopen", "open"), ("close", "close", "closed")])
    async def test_illegal_is_409_naming_the_state(self, client: httpx.AsyncClient,
                                                   first: str | None, again: str,
                                                   state: str) -> None:
        vacancy = await create_vacancy(client)
        if first:
            await client.post(f"/v1/vacancies/{vacancy['id']}/{first}")
        response = await client.post(f"/v1/vacancies/{vacancy['id']}/{again}")
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/illegal-transition"
        assert response.json()["current_state"] == state


class TestDeleteVacancy:
    async def test_deleted(self, client: httpx.AsyncClient) -> None:
        vacancy = await create_vacancy(client)
        assert (await client.delete(f"/v1/vacancies/{vacancy['id']}",
                                    headers=NEW)).status_code == 204
        assert (await client.get(f"/v1/vacancies/{vacancy['id']}")).status_code == 404

    async def test_with_placements_is_409(self, client: httpx.AsyncClient) -> None:
        placement = await create_placement(client)
        response = await client.delete(f"/v1/vacancies/{placement['vacancy_id']}", headers=NEW)
        assert response.json()["type"] == "/problems/vacancy-in-use"


class TestVacancyPermissions:
    async def test_employer_manages_only_its_own(self, client: httpx.AsyncClient,
                                                 auth: Auth) -> None:
        own_employer = await create_employer(client)
        own = await create_vacancy(client, employer=own_employer)
        other = await create_vacancy(client)
        me = auth("employer", employer_id=uuid.UUID(own_employer["id"]))
        listed = await client.get("/v1/vacancies", headers=me)
        assert [v["id"] for v in listed.json()["items"]] == [own["id"]]
        assert (await client.get(f"/v1/vacancies/{other['id']}", headers=me)).status_code == 404
        for method, path in [("PATCH", ""), ("POST", "/close"), ("DELETE", "")]:
            response = await client.request(method, f"/v1/vacancies/{other['id']}{path}",
                                            headers={**me, **NEW}, json={"seats": 1}
                                            if method == "PATCH" else None)
            assert response.status_code == 404, (method, path)
        closed = await client.post(f"/v1/vacancies/{own['id']}/close", headers=me)
        assert closed.status_code == 200

    async def test_employer_publishes_for_itself_only(self, client: httpx.AsyncClient,
                                                      auth: Auth) -> None:
        own = await create_employer(client)
        other = await create_employer(client)
        me = auth("employer", employer_id=uuid.UUID(own["id"]))
        for_other = vacancy_body(employer_id=other["id"],
                                 programme_id=other["agreements"][0]["programme_id"])
        response = await client.post("/v1/vacancies", json=for_other, headers=me)
        assert response.status_code == 404  # another employer, named in a write
        for_me = vacancy_body(employer_id=own["id"],
                              programme_id=own["agreements"][0]["programme_id"])
        assert (await client.post("/v1/vacancies", json=for_me, headers=me)).status_code == 201

    async def test_officer_works_in_own_programmes(self, client: httpx.AsyncClient,
                                                   auth: Auth) -> None:
        mine = uuid.uuid4()
        employer = await create_employer(client, programme_id=mine)
        visible = await create_vacancy(client, employer=employer)
        hidden = await create_vacancy(client)
        officer = auth("officer", programme_ids=(mine,))
        listed = await client.get("/v1/vacancies", headers=officer)
        assert [v["id"] for v in listed.json()["items"]] == [visible["id"]]
        assert (await client.get(f"/v1/vacancies/{hidden['id']}",
                                 headers=officer)).status_code == 404
        foreign = vacancy_body(employer_id=hidden["employer_id"],
                               programme_id=hidden["programme_id"])
        response = await client.post("/v1/vacancies", json=foreign, headers=officer)
        assert response.status_code == 404  # another programme, named in a write

    @pytest.mark.parametrize("role", ["candidate", "ministry"])
    async def test_others_see_no_vacancy(self, client: httpx.AsyncClient, auth: Auth,
                                         role: str) -> None:
        vacancy = await create_vacancy(client)
        headers = auth(role, programme_ids=(uuid.UUID(vacancy["programme_id"]),))
        assert (await client.get("/v1/vacancies", headers=headers)).status_code == 403
        response = await client.get(f"/v1/vacancies/{vacancy['id']}", headers=headers)
        assert response.status_code == 404
        body = vacancy_body(employer_id=vacancy["employer_id"],
                            programme_id=vacancy["programme_id"])
        assert (await client.post("/v1/vacancies", json=body, headers=headers)).status_code == 403

"""Vacancies of every stay type: each type's own fields, the host a study needs, the region,
and the programme's rules (stay types, longest stay) as the candidates service tells them."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.etags import NEW, if_match
from tests.placements.conftest import FakeCandidates
from tests.placements.factories import (
    PROBLEM,
    STAY_FIELDS,
    create_employer,
    create_vacancy,
    host_kind,
    vacancy_body,
)

Auth = Callable[..., dict[str, str]]


async def _host(client: httpx.AsyncClient, stay_type: str = "work",
                **overrides: Any) -> dict[str, Any]:
    return await create_employer(client, kind=host_kind(stay_type), **overrides)


def _body(employer: dict[str, Any], stay_type: str = "work", **overrides: Any) -> dict[str, Any]:
    return vacancy_body(employer_id=employer["id"],
                        programme_id=employer["agreements"][0]["programme_id"],
                        **(STAY_FIELDS[stay_type] | overrides))


async def _stored(client: httpx.AsyncClient, employer: dict[str, Any]) -> list[Any]:
    listed = await client.get("/v1/vacancies", params={"employer_id": employer["id"]})
    return listed.json()["items"]  # type: ignore[no-any-return]


def _named(problem: dict[str, Any]) -> set[str]:
    """The body fields a problem names."""
    return {e["loc"][-1] for e in problem.get("errors", [])}


class TestEachStayType:
    @pytest.mark.parametrize("stay_type", list(STAY_FIELDS))
    async def test_published_with_its_fields(self, client: httpx.AsyncClient,
                                             stay_type: str) -> None:
        employer = await _host(client, stay_type)
        response = await client.post("/v1/vacancies", json=_body(employer, stay_type,
                                                                 region="FR-ARA"))
        assert response.status_code == 201, response.text
        created = response.json()
        assert (created["stay_type"], created["region"]) == (stay_type, "FR-ARA")
        for name, value in STAY_FIELDS[stay_type].items():
            assert created[name] == value, name

    async def test_work_by_default_with_no_stay_fields(self, client: httpx.AsyncClient) -> None:
        created = await create_vacancy(client)
        assert created["stay_type"] == "work"
        assert [created[name] for name in ("training_agreement_reference", "study_programme",
                                           "qualification_level", "season", "region")] == [
            None] * 5

    async def test_a_study_needs_no_occupation(self, client: httpx.AsyncClient) -> None:
        employer = await _host(client, "study")
        body = _body(employer, "study")
        del body["occupation_code"]
        response = await client.post("/v1/vacancies", json=body)
        assert response.status_code == 201, response.text
        assert response.json()["occupation_code"] is None
        listed = await client.get("/v1/vacancies", params={"stay_type": "study",
                                                           "employer_id": employer["id"]})
        assert [v["id"] for v in listed.json()["items"]] == [response.json()["id"]]

    @pytest.mark.parametrize(("stay_type", "change", "named"), [
        ("traineeship", {"training_agreement_reference": None}, {"training_agreement_reference"}),
        ("study", {"study_programme": None, "qualification_level": None},
         {"study_programme", "qualification_level"}),
        ("seasonal", {"season": None}, {"season"}),
        ("work", {"occupation_code": None}, {"occupation_code"}),
        ("seasonal", {"occupation_code": None}, {"occupation_code"}),
        ("work", {"season": "2026"}, {"season"}),  # another type's field
        ("traineeship", {"study_programme": "MSc"}, {"study_programme"}),
        ("study", {"training_agreement_reference": "TA-1"}, {"training_agreement_reference"}),
        ("work", {"region": "BE-VLG"}, {"region"}),  # Flanders is not in France
    ])
    async def test_fields_that_do_not_fit_are_422_naming_them(
            self, client: httpx.AsyncClient, stay_type: str, change: dict[str, Any],
            named: set[str]) -> None:
        employer = await _host(client, stay_type)
        response = await client.post("/v1/vacancies", json=_body(employer, stay_type, **change))
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert (problem["type"], _named(problem)) == ("/problems/stay-fields-invalid", named)
        assert await _stored(client, employer) == []

    @pytest.mark.parametrize(("change", "named"), [
        ({"stay_type": "internship"}, "stay_type"),
        ({"qualification_level": "phd"}, "qualification_level"),
        ({"region": "FR-XYZ"}, "region"), ({"region": "Flanders"}, "region"),
        ({"season": ""}, "season"),
    ])
    async def test_bad_values_are_validation_problems(
            self, client: httpx.AsyncClient, change: dict[str, Any], named: str) -> None:
        employer = await _host(client, "study")
        response = await client.post("/v1/vacancies", json=_body(employer, "study") | change)
        assert response.status_code == 422
        assert named in _named(response.json())
        assert await _stored(client, employer) == []


class TestHosts:
    async def test_a_study_at_a_company_is_422(self, client: httpx.AsyncClient) -> None:
        company = await _host(client, "work")
        response = await client.post("/v1/vacancies", json=_body(company, "study"))
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/host-not-study-provider"
        assert _named(response.json()) == {"stay_type"}
        assert await _stored(client, company) == []

    @pytest.mark.parametrize("stay_type", ["work", "traineeship", "seasonal"])
    async def test_a_study_provider_hosts_only_studies(self, client: httpx.AsyncClient,
                                                       stay_type: str) -> None:
        university = await _host(client, "study")
        response = await client.post("/v1/vacancies", json=_body(university, stay_type))
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/host-is-study-provider"
        assert await _stored(client, university) == []

    async def test_changing_to_a_study_at_a_company_is_422(
            self, client: httpx.AsyncClient) -> None:
        vacancy = await create_vacancy(client)
        response = await client.patch(f"/v1/vacancies/{vacancy['id']}", json={
            "stay_type": "study", "study_programme": "MSc Data Science",
            "qualification_level": "master"}, headers=NEW)
        assert response.json()["type"] == "/problems/host-not-study-provider"
        assert (await client.get(f"/v1/vacancies/{vacancy['id']}")).json() == vacancy


class TestUpdate:
    async def test_leaving_a_type_clears_its_fields(self, client: httpx.AsyncClient) -> None:
        employer = await _host(client, "traineeship")
        vacancy = await create_vacancy(client, employer=employer, **STAY_FIELDS["traineeship"])
        url = f"/v1/vacancies/{vacancy['id']}"
        kept = await client.patch(url, json={"stay_type": "work"}, headers=NEW)
        assert kept.status_code == 422
        assert _named(kept.json()) == {"training_agreement_reference"}
        changed = await client.patch(url, json={"stay_type": "seasonal", "season": "2027",
                                                "training_agreement_reference": None}, headers=NEW)
        assert changed.status_code == 200, changed.text
        assert (changed.json()["stay_type"], changed.json()["season"],
                changed.json()["training_agreement_reference"]) == ("seasonal", "2027", None)

    async def test_a_region_follows_its_country(self, client: httpx.AsyncClient) -> None:
        vacancy = await create_vacancy(client, region="FR-ARA")
        url = f"/v1/vacancies/{vacancy['id']}"
        moved = await client.patch(url, json={"location": {"country": "BE", "city": "Gent"}},
                                   headers=NEW)
        assert moved.status_code == 422
        assert _named(moved.json()) == {"region"}
        both = await client.patch(url, json={"location": {"country": "BE", "city": "Gent"},
                                             "region": "BE-VLG"}, headers=NEW)
        assert both.json()["region"] == "BE-VLG"

    async def test_only_a_study_drops_its_occupation(self, client: httpx.AsyncClient) -> None:
        vacancy = await create_vacancy(client)
        response = await client.patch(f"/v1/vacancies/{vacancy['id']}",
                                      json={"occupation_code": None}, headers=NEW)
        assert _named(response.json()) == {"occupation_code"}
        study = await create_vacancy(client, employer=await _host(client, "study"),
                                     **(STAY_FIELDS["study"] | {"occupation_code": "2149"}))
        dropped = await client.patch(f"/v1/vacancies/{study['id']}",
                                     json={"occupation_code": None}, headers=NEW)
        assert dropped.json()["occupation_code"] is None


class TestProgrammeRules:
    """With tokens on, placements asks the candidates service for the programme."""

    async def _company(self, client: httpx.AsyncClient, fake: FakeCandidates,
                       **rules: Any) -> tuple[dict[str, Any], uuid.UUID]:
        employer = await _host(client, "work")
        programme = uuid.UUID(employer["agreements"][0]["programme_id"])
        fake.programmes[programme] = rules
        return employer, programme

    async def test_a_stay_type_the_programme_does_not_run_is_422(
            self, client: httpx.AsyncClient, auth: Auth, fake_candidates: FakeCandidates) -> None:
        employer, _ = await self._company(client, fake_candidates, stay_types=["work"])
        response = await client.post("/v1/vacancies", json=_body(employer, "traineeship"))
        assert response.status_code == 422
        problem = response.json()
        assert (problem["type"], _named(problem)) == ("/problems/programme-limit-exceeded",
                                                      {"stay_type"})
        assert problem["limit"] == {"stay_types": ["work"]}
        assert await _stored(client, employer) == []

    async def test_a_stay_longer_than_the_programme_allows_is_422(
            self, client: httpx.AsyncClient, auth: Auth, fake_candidates: FakeCandidates) -> None:
        employer, _ = await self._company(client, fake_candidates, max_stay_months=12)
        response = await client.post("/v1/vacancies", json=_body(employer, duration_months=13))
        assert response.status_code == 422
        assert _named(response.json()) == {"end_date", "duration_months"}
        assert response.json()["limit"] == {"max_stay_months": 12}
        assert await _stored(client, employer) == []
        ok = await client.post("/v1/vacancies", json=_body(employer, duration_months=12))
        assert ok.status_code == 201, ok.text
        longer = await client.patch(f"/v1/vacancies/{ok.json()['id']}",
                                    json={"duration_months": 18}, headers=NEW)
        assert longer.json()["type"] == "/problems/programme-limit-exceeded"

    async def test_asks_with_the_callers_own_token(
            self, client: httpx.AsyncClient, auth: Auth, fake_candidates: FakeCandidates) -> None:
        employer, programme = await self._company(client, fake_candidates,
                                                  stay_types=["work", "study"],
                                                  max_stay_months=None)
        me = auth("employer", employer_id=uuid.UUID(employer["id"]))
        fake_candidates.asked.clear()
        response = await client.post("/v1/vacancies", json=_body(employer), headers=me)
        assert response.status_code == 201, response.text
        [asked] = fake_candidates.asked
        assert (asked.url.path, asked.headers["authorization"]) == (
            f"/v1/programmes/{programme}", me["Authorization"])

    async def test_only_a_new_type_or_length_asks(
            self, client: httpx.AsyncClient, auth: Auth, fake_candidates: FakeCandidates) -> None:
        employer, programme = await self._company(client, fake_candidates)
        vacancy = await create_vacancy(client, employer=employer)
        fake_candidates.unknown.add(programme)
        url = f"/v1/vacancies/{vacancy['id']}"
        more_seats = await client.patch(url, json={"seats": 5}, headers=NEW)
        assert more_seats.status_code == 200
        response = await client.patch(url, json={"duration_months": 9},
                                      headers=if_match(more_seats))
        assert response.json()["type"] == "/problems/programme-not-found"
        assert (await client.get(url)).json()["duration_months"] == 6

    async def test_a_programme_unknown_to_candidates_is_404(
            self, client: httpx.AsyncClient, auth: Auth, fake_candidates: FakeCandidates) -> None:
        employer, programme = await self._company(client, fake_candidates)
        fake_candidates.unknown.add(programme)
        response = await client.post("/v1/vacancies", json=_body(employer))
        assert (response.status_code, response.json()["type"]) == (
            404, "/problems/programme-not-found")
        assert await _stored(client, employer) == []

    async def test_candidates_down_is_503_and_stores_nothing(
            self, client: httpx.AsyncClient, auth: Auth, fake_candidates: FakeCandidates) -> None:
        employer, _ = await self._company(client, fake_candidates)
        fake_candidates.down = True
        response = await client.post("/v1/vacancies", json=_body(employer))
        assert (response.status_code, response.json()["type"]) == (
            503, "/problems/candidates-unavailable")
        fake_candidates.down = False
        assert await _stored(client, employer) == []

    async def test_without_tokens_nobody_is_asked(self, client: httpx.AsyncClient,
                                                  fake_candidates: FakeCandidates) -> None:
        fake_candidates.down = True  # a service run alone: auth off, nobody to ask as
        employer = await _host(client, "work")
        response = await client.post("/v1/vacancies", json=_body(employer, duration_months=60))
        assert response.status_code == 201, response.text
        assert fake_candidates.asked == []

"""Screening over HTTP: one reason per rule, and a whole programme at once."""

import uuid
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.candidates.applications.helpers import act, apply, born, candidate_id
from tests.candidates.factories import create_programme


def closing_day(programme: dict[str, Any]) -> date:
    return datetime.fromisoformat(programme["intake_closes_at"]).date()


async def screened(client: httpx.AsyncClient, session: AsyncSession, programme: dict[str, Any],
                   **overrides: Any) -> dict[str, Any]:
    app = await apply(client, candidate=await candidate_id(session, **overrides),
                      programme=programme)
    await act(client, app, "submit")
    return (await act(client, app, "screen")).json()


class TestScreeningReasons:
    """The default test programme: age 18 to 35, MA/TN, at least bachelor, French B1."""

    @pytest.mark.parametrize(("case", "code", "rule"), [
        ("too_young", "age_below_minimum", "min_age"),
        ("too_old", "age_above_maximum", "max_age"),
        ("nationality", "nationality_not_admitted", "nationalities"),
        ("education", "education_below_minimum", "min_education_level"),
        ("no_french", "language_missing", "required_languages.fr"),
        ("weak_french", "language_below_minimum", "required_languages.fr"),
    ])
    async def test_each_rule(self, client: httpx.AsyncClient, session: AsyncSession,
                             case: str, code: str, rule: str) -> None:
        programme = await create_programme(client)
        closes = closing_day(programme)
        overrides = {
            "too_young": {"date_of_birth": born(closes, years=18, days=1)},
            "too_old": {"date_of_birth": born(closes, years=36)},
            "nationality": {"nationality": "NG"},
            "education": {"education": [{"level": "upper_secondary", "institution": "Lycée"}]},
            "no_french": {"languages": [{"language": "ar", "level": "C2"}]},
            "weak_french": {"languages": [{"language": "fr", "level": "A2"}]},
        }[case]
        body = await screened(client, session, programme, **overrides)
        assert body["status"] == "ineligible"
        assert [(r["code"], r["rule"]) for r in body["screening_reasons"]] == [(code, rule)]
        assert body["screening_reasons"][0]["detail"]

    async def test_boundary_ages_pass(self, client: httpx.AsyncClient,
                                      session: AsyncSession) -> None:
        programme = await create_programme(client)
        closes = closing_day(programme)
        for dob in (born(closes, years=18), born(closes, years=36, days=1)):
            assert (await screened(client, session, programme, date_of_birth=dob)
                    )["status"] == "eligible"

    async def test_all_failures_together(self, client: httpx.AsyncClient,
                                         session: AsyncSession) -> None:
        programme = await create_programme(client)
        body = await screened(client, session, programme, nationality="SN", education=[],
                              languages=[], date_of_birth=date(1960, 1, 1))
        assert [r["code"] for r in body["screening_reasons"]] == [
            "age_above_maximum", "nationality_not_admitted", "education_below_minimum",
            "language_missing"]
        history = (await client.get(f"/v1/applications/{body['id']}/transitions")).json()
        assert history["items"][-1]["reason"].startswith("screening: failed age_above_maximum")

    async def test_explicit_nationalities(self, client: httpx.AsyncClient,
                                          session: AsyncSession) -> None:
        programme = await create_programme(client, origin_countries=["NG", "SN"],
                                           eligibility={"nationalities": ["NG"]})
        assert (await screened(client, session, programme, nationality="NG"))["status"] == \
            "eligible"
        body = await screened(client, session, programme, nationality="SN")
        assert body["screening_reasons"][0]["required"] == ["NG"]


class TestScreenProgramme:
    async def test_screens_every_submitted_application(self, client: httpx.AsyncClient,
                                                       session: AsyncSession) -> None:
        programme = await create_programme(client)
        good = await apply(client, candidate=await candidate_id(session), programme=programme)
        bad = await apply(client, candidate=await candidate_id(session, nationality="NG"),
                          programme=programme)
        draft = await apply(client, candidate=await candidate_id(session), programme=programme)
        for app in (good, bad):
            await act(client, app, "submit")
        response = await client.post(f"/v1/programmes/{programme['id']}/screening")
        assert response.status_code == 200
        body = response.json()
        assert (body["screened"], body["eligible"], body["ineligible"]) == (2, 1, 1)
        outcomes = {o["application_id"]: o for o in body["outcomes"]}
        assert outcomes[good["id"]]["status"] == "eligible"
        assert outcomes[bad["id"]]["reasons"][0]["code"] == "nationality_not_admitted"
        stored = (await client.get(f"/v1/applications/{bad['id']}")).json()
        assert stored["status"] == "ineligible" and stored["version"] == 3
        assert stored["screening_reasons"] == outcomes[bad["id"]]["reasons"]
        assert (await client.get(f"/v1/applications/{draft['id']}")).json()["status"] == "draft"
        history = (await client.get(f"/v1/applications/{good['id']}/transitions")).json()
        assert [t["action"] for t in history["items"]] == ["submit", "screen"]
        # Nothing left to screen: a second run is empty.
        again = (await client.post(f"/v1/programmes/{programme['id']}/screening")).json()
        assert again["screened"] == 0 and again["outcomes"] == []

    async def test_unknown_programme(self, client: httpx.AsyncClient) -> None:
        response = await client.post(f"/v1/programmes/{uuid.uuid4()}/screening")
        assert response.status_code == 404
        assert (await client.post("/v1/programmes/nope/screening")).status_code == 422

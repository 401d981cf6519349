"""The matching-profile export: the cohort as NDJSON, only what matching needs."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.matching_profiles import repository
from services.candidates.matching_profiles.schemas import MatchingProfile
from shared.clock import utc_now
from tests.candidates.applications.helpers import apply, candidate_id
from tests.candidates.factories import create_programme
from tests.conftest import TokenMinter
from tests.etags import if_match

PERSONAL = {"given_name", "family_name", "email", "phone", "date_of_birth", "residence_city"}


async def cohort(client: httpx.AsyncClient, session: AsyncSession,
                 statuses: list[str]) -> tuple[dict[str, Any], list[uuid.UUID]]:
    """A programme with one application per status (set directly: only the export is tested)."""
    programme = await create_programme(client)
    candidates = []
    for status in statuses:
        candidate = await candidate_id(session, skills=[{"label": "Python"}], skill_keys=["python"],
                                       preferred_countries=["FR"])
        application = await apply(client, candidate=candidate, programme=programme)
        await session.execute(text("UPDATE candidates.application SET status = :s WHERE id = :i"),
                              {"s": status, "i": uuid.UUID(application["id"])})
        candidates.append(candidate)
    return programme, candidates


def lines(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [orjson.loads(line) for line in response.text.splitlines()]


class TestExport:
    async def test_selected_only_by_default_without_personal_data(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme, (selected, _, _) = await cohort(client, session,
                                                   ["selected", "waitlisted", "draft"])
        profiles = lines(await client.get(
            f"/v1/programmes/{programme['id']}/matching-profiles"))
        assert [p["candidate_id"] for p in profiles] == [str(selected)]
        profile = profiles[0]
        assert list(profile) == list(MatchingProfile.model_fields)
        assert not PERSONAL & set(profile)
        assert profile["skill_keys"] == ["python"] and profile["preferred_countries"] == ["FR"]
        assert all(set(e) == {"level", "field", "year"} for e in profile["education"])
        MatchingProfile.model_validate(profile)

    async def test_statuses_and_candidates_narrow(self, client: httpx.AsyncClient,
                                                  session: AsyncSession) -> None:
        programme, (a, b, c) = await cohort(client, session,
                                            ["selected", "waitlisted", "selected"])
        url = f"/v1/programmes/{programme['id']}/matching-profiles"
        both = lines(await client.get(url, params={"status": ["selected", "waitlisted"]}))
        assert {p["candidate_id"] for p in both} == {str(a), str(b), str(c)}
        only = lines(await client.get(url, params={"candidate_id": [str(c), str(b)]}))
        assert [p["candidate_id"] for p in only] == [str(c)]

    async def test_streams_in_chunks_without_loss(self, client: httpx.AsyncClient,
                                                  session: AsyncSession,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(repository, "CHUNK", 2)
        programme, candidates = await cohort(client, session, ["selected"] * 5)
        profiles = lines(await client.get(
            f"/v1/programmes/{programme['id']}/matching-profiles"))
        ids = [p["application_id"] for p in profiles]
        assert len(ids) == 5 and ids == sorted(ids)
        assert {p["candidate_id"] for p in profiles} == {str(c) for c in candidates}

    async def test_empty_cohort_is_an_empty_body(self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client)
        assert lines(await client.get(
            f"/v1/programmes/{programme['id']}/matching-profiles")) == []

    @pytest.mark.parametrize("params", [{"status": "rejected"}, {"candidate_id": "nope"}])
    async def test_bad_parameters_are_422(self, client: httpx.AsyncClient,
                                          params: dict[str, str]) -> None:
        programme = await create_programme(client)
        response = await client.get(f"/v1/programmes/{programme['id']}/matching-profiles",
                                    params=params)
        assert response.status_code == 422

    async def test_unknown_programme_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/programmes/{uuid.uuid4()}/matching-profiles")
        assert response.status_code == 404


class TestConsent:
    async def test_only_people_whose_consents_are_in_force_now_and_a_count_of_the_others(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        programme, (kept, withdrew, expired, required) = await cohort(
            client, session, ["selected"] * 4)
        url = f"/v1/programmes/{programme['id']}/matching-profiles"
        first = await client.get(url)
        assert {p["candidate_id"] for p in lines(first)} == {
            str(c) for c in (kept, withdrew, expired, required)}
        assert first.headers["pathways-left-out-for-consent"] == "0"
        await client.post(f"/v1/candidates/{withdrew}/consents", json={
            "purpose": "data_processing", "text_version": "v2", "action": "withdrawn"})
        await client.post(f"/v1/candidates/{expired}/consents", json={
            "purpose": "data_processing", "text_version": "v2", "action": "given",
            "expires_at": "2020-01-01T00:00:00Z"})
        # The programme also requires one more purpose, which one of them withdrew.
        programme_url = f"/v1/programmes/{programme['id']}"
        changed = await client.patch(programme_url, headers=if_match(
            await client.get(programme_url)), json={
            "required_consents": ["data_processing", "training_records"]})
        assert changed.status_code == 200, changed.text
        for candidate in (kept, withdrew, expired):
            await client.post(f"/v1/candidates/{candidate}/consents", json={
                "purpose": "training_records", "text_version": "v1", "action": "given"})
        then = await client.get(url)
        assert [p["candidate_id"] for p in lines(then)] == [str(kept)]
        assert then.headers["pathways-left-out-for-consent"] == "3"
        narrowed = await client.get(url, params={"candidate_id": [str(kept), str(withdrew)]})
        assert narrowed.headers["pathways-left-out-for-consent"] == "1"
        await client.post(f"/v1/candidates/{withdrew}/consents", json={
            "purpose": "data_processing", "text_version": "v2", "action": "given"})
        again = await client.get(url)
        assert {p["candidate_id"] for p in lines(again)} == {str(kept), str(withdrew)}
        assert again.headers["pathways-left-out-for-consent"] == "2"


class TestWhoMayExport:
    @pytest.mark.parametrize(("role", "own", "expected"), [
        ("service", False, 200), ("officer", True, 200), ("officer", False, 404),
        ("ministry", True, 403), ("employer", False, 403), ("candidate", False, 403),
        ("institution", False, 403),
    ])
    async def test_roles(self, client: httpx.AsyncClient, mint_token: TokenMinter,
                         role: str, own: bool, expected: int) -> None:
        client.headers["Authorization"] = f"Bearer {mint_token('admin')}"
        programme = await create_programme(client)
        links = {"programme_ids": [programme["id"] if own else str(uuid.uuid4())]}
        client.headers["Authorization"] = f"Bearer {mint_token(role, **links)}"
        response = await client.get(f"/v1/programmes/{programme['id']}/matching-profiles")
        assert response.status_code == expected, response.text


class TestAgeBand:
    """The age band on the export's day (its clock), never the birth date."""

    DAY = datetime(2031, 3, 15, 12, tzinfo=UTC)

    @pytest.fixture
    def export_day(self, candidates_app: FastAPI) -> Iterator[datetime]:
        async def day() -> datetime:
            return self.DAY

        candidates_app.dependency_overrides[utc_now] = day
        try:
            yield self.DAY
        finally:
            del candidates_app.dependency_overrides[utc_now]

    async def test_bands_by_age_in_full_years_on_the_day(
            self, client: httpx.AsyncClient, session: AsyncSession,
            export_day: datetime) -> None:
        day = export_day.date()
        born = {  # birth date -> band on ``day`` (a birthday on the day counts)
            day.replace(year=day.year - 18) + timedelta(days=1): "under-18",
            day.replace(year=day.year - 18): "18-24",
            day.replace(year=day.year - 25) + timedelta(days=1): "18-24",
            day.replace(year=day.year - 25): "25-34",
            day.replace(year=day.year - 45) + timedelta(days=1): "35-44",
            day.replace(year=day.year - 45): "45+",
        }
        programme, candidates = await cohort(client, session, ["selected"] * len(born))
        for candidate, birth_date in zip(candidates, born, strict=True):
            await session.execute(
                text("UPDATE candidates.candidate SET date_of_birth = :d WHERE id = :i"),
                {"d": birth_date, "i": candidate})
        profiles = {p["candidate_id"]: p for p in lines(await client.get(
            f"/v1/programmes/{programme['id']}/matching-profiles"))}
        assert [profiles[str(c)]["age_band"] for c in candidates] == list(born.values())
        assert not any("date_of_birth" in p for p in profiles.values())

    async def test_none_once_erased(self, client: httpx.AsyncClient, session: AsyncSession,
                                    export_day: datetime) -> None:
        programme, (kept, erased) = await cohort(client, session, ["selected"] * 2)
        response = await client.post(f"/v1/candidates/{erased}/erase")
        assert response.status_code in (200, 202), response.text
        profiles = {p["candidate_id"]: p for p in lines(await client.get(
            f"/v1/programmes/{programme['id']}/matching-profiles"))}
        assert profiles[str(kept)]["age_band"] == "25-34"  # born 2000-05-17
        assert profiles[str(erased)]["age_band"] is None

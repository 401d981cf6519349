"""Matching runs and suspended employers: a run leaves out the vacancies of an employer
suspended in its programme and reports it; confirming a run made before the suspension refuses
the proposals with that employer."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.matching.execution import MatchingJobs
from tests.pages import all_pages
from tests.placements.matching.runs import Cohort, cohort, proposals_of, run_matching


@pytest.fixture
async def pools(client: httpx.AsyncClient, candidates: httpx.AsyncClient,
                candidates_session: AsyncSession) -> Cohort:
    return await cohort(client, candidates, candidates_session)


async def _suspend(client: httpx.AsyncClient, employer: dict[str, Any],
                   programme_id: str) -> None:
    response = await client.post(f"/v1/employers/{employer['id']}/suspend", json={
        "programme_id": programme_id, "reason": "Wages below the agreed stipend."})
    assert response.status_code == 200, response.text


class TestRunsLeaveSuspendedEmployersOut:
    async def test_its_vacancies_are_not_matched_and_the_run_says_so(
            self, client: httpx.AsyncClient, jobs: MatchingJobs, pools: Cohort) -> None:
        java = pools.employers["java"]
        before = await run_matching(client, jobs, pools)
        assert before["summary"]["excluded_suspended_employers"] == []
        assert java["id"] in {p["employer_id"] for p in await proposals_of(client, before)}

        await _suspend(client, java, pools.programme_id)
        run = await run_matching(client, jobs, pools)
        assert run["status"] == "completed", run["failure"]
        assert run["summary"]["excluded_suspended_employers"] == [
            {"employer_id": java["id"], "vacancies": 1}]
        assert (run["summary"]["vacancies"], run["summary"]["seats"]) == (1, 2)
        proposals = await proposals_of(client, run)
        assert proposals and java["id"] not in {p["employer_id"] for p in proposals}

    async def test_confirming_an_earlier_run_refuses_its_proposals(
            self, client: httpx.AsyncClient, jobs: MatchingJobs, pools: Cohort) -> None:
        net = pools.employers["net"]
        run = await run_matching(client, jobs, pools)
        await _suspend(client, net, pools.programme_id)
        response = await client.post(f"/v1/matching-runs/{run['id']}/confirm")
        assert response.status_code == 200, response.text
        confirmed = response.json()
        refused = {r["vacancy_id"]: r["outcome"] for r in confirmed["refused"]}
        assert refused and set(refused) == {pools.vacancies["net"]["id"]}
        assert all(o.startswith("employer-suspended:") for o in refused.values())
        made = await all_pages(client, "/v1/placements", programme_id=pools.programme_id)
        assert {p["employer_id"] for p in made} == {pools.employers["java"]["id"]}

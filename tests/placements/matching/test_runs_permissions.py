"""Who may do what with matching runs, per role: another party's run is a 404, a role that
never deals with runs gets 403, an employer sees only the proposals for its own vacancies."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from services.placements.matching.execution import MatchingJobs
from tests.placements.matching.runs import Cohort, cohort, proposals_of, run_matching

Auth = Callable[..., dict[str, str]]


@pytest.fixture
async def pools(client: httpx.AsyncClient, candidates: httpx.AsyncClient,
                candidates_session: Any) -> Cohort:
    return await cohort(client, candidates, candidates_session)


def _tokens(auth: Auth, pools: Cohort) -> dict[str, dict[str, str]]:
    programme = uuid.UUID(pools.programme_id)
    return {
        "admin": auth("admin"),
        "service": auth("service"),
        "officer": auth("officer", programme_ids=(programme,)),
        "other officer": auth("officer", programme_ids=(uuid.uuid4(),)),
        "employer": auth("employer", employer_id=uuid.UUID(pools.employers["net"]["id"])),
        "other employer": auth("employer", employer_id=uuid.uuid4()),
        "candidate": auth("candidate", candidate_id=pools.candidates["amina"]),
        "ministry": auth("ministry", programme_ids=(programme,)),
        "institution": auth("institution", institution_id=uuid.uuid4()),
    }


NEVER = {"candidate": 403, "ministry": 403, "institution": 403}


async def _statuses(tokens: dict[str, dict[str, str]],
                    request: Callable[[dict[str, str]], Any]) -> dict[str, int]:
    return {who: (await request(headers)).status_code for who, headers in tokens.items()}


class TestPermissions:
    async def test_reading_runs_and_proposals(self, client: httpx.AsyncClient, auth: Auth,
                                              jobs: MatchingJobs, pools: Cohort) -> None:
        run = await run_matching(client, jobs, pools)
        tokens = _tokens(auth, pools)
        url = f"/v1/matching-runs/{run['id']}"
        assert await _statuses(tokens, lambda h: client.get(url, headers=h)) == {
            "admin": 200, "service": 200, "officer": 200, "other officer": 404,
            "employer": 403, "other employer": 403, **NEVER}
        listed = await _statuses(tokens, lambda h: client.get(
            "/v1/matching-runs", params={"programme_id": pools.programme_id}, headers=h))
        assert listed == {"admin": 200, "service": 200, "officer": 200, "other officer": 200,
                          "employer": 403, "other employer": 403, **NEVER}
        unrelated = (await client.get("/v1/matching-runs", headers=tokens["other officer"],
                                      params={"programme_id": pools.programme_id})).json()
        assert unrelated["items"] == []
        assert await _statuses(tokens, lambda h: client.get(f"{url}/proposals", headers=h)) == {
            "admin": 200, "service": 200, "officer": 200, "other officer": 404,
            "employer": 200, "other employer": 404, **NEVER}

    async def test_employer_sees_only_its_own_proposals(
            self, client: httpx.AsyncClient, auth: Auth, jobs: MatchingJobs,
            pools: Cohort) -> None:
        run = await run_matching(client, jobs, pools)
        everyone = await proposals_of(client, run)
        for name, employer in pools.employers.items():
            client.headers.update(auth("employer", employer_id=uuid.UUID(employer["id"])))
            own = await proposals_of(client, run)
            assert own, name
            assert {p["employer_id"] for p in own} == {employer["id"]}
            assert own == [p for p in everyone if p["employer_id"] == employer["id"]]
            # Asking for another employer's shows its own all the same.
            other = next(e for n, e in pools.employers.items() if n != name)
            assert await proposals_of(client, run, employer_id=other["id"]) == own
        client.headers.update(auth("admin"))
        rejected = next(p for p in everyone if p["employer_id"] == pools.employers["java"]["id"])
        await client.post(f"/v1/matching-runs/{run['id']}/proposals/{rejected['id']}/reject")
        client.headers.update(auth("employer",
                                   employer_id=uuid.UUID(pools.employers["java"]["id"])))
        # Its only proposal was rejected: the run is none of its business any more.
        response = await client.get(f"/v1/matching-runs/{run['id']}/proposals")
        assert response.status_code == 404

    async def test_starting_reviewing_and_confirming(
            self, client: httpx.AsyncClient, auth: Auth, jobs: MatchingJobs,
            pools: Cohort) -> None:
        run = await run_matching(client, jobs, pools)
        tokens = _tokens(auth, pools)
        start = {"programme_id": pools.programme_id}
        refused = {who: h for who, h in tokens.items() if who not in ("admin", "officer")}
        assert await _statuses(refused, lambda h: client.post(
            "/v1/matching-runs", json=start, headers=h)) == {
            "service": 403, "other officer": 404, "employer": 403, "other employer": 403,
            **NEVER}
        field = await client.post("/v1/matching-runs", headers=tokens["officer"],
                                  json={**start, "time_limit_seconds": 5})
        assert field.status_code == 422
        assert field.json()["type"] == "/problems/field-not-allowed"

        [proposal, *_] = await proposals_of(client, run)
        reject = f"/v1/matching-runs/{run['id']}/proposals/{proposal['id']}/reject"
        confirm = f"/v1/matching-runs/{run['id']}/confirm"
        expected = {"service": 403, "other officer": 404, "employer": 403,
                    "other employer": 403, **NEVER}
        assert await _statuses(refused, lambda h: client.post(reject, headers=h)) == expected
        assert await _statuses(refused, lambda h: client.post(confirm, headers=h)) == expected
        missing = await client.post(
            f"/v1/matching-runs/{run['id']}/proposals/{uuid.uuid4()}/reject",
            headers=tokens["officer"])
        assert missing.status_code == 404
        assert (await client.post(reject, headers=tokens["officer"])).status_code == 200
        assert (await client.post(confirm, headers=tokens["officer"])).status_code == 200

    async def test_officer_and_admin_start_runs(self, client: httpx.AsyncClient, auth: Auth,
                                                jobs: MatchingJobs, pools: Cohort) -> None:
        tokens = _tokens(auth, pools)
        body = {"programme_id": pools.programme_id}
        first = await client.post("/v1/matching-runs", json=body, headers=tokens["officer"])
        assert first.status_code == 202, first.text
        assert first.json()["requested_by"].startswith("officer-")
        await jobs.wait()
        second = await client.post("/v1/matching-runs", headers=tokens["admin"],
                                   json={**body, "time_limit_seconds": 5})
        assert second.status_code == 202, second.text
        assert second.json()["parameters"]["time_limit_seconds"] == 5

"""Matching runs over HTTP with both real apps: queued, executed in the background from the
candidates service's export, completed with explained proposals, or failed with a reason."""

import math
import uuid
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.matching import service
from services.placements.matching.execution import MatchingJobs
from services.placements.matching.profiles import CandidatesClient
from services.placements.settings import Settings
from shared.settings import MissingSetting
from tests.candidates.factories import create_programme
from tests.placements.factories import PROBLEM, create_employer, create_vacancy
from tests.placements.matching.runs import (
    PERSONAL,
    Cohort,
    cohort,
    finished,
    keys_of,
    proposals_of,
    run_matching,
    start,
)


@pytest.fixture
async def pools(client: httpx.AsyncClient, candidates: httpx.AsyncClient,
                candidates_session: AsyncSession) -> Cohort:
    return await cohort(client, candidates, candidates_session)


def _ndjson_app(status: int, lines: list[dict[str, Any]] | None = None,
                seen: list[httpx.Request] | None = None) -> httpx.AsyncClient:
    """A candidates service that answers ``status`` (and these lines) to everything."""

    def answer(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        body = b"\n".join(orjson.dumps(line) for line in lines or [])
        return httpx.Response(status, content=body)

    return httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://c")


class TestRun:
    async def test_end_to_end(self, client: httpx.AsyncClient, jobs: MatchingJobs,
                              pools: Cohort) -> None:
        run = await run_matching(client, jobs, pools)
        assert run["status"] == "completed", run
        assert run["failure"] is None and run["started_at"] and run["finished_at"]
        summary = run["summary"]
        # youssef's French is below B1 (no option); draft was never selected.
        assert {k: summary[k] for k in ("candidates", "already_placed", "vacancies", "seats",
                                        "proposals", "candidates_without_options",
                                        "unfilled_seats", "blocking_pairs")} == {
            "candidates": 4, "already_placed": 0, "vacancies": 2, "seats": 3, "proposals": 3,
            "candidates_without_options": 1, "unfilled_seats": 0, "blocking_pairs": None}
        assert summary["unassigned_candidates"] == 1 and summary["unmet_constraints"] == []
        assert sum(summary["placed_by_gender"].values()) == 3
        assert set(summary["timings"]) == {"fetch_seconds", "match_seconds", "store_seconds",
                                           "total_seconds"}
        proposals = await proposals_of(client, run)
        by_candidate = {p["candidate_id"]: p for p in proposals}
        c, v = pools.candidates, pools.vacancies
        assert set(by_candidate) == {str(c["amina"]), str(c["omar"]), str(c["sara"])}
        assert by_candidate[str(c["sara"])]["vacancy_id"] == v["java"]["id"]
        assert by_candidate[str(c["amina"])]["vacancy_id"] == v["net"]["id"]
        # The engine's order: by vacancy, then best score first.
        net = [p for p in proposals if p["vacancy_id"] == v["net"]["id"]]
        assert [p["score"] for p in net] == sorted((p["score"] for p in net), reverse=True)
        assert math.isclose(sum(p["score"] for p in proposals), summary["total_score"])
        for p in proposals:
            explanation = p["explanation"]
            assert explanation["total"] == p["score"] and p["status"] == "proposed"
            parts = explanation["parts"]
            assert math.isclose(sum(x["points"] for x in parts.values()), p["score"])
            assert all(math.isclose(x["share"] * x["weight"], x["points"])
                       for x in parts.values())
            assert set(p["profile"]) == {"skills", "languages", "education"}
            assert not keys_of(p) & PERSONAL
        amina = by_candidate[str(c["amina"])]["explanation"]
        assert (amina["matched_required_skills"], amina["missing_required_skills"],
                amina["matched_nice_to_have_skills"]) == (["python"], [], ["sql"])
        assert amina["parts"]["skills_nice"]["share"] == 1.0

    async def test_stored_with_gender_and_nationality_apart(
            self, client: httpx.AsyncClient, session: AsyncSession, jobs: MatchingJobs,
            pools: Cohort) -> None:
        run = await run_matching(client, jobs, pools)
        rows = (await session.execute(text(
            "SELECT candidate_id, gender, nationality FROM placements.matching_proposal "
            "WHERE run_id = :r"), {"r": run["id"]})).all()
        assert {(r.candidate_id, r.gender, r.nationality) for r in rows} == {
            (pools.candidates["amina"], "female", "MA"), (pools.candidates["omar"], "male", "TN"),
            (pools.candidates["sara"], "female", "MA")}

    async def test_optimal_and_stable(self, client: httpx.AsyncClient, jobs: MatchingJobs,
                                      pools: Cohort) -> None:
        optimal = await run_matching(client, jobs, pools, algorithm="optimal")
        stable = await run_matching(client, jobs, pools, algorithm="stable",
                                    gender_min_share={"female": 0.5})
        assert (optimal["parameters"]["algorithm"], stable["parameters"]["algorithm"]) == (
            "optimal", "stable")
        assert optimal["summary"]["blocking_pairs"] is None
        assert stable["summary"]["blocking_pairs"] == 0
        assert optimal["summary"]["total_score"] >= stable["summary"]["total_score"] - 1e-9
        assert [u["constraint"] for u in stable["summary"]["unmet_constraints"]] == [
            "gender_min_share.female"]

    async def test_parameters_shape_the_result(self, client: httpx.AsyncClient,
                                               jobs: MatchingJobs, pools: Cohort) -> None:
        sara = pools.candidates["sara"]
        run = await run_matching(
            client, jobs, pools, min_score=0.5, max_per_employer=1,
            exclusions=[{"candidate_id": str(sara), "vacancy_id": pools.vacancies["java"]["id"]}])
        proposals = await proposals_of(client, run)
        assert all(p["score"] >= 0.5 for p in proposals)
        assert str(sara) not in {p["candidate_id"] for p in proposals}
        assert len({p["employer_id"] for p in proposals}) == len(proposals)
        assert run["parameters"]["max_per_employer"] == 1

    async def test_listed_by_programme(self, client: httpx.AsyncClient, jobs: MatchingJobs,
                                       pools: Cohort) -> None:
        first = await run_matching(client, jobs, pools)
        second = await run_matching(client, jobs, pools, algorithm="stable")
        listed = (await client.get("/v1/matching-runs", params={
            "programme_id": pools.programme_id, "limit": 1})).json()
        following = (await client.get("/v1/matching-runs", params={
            "programme_id": pools.programme_id, "cursor": listed["next_cursor"]})).json()
        # One test transaction: both were created at the same now(), so in id order.
        assert sorted(r["id"] for r in listed["items"] + following["items"]) == sorted(
            [first["id"], second["id"]])
        assert following["next_cursor"] is None
        other = (await client.get("/v1/matching-runs",
                                  params={"programme_id": str(uuid.uuid4())})).json()
        assert other["items"] == []

    async def test_idempotency_key_starts_one_run(self, client: httpx.AsyncClient,
                                                  jobs: MatchingJobs, pools: Cohort) -> None:
        body, key = {"programme_id": pools.programme_id}, {"Idempotency-Key": "run-1"}
        first = await client.post("/v1/matching-runs", json=body, headers=key)
        await jobs.wait()
        again = await client.post("/v1/matching-runs", json=body, headers=key)
        assert (first.status_code, again.status_code) == (202, 202)
        assert again.json()["id"] == first.json()["id"]
        assert again.headers["idempotent-replayed"] == "true"
        assert not jobs.tasks
        listed = (await client.get("/v1/matching-runs",
                                   params={"programme_id": pools.programme_id})).json()
        assert len(listed["items"]) == 1


class TestBadRequests:
    @pytest.mark.parametrize(("change", "field"), [
        ({"algorithm": "greedy"}, "algorithm"),
        ({"weights": {"skills_required": -1}}, "skills_required"),
        ({"weights": {"charisma": 1}}, "charisma"),
        ({"min_score": -0.1}, "min_score"),
        ({"gender_min_share": {"female": 1.2}}, "female"),
        ({"gender_min_share": {"robot": 0.2}}, "robot"),
        ({"gender_min_share": {"female": 0.6, "male": 0.6}}, "body"),
        ({"max_per_employer": 0}, "max_per_employer"),
        ({"candidate_ranks": {str(uuid.UUID(int=1)): [str(uuid.UUID(int=2))]}}, "body"),
        ({"exclusions": [{"candidate_id": "nope", "vacancy_id": str(uuid.uuid4())}]},
         "candidate_id"),
        ({"status": "completed"}, "status"),
    ])
    async def test_invalid_parameters_are_422(self, client: httpx.AsyncClient,
                                              jobs: MatchingJobs, change: dict[str, Any],
                                              field: str) -> None:
        response = await client.post("/v1/matching-runs",
                                     json={"programme_id": str(uuid.uuid4()), **change})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM
        assert field in {str(part) for e in response.json()["errors"] for part in e["loc"]}
        assert not jobs.tasks

    async def test_programme_without_vacancies_is_409(self, client: httpx.AsyncClient,
                                                      jobs: MatchingJobs) -> None:
        response = await client.post("/v1/matching-runs",
                                     json={"programme_id": str(uuid.uuid4())})
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/nothing-to-match"

    async def test_programme_unknown_to_candidates_fails_the_run(
            self, client: httpx.AsyncClient, jobs: MatchingJobs) -> None:
        vacancy = await create_vacancy(client)  # in a programme candidates never heard of
        run = await finished(client, jobs, await start(
            client, {"programme_id": vacancy["programme_id"]}))
        assert run["status"] == "failed"
        assert run["failure"]["reason"] == "programme_not_found"
        assert run["summary"] is None

    async def test_second_run_while_one_is_under_way(self, client: httpx.AsyncClient,
                                                     session: AsyncSession,
                                                     jobs: MatchingJobs) -> None:
        vacancy = await create_vacancy(client)
        await session.execute(text(
            "INSERT INTO placements.matching_run (programme_id, algorithm, parameters, "
            "requested_by) VALUES (:p, 'optimal', '{}', 'someone')"),
            {"p": vacancy["programme_id"]})
        response = await client.post("/v1/matching-runs",
                                     json={"programme_id": vacancy["programme_id"]})
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/matching-run-in-progress"
        assert response.json()["run_id"]


class TestFailures:
    @pytest.mark.parametrize(("candidates_service", "reason"), [
        (None, "candidates_unavailable"),  # nobody listens
        (503, "candidates_unavailable"),
        (403, "candidates_refused"),
    ])
    async def test_candidates_service_trouble_fails_the_run(
            self, client: httpx.AsyncClient, placements_app: FastAPI, jobs: MatchingJobs,
            pools: Cohort, candidates_service: int | None, reason: str) -> None:
        down = httpx.AsyncClient(base_url="http://127.0.0.1:9", timeout=2) \
            if candidates_service is None else _ndjson_app(candidates_service)
        placements_app.state.candidates_client = CandidatesClient(down)
        run = await run_matching(client, jobs, pools)
        assert (run["status"], run["failure"]["reason"]) == ("failed", reason)
        assert run["failure"]["detail"]
        assert (await client.get(f"/v1/matching-runs/{run['id']}/proposals")).json()[
            "items"] == []
        # A failed run frees the programme for the next one.
        assert (await client.post("/v1/matching-runs", json={
            "programme_id": pools.programme_id})).status_code == 202
        await jobs.wait()
        await down.aclose()

    async def test_unreadable_profiles_fail_the_run(
            self, client: httpx.AsyncClient, placements_app: FastAPI, jobs: MatchingJobs,
            pools: Cohort) -> None:
        placements_app.state.candidates_client = CandidatesClient(
            _ndjson_app(200, [{"candidate_id": "not an id"}]))
        run = await run_matching(client, jobs, pools)
        assert run["failure"]["reason"] == "bad_profiles"

    async def test_a_bug_fails_the_run_without_a_5xx(
            self, client: httpx.AsyncClient, jobs: MatchingJobs, pools: Cohort,
            monkeypatch: pytest.MonkeyPatch) -> None:
        def broken(**_: Any) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr(service, "compute", broken)
        run = await run_matching(client, jobs, pools)
        assert (run["status"], run["failure"]["reason"]) == ("failed", "engine_error")
        assert "boom" not in run["failure"]["detail"]

    async def test_forwards_the_requesters_authorization(
            self, client: httpx.AsyncClient, placements_app: FastAPI, jobs: MatchingJobs,
            candidates: httpx.AsyncClient, auth: Any) -> None:
        programme = (await create_programme(candidates))["id"]  # its vacancy asks about it
        employer = await create_employer(client, programme_id=uuid.UUID(programme))
        await create_vacancy(client, employer=employer)
        seen: list[httpx.Request] = []
        placements_app.state.candidates_client = CandidatesClient(_ndjson_app(200, [], seen))
        officer = auth("officer", programme_ids=(uuid.UUID(programme),))
        run = await start(client, {"programme_id": programme}, headers=officer)
        await jobs.wait()
        assert [r.url.path for r in seen] == [
            f"/v1/programmes/{programme}/matching-profiles"]
        assert seen[0].headers["authorization"] == officer["Authorization"]
        assert seen[0].url.params.get_list("status") == ["selected"]
        done = (await client.get(f"/v1/matching-runs/{run['id']}", headers=officer)).json()
        assert (done["status"], done["summary"]["proposals"]) == ("completed", 0)


class TestSettings:
    def test_candidates_url_is_required(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("PLACEMENTS_CANDIDATES_URL", raising=False)
        with pytest.raises(MissingSetting, match="PLACEMENTS_CANDIDATES_URL"):
            Settings(database_url="postgresql://x@localhost/db")
        monkeypatch.setenv("PLACEMENTS_CANDIDATES_URL", "http://127.0.0.1:8101/")
        assert Settings(database_url="postgresql://x@localhost/db").candidates_url == \
            "http://127.0.0.1:8101"

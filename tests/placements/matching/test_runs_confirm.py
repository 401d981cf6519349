"""Reviewing and confirming a run: rejected proposals stay out, the rest become placements
once, re-running never places anyone twice; the employer's pseudonymised view of a proposed
candidate; erasure of a candidate blanks what the proposals kept."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.matching.execution import MatchingJobs
from shared.events.signing import Signer
from tests.pages import all_pages
from tests.placements.conftest import post_erased
from tests.placements.factories import act, create_placement
from tests.placements.matching.runs import (
    PERSONAL,
    Cohort,
    cohort,
    keys_of,
    proposals_of,
    run_matching,
)

Auth = Callable[..., dict[str, str]]


@pytest.fixture
async def pools(client: httpx.AsyncClient, candidates: httpx.AsyncClient,
                candidates_session: AsyncSession) -> Cohort:
    return await cohort(client, candidates, candidates_session)


async def _confirm(client: httpx.AsyncClient, run: dict[str, Any], *,
                   expect: int = 200, **kwargs: Any) -> dict[str, Any]:
    response = await client.post(f"/v1/matching-runs/{run['id']}/confirm", **kwargs)
    assert response.status_code == expect, response.text
    return response.json()


async def _reject(client: httpx.AsyncClient, run: dict[str, Any], proposal: dict[str, Any], *,
                  expect: int = 200, **kwargs: Any) -> dict[str, Any]:
    response = await client.post(
        f"/v1/matching-runs/{run['id']}/proposals/{proposal['id']}/reject", **kwargs)
    assert response.status_code == expect, response.text
    return response.json()


async def _placements(client: httpx.AsyncClient, pools: Cohort) -> list[dict[str, Any]]:
    return await all_pages(client, "/v1/placements", programme_id=pools.programme_id)


def _of(proposals: list[dict[str, Any]], candidate: uuid.UUID) -> dict[str, Any]:
    return next(p for p in proposals if p["candidate_id"] == str(candidate))


class TestConfirm:
    async def test_reject_confirm_twice_then_run_again(
            self, client: httpx.AsyncClient, jobs: MatchingJobs, pools: Cohort) -> None:
        amina, omar = pools.candidates["amina"], pools.candidates["omar"]
        run = await run_matching(client, jobs, pools)
        rejected = await _reject(client, run, _of(await proposals_of(client, run), omar),
                                 json={"reason": "Prefers to start later."})
        assert (rejected["status"], rejected["outcome"]) == (
            "rejected", "rejected by admin: Prefers to start later.")
        await _reject(client, run, rejected, expect=409)

        confirmed = await _confirm(client, run)
        assert confirmed["run"]["status"] == "confirmed"
        assert confirmed["run"]["confirmation"] == {"created": 2, "refused": 0, "rejected": 1}
        assert confirmed["refused"] == []
        placements = await _placements(client, pools)
        proposals = await proposals_of(client, run)
        assert {p["candidate_id"] for p in placements} == {
            str(amina), str(pools.candidates["sara"])}
        made = {p["id"]: p for p in placements}
        for proposal in proposals:
            if proposal["status"] == "confirmed":
                placement = made[proposal["placement_id"]]
                assert (placement["matching_run_id"], placement["proposal_id"]) == (
                    run["id"], proposal["id"])
                assert placement["status"] == "proposed"
                assert placement["score"] == pytest.approx(proposal["score"], abs=5e-4)
        assert _of(proposals, omar)["status"] == "rejected"

        again = await _confirm(client, run)
        assert again == confirmed
        assert len(await _placements(client, pools)) == 2
        await _reject(client, run, _of(proposals, amina), expect=409)

        rerun = await run_matching(client, jobs, pools)
        assert (rerun["summary"]["already_placed"], rerun["summary"]["candidates"],
                rerun["summary"]["seats"]) == (2, 2, 1)
        [fresh] = await proposals_of(client, rerun)
        assert (fresh["candidate_id"], fresh["vacancy_id"]) == (
            str(omar), pools.vacancies["net"]["id"])
        await _confirm(client, rerun)
        placed = [p["candidate_id"] for p in await _placements(client, pools)]
        assert sorted(placed) == sorted({str(amina), str(omar), str(pools.candidates["sara"])})
        # Every seat taken: nothing left to match.
        response = await client.post("/v1/matching-runs",
                                     json={"programme_id": pools.programme_id})
        assert response.status_code == 409

    async def test_placements_carry_gender_sector_origin_and_publish_them(
            self, client: httpx.AsyncClient, session: AsyncSession, jobs: MatchingJobs,
            pools: Cohort) -> None:
        run = await run_matching(client, jobs, pools)
        await _confirm(client, run)
        rows = (await session.execute(text(
            "SELECT candidate_id, gender, sector, origin_country FROM placements.placement "
            "WHERE matching_run_id = :r"), {"r": run["id"]})).all()
        c = pools.candidates
        assert {tuple(r) for r in rows} == {(c["amina"], "female", "ict", "MA"),
                                            (c["omar"], "male", "ict", "TN"),
                                            (c["sara"], "female", "electrical_engineering", "MA")}
        events = (await session.execute(text(
            "SELECT payload FROM placements.outbox WHERE type = 'placement.confirmed' "
            "AND payload->>'matching_run_id' = :r"), {"r": run["id"]})).scalars().all()
        assert {(e["candidate_id"], e["gender"], e["sector"]) for e in events} == {
            (str(c["amina"]), "female", "ict"), (str(c["omar"]), "male", "ict"),
            (str(c["sara"]), "female", "electrical_engineering")}

    async def test_proposals_that_cannot_be_placed_are_refused(
            self, client: httpx.AsyncClient, jobs: MatchingJobs, pools: Cohort) -> None:
        run = await run_matching(client, jobs, pools)
        java = pools.vacancies["java"]
        await client.post(f"/v1/vacancies/{java['id']}/close")
        amina = pools.candidates["amina"]
        await create_placement(client, vacancy=pools.vacancies["net"], candidate_id=amina)
        confirmed = await _confirm(client, run)
        assert confirmed["run"]["confirmation"] == {"created": 1, "refused": 2, "rejected": 0}
        reasons = {r["candidate_id"]: r["outcome"].split(":")[0] for r in confirmed["refused"]}
        assert reasons == {str(amina): "candidate-already-placed",
                           str(pools.candidates["sara"]): "vacancy-unavailable"}
        assert {r["proposal_id"] for r in confirmed["refused"]} == {
            p["id"] for p in await proposals_of(client, run, status="refused")}

    async def test_only_a_completed_run_and_if_match(
            self, client: httpx.AsyncClient, placements_app: FastAPI, jobs: MatchingJobs,
            pools: Cohort) -> None:
        candidates = placements_app.state.candidates_client.http
        placements_app.state.candidates_client.http = httpx.AsyncClient(
            transport=httpx.MockTransport(lambda _: httpx.Response(503)), base_url="http://c")
        failed = await run_matching(client, jobs, pools)
        problem = await _confirm(client, failed, expect=409)
        assert (problem["type"], problem["current_state"]) == (
            "/problems/illegal-transition", "failed")
        placements_app.state.candidates_client.http = candidates
        run = await run_matching(client, jobs, pools)
        await _confirm(client, run, expect=412, headers={"If-Match": '"1"'})
        await _confirm(client, run, headers={"If-Match": f'"{run["version"]}"'})


class TestCandidateProfile:
    async def test_employer_until_it_accepts_officer_and_candidate_always(
            self, client: httpx.AsyncClient, auth: Auth, jobs: MatchingJobs,
            pools: Cohort) -> None:
        run = await run_matching(client, jobs, pools)
        await _confirm(client, run)
        placement = next(p for p in await _placements(client, pools)
                         if p["candidate_id"] == str(pools.candidates["amina"]))
        url = f"/v1/placements/{placement['id']}/candidate-profile"
        employer = auth("employer", employer_id=uuid.UUID(placement["employer_id"]))
        shown = await client.get(url, headers=employer)
        assert shown.status_code == 200, shown.text
        body = shown.json()
        assert body["proposal_id"] == placement["proposal_id"]
        assert body["profile"]["skills"] == [{"uri": None, "label": "Python"},
                                             {"uri": None, "label": "SQL"}]
        assert body["profile"]["languages"][0] == {"language": "fr", "level": "B2"}
        assert set(body["profile"]["education"][0]) == {"level", "field", "year"}
        assert not keys_of(body) & PERSONAL
        assert (await client.get(url, headers=auth("employer", employer_id=uuid.uuid4()))
                ).status_code == 404
        assert (await client.get(url, headers=auth("ministry", programme_ids=(
            uuid.UUID(pools.programme_id),)))).status_code == 403

        await act(client, placement, "accept-employer", headers=employer)
        assert (await client.get(url, headers=employer)).status_code == 404
        officer = auth("officer", programme_ids=(uuid.UUID(pools.programme_id),))
        assert (await client.get(url, headers=officer)).json() == body
        candidate = auth("candidate", candidate_id=pools.candidates["amina"])
        assert (await client.get(url, headers=candidate)).json() == body

    async def test_none_without_a_proposal(self, client: httpx.AsyncClient) -> None:
        placement = await create_placement(client)
        response = await client.get(f"/v1/placements/{placement['id']}/candidate-profile")
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/candidate-profile-not-found"


class TestErasure:
    async def test_blanks_the_snapshots_keeps_ids_and_scores(
            self, client: httpx.AsyncClient, session: AsyncSession, jobs: MatchingJobs,
            signed: Signer, pools: Cohort) -> None:
        amina = pools.candidates["amina"]
        run = await run_matching(client, jobs, pools)
        before = await proposals_of(client, run)
        await _confirm(client, run)
        event_id = uuid.uuid4()
        response = await post_erased(client, signed, amina, event_id)
        assert response.status_code == 200 and response.json()["applied"] == 1
        assert (await post_erased(client, signed, amina, event_id)).json()["duplicates"] == 1
        after = await proposals_of(client, run)
        erased, kept = _of(after, amina), _of(before, amina)
        assert (erased["id"], erased["score"], erased["vacancy_id"]) == (
            kept["id"], kept["score"], kept["vacancy_id"])
        assert erased["profile"] is None
        assert erased["explanation"]["matched_required_skills"] is None
        assert erased["explanation"]["total"] == kept["explanation"]["total"]
        assert erased["explanation"]["parts"] == kept["explanation"]["parts"]
        assert all(p["profile"] is not None for p in after if p["candidate_id"] != str(amina))
        row = (await session.execute(text(
            "SELECT gender, nationality, erased_at FROM placements.matching_proposal "
            "WHERE id = :i"), {"i": erased["id"]})).one()
        assert (row.gender, row.nationality) == (None, None) and row.erased_at is not None
        profile = (await client.get(
            f"/v1/placements/{erased['placement_id']}/candidate-profile")).json()
        assert profile["profile"] is None

    async def test_unsigned_is_refused(self, client: httpx.AsyncClient,
                                       signed: Signer) -> None:
        response = await client.post("/internal/events", json=[])
        assert response.status_code == 401


class TestConsentAtConfirmation:
    async def test_a_withdrawal_since_the_run_refuses_the_proposal_and_places_the_others(
            self, client: httpx.AsyncClient, jobs: MatchingJobs, pools: Cohort,
            candidates: httpx.AsyncClient) -> None:
        amina = pools.candidates["amina"]
        run = await run_matching(client, jobs, pools)
        assert run["summary"]["left_out_for_consent"] == 0
        assert str(amina) in {p["candidate_id"] for p in await proposals_of(client, run)}
        withdrawn = await candidates.post(f"/v1/candidates/{amina}/consents", json={
            "purpose": "data_processing", "text_version": "v2", "action": "withdrawn"})
        assert withdrawn.status_code == 201, withdrawn.text
        confirmed = await _confirm(client, run)
        [refused] = confirmed["refused"]
        assert refused["candidate_id"] == str(amina)
        assert refused["outcome"] == ("consent-required: the candidate's data_processing "
                                      "consent is withdrawn (not in force).")
        placed = {p["candidate_id"] for p in await _placements(client, pools)}
        assert str(amina) not in placed and placed
        # The next run leaves her out, and says so.
        again = await run_matching(client, jobs, pools)
        assert again["summary"]["left_out_for_consent"] == 1

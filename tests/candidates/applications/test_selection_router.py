"""Cohort selection over HTTP: capacity, gender balance, waitlist, reruns, locking."""

import asyncio
import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates.models import Candidate, Consent
from tests.candidates.applications.helpers import act, eligible, nominate
from tests.candidates.factories import create_candidate, create_programme

BACHELOR = [{"level": "bachelor", "institution": "ENSIAS"}]
MASTER = [{"level": "master", "institution": "ENSIAS"}]
DOCTORATE = [{"level": "doctorate", "institution": "ENSIAS"}]


async def run(client: httpx.AsyncClient, programme: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"/v1/programmes/{programme['id']}/selection")
    assert response.status_code == 200, response.text
    return response.json()


async def get(client: httpx.AsyncClient, app: dict[str, Any]) -> dict[str, Any]:
    return (await client.get(f"/v1/applications/{app['id']}")).json()


def by_app(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["application_id"]: d for d in result["decisions"]}


class TestCapacity:
    async def test_selects_the_best_up_to_capacity_and_waitlists_in_rank_order(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme = await create_programme(client, capacity=3, gender_balance_min_share=None)
        # Scores: bachelor 56.429 < master 60.714 < doctorate 65 < French C2 76.429;
        # no sector match loses 25.
        apps = [
            await eligible(client, session, programme, education=MASTER),
            await eligible(client, session, programme, preferred_sectors=["health"]),
            await eligible(client, session, programme,
                           languages=[{"language": "fr", "level": "C2"}]),
            await eligible(client, session, programme, education=BACHELOR),
            await eligible(client, session, programme, education=DOCTORATE),
        ]
        result = await run(client, programme)
        decisions = result["decisions"]
        assert [d["application_id"] for d in decisions] == [
            apps[2]["id"], apps[4]["id"], apps[0]["id"], apps[3]["id"], apps[1]["id"]]
        assert [d["rank"] for d in decisions] == [1, 2, 3, 4, 5]
        assert [d["outcome"] for d in decisions] == ["selected"] * 3 + ["waitlisted"] * 2
        assert [d["waitlist_position"] for d in decisions] == [None, None, None, 1, 2]
        assert [d["score"] for d in decisions] == [76.429, 65.0, 60.714, 56.429, 31.429]
        assert decisions[2]["reason"] == "selected: rank 3 within capacity"
        assert decisions[4]["reason"] == "waitlisted: position 2, capacity reached"
        for d in decisions:
            assert round(sum(d["score_parts"].values()), 3) == d["score"]
        summary = result["summary"]
        assert (summary["capacity"], summary["selected"], summary["newly_selected"],
                summary["waitlisted"]) == (3, 3, 3, 2)
        assert summary["target_met"] and summary["target_note"] == "no gender balance target"

        stored = await get(client, apps[3])
        assert stored["status"] == "waitlisted" and stored["selection_rank"] == 1
        assert stored["score"] == 56.429
        assert stored["decision_reason"] == "waitlisted: position 1, capacity reached"
        winner = await get(client, apps[2])
        assert winner["status"] == "selected" and winner["selection_rank"] == 1
        history = (await client.get(f"/v1/applications/{apps[2]['id']}/transitions")).json()
        assert [(t["action"], t["to_status"]) for t in history["items"]] == [
            ("submit", "submitted"), ("screen", "eligible"), ("shortlist", "shortlisted"),
            ("select", "selected")]
        assert history["items"][-1]["reason"] == "selected: rank 1 within capacity"
        history = (await client.get(f"/v1/applications/{apps[1]['id']}/transitions")).json()
        assert [t["action"] for t in history["items"]][-2:] == ["shortlist", "waitlist"]

    async def test_shortlisted_are_in_the_pool_and_others_are_not(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme = await create_programme(client, capacity=5)
        listed = await eligible(client, session, programme)
        await act(client, listed, "shortlist")
        withdrawn = await eligible(client, session, programme, education=DOCTORATE)
        await act(client, withdrawn, "withdraw")
        result = await run(client, programme)
        assert [d["application_id"] for d in result["decisions"]] == [listed["id"]]
        history = (await client.get(f"/v1/applications/{listed['id']}/transitions")).json()
        assert [t["action"] for t in history["items"]][-2:] == ["shortlist", "select"]
        assert (await get(client, withdrawn))["status"] == "withdrawn"

    async def test_nomination_counts(self, client: httpx.AsyncClient,
                                     session: AsyncSession) -> None:
        programme = await create_programme(client, capacity=1)
        strong = await eligible(client, session, programme, education=MASTER)
        nominee = await eligible(client, session, programme, education=BACHELOR)
        await nominate(session, candidate=uuid.UUID(nominee["candidate_id"]),
                       programme_id=programme["id"])
        decisions = (await run(client, programme))["decisions"]
        assert [d["application_id"] for d in decisions] == [nominee["id"], strong["id"]]
        assert decisions[0]["score_parts"]["nomination"] == 15.0
        assert decisions[0]["score"] == 71.429

    async def test_unknown_programme(self, client: httpx.AsyncClient) -> None:
        response = await client.post(f"/v1/programmes/{uuid.uuid4()}/selection")
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/programme-not-found"

    async def test_empty_pool(self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client, capacity=4, gender_balance_min_share="0.25")
        result = await run(client, programme)
        assert result["decisions"] == [] and not result["summary"]["target_met"]


class TestGenderBalance:
    async def test_reserved_seats_filled_when_the_pool_allows(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme = await create_programme(client, capacity=4, gender_balance_min_share="0.50")
        men = [await eligible(client, session, programme, gender="male", education=DOCTORATE)
               for _ in range(4)]
        women = [await eligible(client, session, programme, gender="female", education=BACHELOR)
                 for _ in range(3)]
        result = await run(client, programme)
        summary = result["summary"]
        assert summary["by_gender"] == {"female": 2, "male": 2}
        assert summary["reserved_per_gender"] == 2 and summary["target_met"]
        assert summary["target_note"] == "at least 2 women and 2 men selected"
        decisions = by_app(result)
        selected_women = [w for w in women if decisions[w["id"]]["outcome"] == "selected"]
        assert len(selected_women) == 2
        assert {decisions[w["id"]]["reason"] for w in selected_women} == {
            "selected: reserved seat for gender balance (female)"}
        waiting_men = [m for m in men if decisions[m["id"]]["outcome"] == "waitlisted"]
        assert len(waiting_men) == 2
        assert all("seats reserved for gender balance" in decisions[m["id"]]["reason"]
                   for m in waiting_men)
        assert all(d["gender"] in ("female", "male") for d in result["decisions"])

    async def test_target_reported_not_met_when_the_pool_lacks_women(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme = await create_programme(client, capacity=4, gender_balance_min_share="0.50")
        for _ in range(5):
            await eligible(client, session, programme, gender="male")
        await eligible(client, session, programme, gender="female")
        summary = (await run(client, programme))["summary"]
        assert summary["selected"] == 4
        assert summary["by_gender"] == {"female": 1, "male": 3}
        assert not summary["target_met"]
        assert summary["target_note"] == "only 1 eligible woman for 2 reserved seats"


class TestRerun:
    async def test_withdrawal_promotes_the_first_waitlisted(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme = await create_programme(client, capacity=2, gender_balance_min_share=None)
        top = await eligible(client, session, programme, education=DOCTORATE)
        second = await eligible(client, session, programme, education=MASTER)
        third = await eligible(client, session, programme, education=BACHELOR)
        fourth = await eligible(client, session, programme, preferred_sectors=["health"])
        await run(client, programme)
        assert (await get(client, third))["selection_rank"] == 1
        await act(client, top, "withdraw", json={"reason": "took a job at home"})

        result = await run(client, programme)
        decisions = by_app(result)
        assert top["id"] not in decisions and second["id"] not in decisions
        assert decisions[third["id"]]["outcome"] == "selected"
        assert decisions[fourth["id"]]["waitlist_position"] == 1
        promoted = await get(client, third)
        assert promoted["status"] == "selected"
        history = (await client.get(f"/v1/applications/{third['id']}/transitions")).json()
        assert [(t["action"], t["from_status"], t["to_status"]) for t in history["items"]][-2:] \
            == [("waitlist", "shortlisted", "waitlisted"), ("select", "waitlisted", "selected")]
        summary = result["summary"]
        assert (summary["selected"], summary["newly_selected"], summary["waitlisted"]) == (2, 1, 1)
        assert (await get(client, fourth))["selection_rank"] == 1

    async def test_rerun_without_change_keeps_versions(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme = await create_programme(client, capacity=1)
        await eligible(client, session, programme, education=MASTER)
        waiting = await eligible(client, session, programme)
        await run(client, programme)
        before = await get(client, waiting)
        again = await run(client, programme)
        assert again["summary"]["newly_selected"] == 0
        assert await get(client, waiting) == before

    async def test_waitlisted_can_be_rejected_and_is_then_out_of_the_pool(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme = await create_programme(client, capacity=1)
        chosen = await eligible(client, session, programme, education=MASTER)
        waiting = await eligible(client, session, programme)
        await run(client, programme)
        await act(client, waiting, "reject", json={"reason": "declined at interview"})
        await act(client, chosen, "withdraw")
        result = await run(client, programme)
        assert result["decisions"] == [] and result["summary"]["selected"] == 0


async def committed_candidate(app: FastAPI, **overrides: Any) -> uuid.UUID:
    """A candidate with consent, committed for real (for tests across transactions)."""
    async with app.state.database.sessionmaker() as db:
        candidate = await create_candidate(db, **overrides)
        db.add(Consent(candidate_id=candidate.id, purpose="data_processing",
                       text_version="v1", action="given"))
        await db.commit()
        return candidate.id


class TestConcurrency:
    async def test_two_selections_at_once_never_over_select(
        self, candidates_app: FastAPI, committing_client: httpx.AsyncClient
    ) -> None:
        client = committing_client
        programme = await create_programme(client, capacity=2, gender_balance_min_share=None)
        for _ in range(5):
            cid = await committed_candidate(candidates_app)
            created = await client.post("/v1/applications", json={
                "candidate_id": str(cid), "programme_id": programme["id"]})
            await act(client, created.json(), "submit")
        await client.post(f"/v1/programmes/{programme['id']}/screening")
        results = await asyncio.gather(*[
            client.post(f"/v1/programmes/{programme['id']}/selection") for _ in range(3)])
        assert [r.status_code for r in results] == [200, 200, 200]
        assert sum(r.json()["summary"]["newly_selected"] for r in results) == 2
        selected = (await client.get("/v1/applications", params={
            "programme_id": programme["id"], "status": "selected"})).json()["items"]
        assert len(selected) == 2

    async def test_same_application_created_at_once_is_one_201_and_409s(
        self, candidates_app: FastAPI, committing_client: httpx.AsyncClient
    ) -> None:
        programme = await create_programme(committing_client)
        cid = await committed_candidate(candidates_app)
        body = {"candidate_id": str(cid), "programme_id": programme["id"]}
        responses = await asyncio.gather(*[
            committing_client.post("/v1/applications", json=body) for _ in range(4)])
        codes = sorted(r.status_code for r in responses)
        assert codes == [201, 409, 409, 409]
        assert {r.json()["type"] for r in responses if r.status_code == 409} == {
            "/problems/application-exists"}


async def test_candidate_row_is_shared_model(session: AsyncSession) -> None:
    # Guard against the profile domain renaming what selection reads.
    assert {"gender", "preferred_sectors", "education", "languages"} <= set(
        Candidate.__table__.columns.keys())

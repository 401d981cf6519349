"""POST /v1/candidates/{id}/erase: anonymised profile, free text blanked, consents kept,
candidate.erased emitted; GET /v1/erasures/{id}: its progress, with its receipt or a token."""

import uuid
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.candidates.factories import create_candidate, create_programme, post_candidate
from tests.conftest import TokenMinter


async def outbox_events(session: AsyncSession, subject: str) -> list[dict[str, object]]:
    rows = await session.execute(text(
        "SELECT type, payload FROM candidates.outbox WHERE subject_id = :s ORDER BY occurred_at"),
        {"s": subject})
    return [dict(r) for r in rows.mappings().all()]


class TestEraseCandidate:
    async def test_anonymises_and_emits(self, client: httpx.AsyncClient,
                                        session: AsyncSession) -> None:
        candidate = await post_candidate(client)
        consent = await client.post(f"/v1/candidates/{candidate['id']}/consents",
                                    json={"purpose": "data_processing", "action": "given",
                                          "text_version": "v1"})
        assert consent.status_code == 201, consent.text
        response = await client.post(f"/v1/candidates/{candidate['id']}/erase")
        assert response.status_code == 200, response.text
        assert response.json()["candidate_id"] == candidate["id"]

        erased = (await client.get(f"/v1/candidates/{candidate['id']}")).json()
        assert erased["given_name"] == erased["family_name"] == "erased"
        assert erased["email"].endswith("@erased.invalid")
        assert erased["phone"] is None and erased["residence_city"] is None
        assert erased["skills"] == erased["education"] == erased["languages"] == []
        assert erased["version"] == candidate["version"] + 1
        for value in ("Amina", "Benali", candidate["email"], candidate["phone"], "Rabat"):
            assert value not in str(erased)
        consents = (await client.get(f"/v1/candidates/{candidate['id']}/consents")).json()
        assert consents  # the legal record stays

        events = await outbox_events(session, candidate["id"])
        assert events == [{"type": "candidate.erased",
                           "payload": {"candidate_id": candidate["id"]}}]

    async def test_twice_is_409(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        candidate = await post_candidate(client)
        assert (await client.post(f"/v1/candidates/{candidate['id']}/erase")).status_code == 200
        again = await client.post(f"/v1/candidates/{candidate['id']}/erase")
        assert again.status_code == 409
        assert again.json()["type"] == "/problems/candidate-already-erased"
        assert len(await outbox_events(session, candidate["id"])) == 1

    async def test_unknown_candidate_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.post(f"/v1/candidates/{uuid.uuid4()}/erase")
        assert response.status_code == 404


class TestEraseFreeText:
    async def test_motivation_reasons_and_stored_answers_go(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        marker = f"marker{uuid.uuid4().hex[:10]}"
        programme = await create_programme(client)
        candidate = await post_candidate(client)
        application = await client.post(
            "/v1/applications", headers={"Idempotency-Key": f"app-{marker}"},
            json={"candidate_id": candidate["id"], "programme_id": programme["id"],
                  "motivation": f"I am {marker}, I want to work in Lyon."})
        assert application.status_code == 201, application.text
        withdrawn = await client.post(f"/v1/applications/{application.json()['id']}/withdraw",
                                      json={"reason": f"{marker} moved away"})
        assert withdrawn.status_code == 200, withdrawn.text
        assert await matches(session, marker) > 0  # the check below can see it

        assert (await client.post(f"/v1/candidates/{candidate['id']}/erase")).status_code == 200

        read = (await client.get(f"/v1/applications/{application.json()['id']}")).json()
        assert read["motivation"] is None and read["status"] == "withdrawn"
        assert marker not in str(read)
        assert await matches(session, marker) == 0

    async def test_new_reasons_about_an_erased_candidate_are_409(
            self, client: httpx.AsyncClient) -> None:
        programme = await create_programme(client)
        candidate = await post_candidate(client)
        application = (await client.post("/v1/applications", json={
            "candidate_id": candidate["id"], "programme_id": programme["id"]})).json()
        assert (await client.post(f"/v1/candidates/{candidate['id']}/erase")).status_code == 200
        url = f"/v1/applications/{application['id']}/withdraw"
        refused = await client.post(url, json={"reason": "About them."})
        assert refused.status_code == 409
        assert refused.json()["type"] == "/problems/candidate-erased"
        assert (await client.post(url, json={})).status_code == 200

async def matches(session: AsyncSession, marker: str) -> int:
    """Rows of the tables that held the application's text that still name ``marker``."""
    count = 0
    for table in ("application", "application_transition", "idempotency_key"):
        count += int(await session.scalar(text(
            f"SELECT count(*) FROM candidates.{table} t WHERE t::text ILIKE :m"),
            {"m": f"%{marker}%"}) or 0)
    return count


async def subscribe(session: AsyncSession, name: str) -> None:
    """An internal subscriber of candidate.erased, as the relay's sync would make it."""
    await session.execute(text(
        "INSERT INTO candidates.event_subscription (kind, name, url, event_types) "
        "VALUES ('internal', :n, 'http://127.0.0.1:9/internal/events', '{candidate.erased}') "
        "ON CONFLICT (name) DO UPDATE SET active = true"), {"n": name})


async def set_delivery(session: AsyncSession, candidate_id: str, name: str, **values: object,
                       ) -> None:
    sets = ", ".join(f"{column} = :{column}" for column in values)
    await session.execute(text(
        f"UPDATE candidates.event_delivery d SET {sets} FROM candidates.event_subscription s "
        "WHERE s.id = d.subscription_id AND s.name = :n AND d.subject_id = :c"),
        {"n": name, "c": candidate_id, **values})


class TestErasureStatus:
    async def test_follows_the_acknowledgements_with_the_receipt(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        for name in ("placements", "gateway"):
            await subscribe(session, name)
        candidate = await post_candidate(client)
        erased = (await client.post(f"/v1/candidates/{candidate['id']}/erase")).json()
        assert erased["status_url"] == f"/v1/erasures/{candidate['id']}"
        receipt = {"Erasure-Receipt": erased["receipt"]}

        async def status() -> dict[str, Any]:
            response = await client.get(erased["status_url"], headers=receipt)
            assert response.status_code == 200, response.text
            assert response.headers["cache-control"] == "no-store"
            return dict(response.json())

        first = await status()
        assert first["complete"] is False
        assert {s["service"]: s["status"] for s in first["services"]} == {
            "gateway": "pending", "placements": "pending"}

        await set_delivery(session, candidate["id"], "placements", attempts=2,
                           last_error="connection refused")
        await set_delivery(session, candidate["id"], "gateway", status="delivered",
                           attempts=1)
        second = await status()
        assert {s["service"]: s["status"] for s in second["services"]} == {
            "gateway": "done", "placements": "failing"}
        assert second["complete"] is False

        await set_delivery(session, candidate["id"], "placements", status="dead")
        assert {s["service"]: s["status"] for s in (await status())["services"]} == {
            "gateway": "done", "placements": "dead"}

        await set_delivery(session, candidate["id"], "placements", status="delivered")
        assert (await status())["complete"] is True

    async def test_a_wrong_receipt_or_no_erasure_is_404(
            self, client: httpx.AsyncClient) -> None:
        candidate = await post_candidate(client)
        other = await post_candidate(client)
        erased = (await client.post(f"/v1/candidates/{candidate['id']}/erase")).json()
        wrong = await client.get(erased["status_url"], headers={"Erasure-Receipt": "er_guess"})
        assert wrong.status_code == 404
        assert wrong.json()["type"] == "/problems/erasure-not-found"
        never = await client.get(f"/v1/erasures/{other['id']}",
                                 headers={"Erasure-Receipt": erased["receipt"]})
        assert never.status_code == 404
        # Auth is off in this app: the caller is an admin, who reads any erasure's progress.
        assert (await client.get(erased["status_url"])).status_code == 200
        assert (await client.get(f"/v1/erasures/{other['id']}")).status_code == 404

    async def test_other_roles_see_nothing_and_no_token_is_401(
            self, client: httpx.AsyncClient, session: AsyncSession,
            mint_token: TokenMinter) -> None:
        candidate = {"id": str((await create_candidate(session)).id)}
        erased = (await client.post(f"/v1/candidates/{candidate['id']}/erase",
                                    headers={"Authorization": f"Bearer {mint_token('admin')}"}
                                    )).json()
        officer = {"Authorization": f"Bearer {mint_token('officer')}"}
        assert (await client.get(erased["status_url"], headers=officer)).status_code == 404
        assert (await client.get(erased["status_url"])).status_code == 401
        admin = {"Authorization": f"Bearer {mint_token('admin')}"}
        assert (await client.get(erased["status_url"], headers=admin)).status_code == 200
        with_receipt = await client.get(erased["status_url"],
                                        headers={"Erasure-Receipt": erased["receipt"]})
        assert with_receipt.status_code == 200

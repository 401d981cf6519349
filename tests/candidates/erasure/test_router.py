"""POST /v1/candidates/{id}/erase: anonymised profile, consents kept, candidate.erased emitted."""

import uuid

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.candidates.factories import post_candidate


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

"""``candidate.erased`` in placements: the free text about the person is blanked, codes and
ratings stay, and free text sent about them afterwards is refused (409)."""

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.signing import Signer
from tests.placements.conftest import post_erased
from tests.placements.factories import add_placement, today


async def naming(session: AsyncSession, marker: str) -> list[str]:
    """The placements tables with a row that names ``marker``."""
    found = []
    for table in ("placement", "placement_transition", "placement_extension", "check_in",
                  "evaluation", "idempotency_key"):
        if await session.scalar(text(
                f"SELECT count(*) FROM placements.{table} t WHERE t::text ILIKE :m"),
                {"m": f"%{marker}%"}):
            found.append(table)
    return found


class TestCandidateErased:
    async def test_blanks_the_free_text_and_refuses_new(
            self, client: httpx.AsyncClient, session: AsyncSession, signed: Signer) -> None:
        marker = f"zq{uuid.uuid4().hex[:10]}"
        placement = await add_placement(session, status="active",
                                        visa_reference=f"VISA-{marker}")
        url = f"/v1/placements/{placement.id}"
        written = await client.post(f"{url}/check-ins", headers={"Idempotency-Key": marker},
                                    json={"wellbeing": 2, "housing": "issue",
                                          "housing_note": f"{marker}'s flat",
                                          "notes": f"Met {marker}.",
                                          "incidents": [{"type": "housing", "severity": "high",
                                                         "description": f"{marker} hurt"}],
                                          "housing_check": {
                                              "living_space_m2": "30", "occupants": 2,
                                              "note": f"{marker} sleeps in the hall"}})
        assert written.status_code == 201, written.text
        extended = await client.post(f"{url}/extend", json={
            "new_end_date": (placement.end_date + timedelta(days=10)).isoformat(),
            "offer_reference": f"EXT-{marker}", "offer_text": f"More for {marker}"})
        assert extended.status_code == 200, extended.text
        ended = await client.post(f"{url}/end-early", json={
            "reason": "health", "note": f"{marker} went home", "end_date": today().isoformat()})
        assert ended.status_code == 200, ended.text
        evaluated = await client.post(f"{url}/evaluation", json={
            "technical_skills": 4, "communication": 5, "teamwork": 3, "reliability": 5,
            "would_host_again": True, "comments": f"{marker} did well."})
        assert evaluated.status_code == 201, evaluated.text
        assert set(await naming(session, marker)) == {
            "placement", "placement_transition", "placement_extension", "check_in",
            "evaluation", "idempotency_key"}

        response = await post_erased(client, signed, placement.candidate_id, uuid.uuid4())
        assert response.status_code == 200, response.text

        assert await naming(session, marker) == []
        [check] = (await client.get(f"{url}/check-ins")).json()["items"]
        assert check["notes"] is None and check["housing_note"] is None
        assert check["incidents"] == [{"type": "housing", "severity": "high",
                                       "description": None}]
        assert check["housing_check"]["note"] is None
        assert check["wellbeing"] == 2  # the coded answers stay
        assert (check["housing_check"]["living_space_m2"],
                check["housing_check"]["occupants"]) == ("30", 2)
        read = (await client.get(url)).json()
        assert read["end_reason"] == "health" and read["status"] == "ended_early"
        reasons = [t["reason"] for t in (await client.get(f"{url}/transitions")).json()["items"]]
        assert "health" in reasons  # the code of the ending, without the note
        assert (await client.get(f"{url}/evaluation")).json()["reliability"] == 5

    async def test_new_free_text_about_an_erased_candidate_is_409(
            self, client: httpx.AsyncClient, session: AsyncSession, signed: Signer) -> None:
        placement = await add_placement(session, status="active")
        url = f"/v1/placements/{placement.id}"
        assert (await post_erased(client, signed, placement.candidate_id,
                                  uuid.uuid4())).status_code == 200
        for words in ({"notes": "About them."},
                      {"housing_check": {"rent_amount": "300", "currency": "EUR",
                                         "note": "Their room is damp."}}):
            refused = await client.post(f"{url}/check-ins", json={
                "wellbeing": 3, "housing": "ok", **words})
            assert refused.status_code == 409
            assert refused.json()["type"] == "/problems/candidate-erased"
        coded = await client.post(f"{url}/check-ins", json={"wellbeing": 3, "housing": "ok"})
        assert coded.status_code == 201, coded.text
        offer = await client.post(f"{url}/extend", json={
            "new_end_date": (placement.end_date + timedelta(days=5)).isoformat(),
            "offer_text": "About them."})
        assert offer.status_code == 409
        assert (await client.get(f"{url}/check-ins")).json()["items"][0]["notes"] is None

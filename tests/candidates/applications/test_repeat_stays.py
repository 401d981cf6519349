"""Repeat stays (WAFIRA's seasons): in a programme with ``repeat_stays`` a returnee is listed for
matching again (with the stays they made) and placements' next ``placement.started`` places
them again; elsewhere a return stays final."""

import uuid
from typing import Any

import httpx
import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.applications import state
from services.placements.matching.profiles import CandidatesClient
from shared.events.signing import Signer
from tests.candidates.applications.helpers import (
    act,
    apply,
    candidate_id,
    placement_event,
    status_of,
)
from tests.candidates.factories import create_programme
from tests.shared.events.helpers import deliver


def _event(kind: str, application: dict[str, Any]) -> dict[str, Any]:
    """An event of a new placement (each stay is one)."""
    return placement_event(kind, application, placement=str(uuid.uuid4()))


async def _stay(client: httpx.AsyncClient, signer: Signer, application: dict[str, Any]) -> None:
    """One stay abroad as placements reports it: started, then completed."""
    for kind in ("placement.started", "placement.completed"):
        response = await deliver(client, signer, [_event(kind, application)])
        assert response.status_code == 200, response.text


async def _selected(client: httpx.AsyncClient, session: AsyncSession,
                    **programme: Any) -> dict[str, Any]:
    """An application selected (the only seat) in a new programme."""
    created = await create_programme(client, capacity=1, gender_balance_min_share=None,
                                     **programme)
    application = await apply(client, candidate=await candidate_id(session), programme=created)
    for action in ("submit", "screen"):
        await act(client, application, action)
    response = await client.post(f"/v1/programmes/{created['id']}/selection")
    assert response.status_code == 200, response.text
    return application


def _profiles(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return [orjson.loads(line) for line in response.text.splitlines()]


class TestLifecycle:
    def test_only_the_repeating_lifecycle_places_a_returnee(self) -> None:
        assert state.lifecycle(repeat_stays=True).can("place", "returned")
        assert not state.lifecycle(repeat_stays=False).can("place", "returned")
        assert "returned" in state.FINAL_STATES  # for a programme of one stay per person
        assert state.REPEATING.allowed_from("place") == ["selected", "returned"]

    async def test_a_returnee_of_a_repeat_stay_programme_is_placed_again(
            self, client: httpx.AsyncClient, session: AsyncSession, signed: Signer) -> None:
        application = await _selected(client, session, repeat_stays=True)
        for _ in range(2):
            await _stay(client, signed, application)
            assert await status_of(client, application) == "returned"
        history = (await client.get(
            f"/v1/applications/{application['id']}/transitions")).json()["items"]
        assert [(t["action"], t["from_status"]) for t in history][-4:] == [
            ("place", "selected"), ("return", "placed"), ("place", "returned"),
            ("return", "placed")]

    async def test_elsewhere_a_return_is_final(self, client: httpx.AsyncClient,
                                               session: AsyncSession, signed: Signer) -> None:
        application = await _selected(client, session)
        await _stay(client, signed, application)
        response = await deliver(client, signed, [_event("placement.started", application)])
        assert response.status_code == 200  # acknowledged: the fact stands, nothing moves
        assert await status_of(client, application) == "returned"


class TestMatchingExport:
    async def test_returnees_are_listed_with_their_stays_where_they_may_go_again(
            self, client: httpx.AsyncClient, session: AsyncSession, signed: Signer) -> None:
        returnee = await _selected(client, session, repeat_stays=True)
        await _stay(client, signed, returnee)
        url = f"/v1/programmes/{returnee['programme_id']}/matching-profiles"
        [profile] = _profiles(await client.get(url))
        assert (profile["application_id"], profile["stays_before"]) == (returnee["id"], 1)
        # As placements asks about one candidate before placing them (selected_profile).
        [only] = _profiles(await client.get(url, params={
            "status": "selected", "candidate_id": returnee["candidate_id"]}))
        assert only["candidate_id"] == returnee["candidate_id"]
        # Placed again, they are not matchable until they return once more.
        await deliver(client, signed, [_event("placement.started", returnee)])
        assert _profiles(await client.get(url)) == []
        await deliver(client, signed, [_event("placement.completed", returnee)])
        assert [p["stays_before"] for p in _profiles(await client.get(url))] == [2]

    async def test_placements_lookup_passes_for_a_returnee(
            self, client: httpx.AsyncClient, session: AsyncSession, signed: Signer) -> None:
        returnee = await _selected(client, session, repeat_stays=True)
        await _stay(client, signed, returnee)
        profile = await CandidatesClient(client).selected_profile(
            uuid.UUID(returnee["programme_id"]), uuid.UUID(returnee["candidate_id"]),
            authorization=None)
        assert profile is not None
        assert str(profile.candidate_id) == returnee["candidate_id"]

    async def test_elsewhere_returnees_are_not_listed(self, client: httpx.AsyncClient,
                                                      session: AsyncSession,
                                                      signed: Signer) -> None:
        returnee = await _selected(client, session)
        url = f"/v1/programmes/{returnee['programme_id']}/matching-profiles"
        assert [p["stays_before"] for p in _profiles(await client.get(url))] == [0]
        await _stay(client, signed, returnee)
        assert _profiles(await client.get(url)) == []
        assert _profiles(await client.get(url, params={
            "status": "selected", "candidate_id": returnee["candidate_id"]})) == []

"""Placements' events move applications: started → placed, completed / ended early → returned."""

import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.signing import Signer
from tests.candidates.applications.helpers import act, in_state, placement_event, status_of
from tests.shared.events.helpers import deliver


class TestFollowPlacement:
    async def test_started_then_completed(self, client: httpx.AsyncClient,
                                          session: AsyncSession, signed: Signer) -> None:
        application = await in_state(client, session, "selected")
        started = await deliver(client, signed, [placement_event("placement.started", application)])
        assert started.status_code == 200 and started.json()["applied"] == 1
        assert await status_of(client, application) == "placed"
        await deliver(client, signed, [placement_event("placement.completed", application)])
        assert await status_of(client, application) == "returned"
        history = (await client.get(f"/v1/applications/{application['id']}/transitions")).json()
        assert [t["action"] for t in history["items"]][-2:] == ["place", "return"]

    async def test_ended_early_also_returns(self, client: httpx.AsyncClient,
                                            session: AsyncSession, signed: Signer) -> None:
        application = await in_state(client, session, "selected")
        await deliver(client, signed, [placement_event("placement.started", application),
                                       placement_event("placement.ended_early", application)])
        assert await status_of(client, application) == "returned"

    async def test_duplicate_delivery_has_no_second_effect(
        self, client: httpx.AsyncClient, session: AsyncSession, signed: Signer
    ) -> None:
        application = await in_state(client, session, "selected")
        started = placement_event("placement.started", application)
        await deliver(client, signed, [started])
        again = await deliver(client, signed, [started])
        assert again.json() == {"received": 1, "applied": 0, "duplicates": 1}
        history = (await client.get(f"/v1/applications/{application['id']}/transitions")).json()
        assert [t["action"] for t in history["items"]].count("place") == 1

    @pytest.mark.parametrize("status", ["withdrawn", "waitlisted", "draft"])
    async def test_application_not_selected_is_left_alone(
        self, client: httpx.AsyncClient, session: AsyncSession, signed: Signer, status: str
    ) -> None:
        application = await in_state(client, session, status)
        started = placement_event("placement.started", application)
        response = await deliver(client, signed, [started])
        assert response.status_code == 200  # acknowledged: the fact stands, nothing to move
        assert await status_of(client, application) == status

    async def test_unknown_pair_is_acknowledged(self, client: httpx.AsyncClient,
                                                signed: Signer) -> None:
        ghost = {"candidate_id": str(uuid.uuid4()), "programme_id": str(uuid.uuid4())}
        response = await deliver(client, signed, [placement_event("placement.started", ghost)])
        assert response.status_code == 200

    async def test_placed_cannot_be_withdrawn(self, client: httpx.AsyncClient,
                                              session: AsyncSession, signed: Signer) -> None:
        application = await in_state(client, session, "selected")
        await deliver(client, signed, [placement_event("placement.started", application)])
        await act(client, application, "withdraw", expect=409)

    async def test_unsigned_is_401_and_changes_nothing(self, client: httpx.AsyncClient,
                                                       session: AsyncSession,
                                                       signed: Signer) -> None:
        application = await in_state(client, session, "selected")
        response = await client.post("/internal/events",
                                     json=[placement_event("placement.started", application)])
        assert response.status_code == 401
        assert await status_of(client, application) == "selected"

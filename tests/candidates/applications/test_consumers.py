"""Placements' events move applications: started → placed, completed / ended early → returned."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.signing import Signer, Verifier, generate_secret
from tests.candidates.applications.helpers import act, in_state
from tests.shared.events.helpers import deliver

SECRET = generate_secret()


@pytest.fixture
async def signed(candidates_app: FastAPI) -> AsyncIterator[Signer]:
    """The candidates app verifying internal events with a test secret."""
    candidates_app.state.events_verifier = Verifier([SECRET])
    try:
        yield Signer([SECRET])
    finally:
        del candidates_app.state.events_verifier


def event(kind: str, application: dict[str, Any], *, event_id: uuid.UUID | None = None,
          placement: str = "p1") -> dict[str, Any]:
    return {"id": str(event_id or uuid.uuid4()), "type": kind, "version": 1,
            "source": "placements", "subject_id": placement,
            "occurred_at": datetime.now(UTC).isoformat(),
            "data": {"placement_id": placement, "candidate_id": application["candidate_id"],
                     "programme_id": application["programme_id"]}}


async def status_of(client: httpx.AsyncClient, application: dict[str, Any]) -> str:
    return (await client.get(f"/v1/applications/{application['id']}")).json()["status"]


class TestFollowPlacement:
    async def test_started_then_completed(self, client: httpx.AsyncClient,
                                          session: AsyncSession, signed: Signer) -> None:
        application = await in_state(client, session, "selected")
        started = await deliver(client, signed, [event("placement.started", application)])
        assert started.status_code == 200 and started.json()["applied"] == 1
        assert await status_of(client, application) == "placed"
        await deliver(client, signed, [event("placement.completed", application)])
        assert await status_of(client, application) == "returned"
        history = (await client.get(f"/v1/applications/{application['id']}/transitions")).json()
        assert [t["action"] for t in history["items"]][-2:] == ["place", "return"]

    async def test_ended_early_also_returns(self, client: httpx.AsyncClient,
                                            session: AsyncSession, signed: Signer) -> None:
        application = await in_state(client, session, "selected")
        await deliver(client, signed, [event("placement.started", application),
                                       event("placement.ended_early", application)])
        assert await status_of(client, application) == "returned"

    async def test_duplicate_delivery_has_no_second_effect(
        self, client: httpx.AsyncClient, session: AsyncSession, signed: Signer
    ) -> None:
        application = await in_state(client, session, "selected")
        started = event("placement.started", application)
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
        response = await deliver(client, signed, [event("placement.started", application)])
        assert response.status_code == 200  # acknowledged: the fact stands, nothing to move
        assert await status_of(client, application) == status

    async def test_unknown_pair_is_acknowledged(self, client: httpx.AsyncClient,
                                                signed: Signer) -> None:
        ghost = {"candidate_id": str(uuid.uuid4()), "programme_id": str(uuid.uuid4())}
        response = await deliver(client, signed, [event("placement.started", ghost)])
        assert response.status_code == 200

    async def test_placed_cannot_be_withdrawn(self, client: httpx.AsyncClient,
                                              session: AsyncSession, signed: Signer) -> None:
        application = await in_state(client, session, "selected")
        await deliver(client, signed, [event("placement.started", application)])
        await act(client, application, "withdraw", expect=409)

    async def test_unsigned_is_401_and_changes_nothing(self, client: httpx.AsyncClient,
                                                       session: AsyncSession,
                                                       signed: Signer) -> None:
        application = await in_state(client, session, "selected")
        response = await client.post("/internal/events",
                                     json=[event("placement.started", application)])
        assert response.status_code == 401
        assert await status_of(client, application) == "selected"

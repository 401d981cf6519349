"""Every action from every state over HTTP: the legal ones move, the others are 409 problems
naming the current state and change nothing. Parametrised over the state table."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.placements import state
from services.placements.placements.models import STATUSES
from tests.placements.factories import add_placement, today


def body(action: str) -> dict[str, Any] | None:
    """A valid body for ``action`` (the legal outcome picked where there are several). Made at
    each call, not at import: dates computed at collection are a day off for a run that goes
    past midnight."""
    return {
        "accept-employer": None, "accept-candidate": None,
        "decline": {"reason": "changed plans"},
        "request-visa": None, "visa-decision": {"decision": "granted"},
        "arrive": {"arrival_date": today().isoformat()},
        "extend": {"new_end_date": (today() + timedelta(days=400)).isoformat(),
                   "offer_reference": "EXT-1"},
        "complete": None, "end-early": {"reason": "health"},
    }[action]
LEGAL = [(a, s) for a in state.ACTIONS for s in STATUSES if state.can(a, s)]
ILLEGAL = [(a, s) for a in state.ACTIONS for s in STATUSES if not state.can(a, s)]


async def _post(client: httpx.AsyncClient, placement_id: object, action: str) -> httpx.Response:
    return await client.post(f"/v1/placements/{placement_id}/{action}", json=body(action))


@pytest.mark.parametrize(("action", "status"), LEGAL)
async def test_legal_transition(client: httpx.AsyncClient, session: AsyncSession,
                                action: str, status: str) -> None:
    placement = await add_placement(session, status=status)
    response = await _post(client, placement.id, action)
    assert response.status_code == 200, response.text
    outcome = "visa_granted" if action == "visa-decision" else None  # what body() asks for
    assert response.json()["status"] == state.target(action, status, outcome)
    assert response.json()["version"] == placement.version + 1
    history = (await client.get(f"/v1/placements/{placement.id}/transitions")).json()["items"]
    assert [(h["action"], h["from_status"]) for h in history] == [(action, status)]


@pytest.mark.parametrize(("action", "status"), ILLEGAL)
async def test_illegal_transition_is_409(client: httpx.AsyncClient, session: AsyncSession,
                                         action: str, status: str) -> None:
    placement = await add_placement(session, status=status)
    response = await _post(client, placement.id, action)
    assert response.status_code == 409, response.text
    problem = response.json()
    assert (problem["type"], problem["current_state"], problem["action"]) == (
        "/problems/illegal-transition", status, action)
    assert f"'{status}'" in problem["detail"]
    after = (await client.get(f"/v1/placements/{placement.id}")).json()
    assert (after["status"], after["version"]) == (status, placement.version)


@pytest.mark.parametrize("action", state.ACTIONS)
async def test_unknown_placement_is_404(client: httpx.AsyncClient, action: str) -> None:
    response = await _post(client, "6f1c2a4e-8d1b-4c1e-9a57-1f0b7e3c2d10", action)
    assert response.json()["type"] == "/problems/placement-not-found"

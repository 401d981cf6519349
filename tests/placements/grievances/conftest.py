"""Fixtures and helpers of the grievance tests: the app's clock, tokens of each party of a
placement, filing through the API, and what the outbox holds."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.placements.models import Placement
from shared.clock import utc_now

Auth = Callable[..., dict[str, str]]
Headers = dict[str, str]


@dataclass
class Clock:
    """The placements app's now, while a test holds it (None: the real one)."""

    now: datetime | None = None

    async def __call__(self) -> datetime:
        return self.now or datetime.now(UTC)


@pytest.fixture
def clock(placements_app: FastAPI, placements_client: httpx.AsyncClient) -> Clock:
    """The app's clock for this test, set to a fixed moment (the client's teardown removes
    it with the other overrides)."""
    found = Clock(datetime.now(UTC).replace(microsecond=0))
    placements_app.dependency_overrides[utc_now] = found
    return found


@dataclass(frozen=True)
class Parties:
    """Tokens of the people related to one placement, and of strangers to it."""

    worker: Headers
    officer: Headers
    employer: Headers
    ministry: Headers
    other_worker: Headers
    other_officer: Headers
    other_employer: Headers


def parties(auth: Auth, placement: Placement) -> Parties:
    """The placement's worker, programme officer, employer and ministry, and strangers."""
    return Parties(
        worker=auth("candidate", candidate_id=placement.candidate_id),
        officer=auth("officer", programme_ids=(placement.programme_id,)),
        employer=auth("employer", employer_id=placement.employer_id),
        ministry=auth("ministry", programme_ids=(placement.programme_id,)),
        other_worker=auth("candidate", candidate_id=uuid.uuid4()),
        other_officer=auth("officer", programme_ids=(uuid.uuid4(),)),
        other_employer=auth("employer", employer_id=uuid.uuid4()))


def moment(value: str) -> datetime:
    """A moment the API wrote (ISO 8601)."""
    return datetime.fromisoformat(value)


def grievance_body(placement_id: uuid.UUID | str, **overrides: Any) -> dict[str, Any]:
    """A valid grievance about ``placement_id``; override any field."""
    return {"placement_id": str(placement_id), "category": "fees_charged",
            "description": "The recruiter asked me for 300 euros before the visa appointment.",
            "severity": "high"} | overrides


async def file(client: httpx.AsyncClient, headers: Headers, placement_id: uuid.UUID | str,
               **overrides: Any) -> dict[str, Any]:
    """File a grievance and check it was created."""
    response = await client.post("/v1/grievances", json=grievance_body(placement_id, **overrides),
                                 headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def act(client: httpx.AsyncClient, grievance: dict[str, Any], action: str,
              headers: Headers, *, json: dict[str, Any] | None = None,
              expect: int = 200) -> dict[str, Any]:
    """POST an action on a grievance and check its status code; its body."""
    response = await client.post(f"/v1/grievances/{grievance['id']}/{action}", json=json,
                                 headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


async def stored(session: AsyncSession) -> int:
    """How many grievances the test's transaction sees."""
    return int(await session.scalar(text("SELECT count(*) FROM placements.grievance")) or 0)


async def events(session: AsyncSession, grievance_id: uuid.UUID | str,
                 ) -> list[tuple[str, dict[str, Any]]]:
    """The ``grievance.*`` events recorded about a grievance (one transaction's share one
    ``occurred_at``: by type, then by the level they leave it at)."""
    rows = await session.execute(text(
        "SELECT type, payload FROM placements.outbox WHERE subject_id = :s "
        "AND type LIKE 'grievance.%' ORDER BY type, payload->>'due_at'"), {"s": str(grievance_id)})
    return [(r.type, r.payload) for r in rows.all()]

"""Training as tests walk it through the API: enrolments begun weeks ago (so that sessions fit
between then and today), attendance recorded, modules completed once attended enough."""

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from services.candidates.training.service import required_hours
from shared.clock import utc_today

# Enrolments begin this many days ago: room for a module's sessions before today.
ENROLLED_DAYS_AGO = 30
# A training day.
SESSION_HOURS = Decimal(8)


def days_ago(days: int) -> date:
    """The day ``days`` before today (UTC, the API's calendar)."""
    return utc_today() - timedelta(days=days)


async def enrol(client: httpx.AsyncClient, *, module_id: str, candidate_id: uuid.UUID | str,
                enrolled_on: date | None = None) -> dict[str, Any]:
    """Enrol a candidate in a module, :data:`ENROLLED_DAYS_AGO` days ago unless told."""
    on = enrolled_on or days_ago(ENROLLED_DAYS_AGO)
    response = await client.post(f"/v1/training-modules/{module_id}/enrolments", json={
        "candidate_id": str(candidate_id), "enrolled_on": on.isoformat()})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def attend(client: httpx.AsyncClient, enrolment: dict[str, Any], hours: Decimal) -> None:
    """Record ``hours`` of presence in training days of :data:`SESSION_HOURS` (the last one
    shorter), on consecutive days from the enrolment's first."""
    day = date.fromisoformat(enrolment["enrolled_on"])
    while hours > 0:
        session = min(hours, SESSION_HOURS)
        response = await client.post(f"/v1/enrolments/{enrolment['id']}/attendance", json={
            "session_date": day.isoformat(), "present": True, "hours": str(session)})
        assert response.status_code == 201, response.text
        hours -= session
        day += timedelta(days=1)


async def complete(client: httpx.AsyncClient, enrolment: dict[str, Any]) -> dict[str, Any]:
    """Attend the module just enough (its required share of hours), then complete it."""
    module = (await client.get(f"/v1/training-modules/{enrolment['module_id']}")).json()
    await attend(client, enrolment, required_hours(Decimal(module["hours"])))
    response = await client.post(f"/v1/enrolments/{enrolment['id']}/complete")
    assert response.status_code == 200, response.text
    completed: dict[str, Any] = response.json()
    return completed

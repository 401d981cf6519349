"""Build applications in any state through the API, on candidates inserted directly."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.applications import service as application_service
from services.candidates.institutions.models import Institution, Nomination
from tests.candidates.factories import create_candidate, create_programme, give_consent

PROBLEM = "application/problem+json"


async def candidate_id(session: AsyncSession, *, consents: tuple[str, ...] = ("data_processing",),
                       **overrides: Any) -> uuid.UUID:
    """A candidate (eligible for the default test programme) with the given consents."""
    candidate = await create_candidate(session, **overrides)
    for purpose in consents:
        await give_consent(session, candidate_id=candidate.id, purpose=purpose)
    return candidate.id


async def apply(client: httpx.AsyncClient, *, candidate: uuid.UUID,
                programme: dict[str, Any]) -> dict[str, Any]:
    """A draft application through the API."""
    response = await client.post("/v1/applications", json={
        "candidate_id": str(candidate), "programme_id": programme["id"]})
    assert response.status_code == 201, response.text
    return response.json()


async def act(client: httpx.AsyncClient, application: dict[str, Any] | str, action: str,
              expect: int = 200, **kwargs: Any) -> httpx.Response:
    """POST an action on an application and check the status code."""
    app_id = application if isinstance(application, str) else application["id"]
    response = await client.post(f"/v1/applications/{app_id}/{action}", **kwargs)
    assert response.status_code == expect, response.text
    return response


async def eligible(client: httpx.AsyncClient, session: AsyncSession, programme: dict[str, Any],
                   **overrides: Any) -> dict[str, Any]:
    """An application taken through submit and screening to ``eligible``."""
    app = await apply(client, candidate=await candidate_id(session, **overrides),
                      programme=programme)
    await act(client, app, "submit")
    body = (await act(client, app, "screen")).json()
    assert body["status"] == "eligible", body
    return body


async def nominate(session: AsyncSession, *, candidate: uuid.UUID, programme_id: str) -> None:
    """A partner institution nominates the candidate to the programme."""
    institution = Institution(name="Université Hassan II", kind="university", country="MA")
    session.add(institution)
    await session.flush()
    session.add(Nomination(institution_id=institution.id, candidate_id=candidate,
                           programme_id=uuid.UUID(programme_id)))
    await session.flush()


async def in_state(client: httpx.AsyncClient, session: AsyncSession,
                   status: str) -> dict[str, Any]:
    """An application (in a programme of its own, capacity 1) brought to ``status``."""
    programme = await create_programme(client, capacity=1, gender_balance_min_share=None)
    if status == "waitlisted":
        # Fill the only seat first, so that the next eligible application waits.
        await eligible(client, session, programme)
        await client.post(f"/v1/programmes/{programme['id']}/selection")
    overrides: dict[str, Any] = {"nationality": "NG"} if status == "ineligible" else {}
    app = await apply(client, candidate=await candidate_id(session, **overrides),
                      programme=programme)
    steps = {
        "draft": [], "submitted": ["submit"], "eligible": ["submit", "screen"],
        "ineligible": ["submit", "screen"], "shortlisted": ["submit", "screen", "shortlist"],
        "selected": ["submit", "screen", "select"], "waitlisted": ["submit", "screen", "select"],
        "rejected": ["submit", "screen", "shortlist", "reject"], "withdrawn": ["withdraw"],
        "placed": ["submit", "screen", "select", "place"],
        "returned": ["submit", "screen", "select", "place", "return"],
    }[status]
    for step in steps:
        if step in ("place", "return"):  # placements' events, applied as the inbox would
            assert await application_service.follow_placement(
                session, candidate_id=uuid.UUID(app["candidate_id"]),
                programme_id=uuid.UUID(app["programme_id"]), action=step, reason="test")
        elif step == "select":
            response = await client.post(f"/v1/programmes/{programme['id']}/selection")
            assert response.status_code == 200, response.text
        else:
            kwargs = {"json": {"reason": "not a fit"}} if step == "reject" else {}
            await act(client, app, step, **kwargs)
    body = (await client.get(f"/v1/applications/{app['id']}")).json()
    assert body["status"] == status, body
    return body


def born(on: date, *, years: int, days: int = 0) -> date:
    """The birthday of someone who turns ``years`` old ``days`` days after ``on``."""
    try:
        birthday = on.replace(year=on.year - years)
    except ValueError:  # 29 February
        birthday = on.replace(year=on.year - years, day=28)
    return birthday + timedelta(days=days)


def placement_event(kind: str, application: dict[str, Any], *,
                    event_id: uuid.UUID | None = None, placement: str = "p1") -> dict[str, Any]:
    """A placements event (``placement.started``, ``.completed``…) about the application's
    candidate and programme, as the relay delivers it."""
    return {"id": str(event_id or uuid.uuid4()), "type": kind, "version": 1,
            "source": "placements", "subject_id": placement,
            "occurred_at": datetime.now(UTC).isoformat(),
            "data": {"placement_id": placement, "candidate_id": application["candidate_id"],
                     "programme_id": application["programme_id"]}}


async def status_of(client: httpx.AsyncClient, application: dict[str, Any]) -> str:
    """The application's status as read now."""
    status: str = (await client.get(f"/v1/applications/{application['id']}")).json()["status"]
    return status

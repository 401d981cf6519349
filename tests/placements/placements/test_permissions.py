"""Who may see and act on a placement, per role: another party's placement is a 404, a
forbidden action on a visible one a 403, and a role that never sees a person's placement
(ministry, visa authority) a 403 for everything but its own actions. The expectations are
written out here, not read from the policy, so that this is the specification."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.placements import state
from services.placements.placements.models import Placement
from tests.placements.conftest import FakeCandidates
from tests.placements.factories import add_placement, create_vacancy
from tests.placements.placements.test_transitions import body

Auth = Callable[..., dict[str, str]]
ROLES = ("admin", "officer", "employer", "candidate", "ministry", "visa_authority", "service",
         "institution")
ALLOWED = {
    "accept-employer": {"admin", "officer", "employer"},
    "accept-candidate": {"admin", "officer", "candidate"},
    "decline": {"admin", "officer", "employer", "candidate"},
    "request-visa": {"admin", "officer"},
    "visa-decision": {"admin", "officer", "visa_authority"},
    "arrive": {"admin", "officer"},
    "extend": {"admin", "officer", "employer"},
    "complete": {"admin", "officer"},
    "end-early": {"admin", "officer"},
}
READERS = {"admin", "officer", "employer", "candidate", "service"}
HISTORY_READERS = READERS
# Never see a person's placement: 403 for any read, list or action not theirs, related or not.
NO_PERSON = {"ministry", "visa_authority"}


def related(auth: Auth, role: str, placement: Placement) -> dict[str, str]:
    """A token of ``role`` whose claims make ``placement`` its business."""
    claims: dict[str, Any] = {
        "officer": {"programme_ids": (placement.programme_id,)},
        "ministry": {"programme_ids": (placement.programme_id,)},
        "visa_authority": {"programme_ids": (placement.programme_id,),
                           "country": placement.destination_country},
        "employer": {"employer_id": placement.employer_id},
        "candidate": {"candidate_id": placement.candidate_id},
    }.get(role, {})
    return auth(role, **claims)


def unrelated(auth: Auth, role: str) -> dict[str, str]:
    """A token of ``role`` for other programmes, another employer, another candidate."""
    return auth(role, programme_ids=(uuid.uuid4(),), employer_id=uuid.uuid4(),
                candidate_id=uuid.uuid4(), country="IT")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", state.ACTIONS)
async def test_action_per_role(client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
                               action: str, role: str, fake_candidates: FakeCandidates) -> None:
    # (request-visa asks the candidates service for the identity to share: answered by the fake)
    placement = await add_placement(session, status=state.allowed_from(action)[0])
    url = f"/v1/placements/{placement.id}/{action}"
    if role not in ("admin", "service"):  # they relate to everything
        stranger = await client.post(url, json=body(action), headers=unrelated(auth, role))
        refused = role in NO_PERSON and role not in ALLOWED[action]
        assert stranger.status_code == (403 if refused else 404), stranger.text
    response = await client.post(url, json=body(action),
                                 headers=related(auth, role, placement))
    expected = (200 if role in ALLOWED[action] else 403 if role in READERS | NO_PERSON
                else 404)
    assert response.status_code == expected, response.text
    if expected == 200:
        actor = (await client.get(f"/v1/placements/{placement.id}/transitions")).json()
        assert actor["items"][-1]["actor_role"] == role


@pytest.mark.parametrize("role", ROLES)
async def test_reads_per_role(client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
                              role: str) -> None:
    placement = await add_placement(session, status="completed")
    await client.post(f"/v1/placements/{placement.id}/evaluation", json={
        "technical_skills": 4, "communication": 4, "teamwork": 4, "reliability": 4,
        "would_host_again": True})
    readers = {"": READERS, "/transitions": HISTORY_READERS, "/extensions": HISTORY_READERS,
               "/mentors": HISTORY_READERS,
               # The trainee reads the check-ins they reported (monitoring tests which).
               "/check-ins": {"admin", "officer", "employer", "service", "candidate"},
               "/evaluation": {"admin", "officer", "employer", "service"}}
    for path, allowed in readers.items():
        url = f"/v1/placements/{placement.id}{path}"
        response = await client.get(url, headers=related(auth, role, placement))
        expected = 200 if role in allowed else 403 if role in READERS | NO_PERSON else 404
        assert response.status_code == expected, (path, response.text)
        if role not in ("admin", "service"):
            assert (await client.get(url, headers=unrelated(auth, role))).status_code == (
                403 if role in NO_PERSON else 404)


@pytest.mark.parametrize("role", ROLES)
async def test_list_shows_only_related_placements(client: httpx.AsyncClient,
                                                  session: AsyncSession, auth: Auth,
                                                  role: str) -> None:
    mine = await add_placement(session)
    theirs = await add_placement(session)
    response = await client.get("/v1/placements", headers=related(auth, role, mine),
                                params={"limit": 200})
    if role not in READERS:
        assert response.status_code == 403
        return
    seen = {p["id"] for p in response.json()["items"]}
    assert str(mine.id) in seen
    assert (str(theirs.id) in seen) is (role in ("admin", "service"))


class TestCreatePermissions:
    @pytest.mark.parametrize("role", ["employer", "candidate", "ministry", "visa_authority",
                                      "service"])
    async def test_only_staff_create(self, client: httpx.AsyncClient, auth: Auth,
                                     role: str) -> None:
        vacancy = await create_vacancy(client)
        response = await client.post("/v1/placements", headers=auth(role), json={
            "vacancy_id": vacancy["id"], "candidate_id": str(uuid.uuid4())})
        assert response.status_code == 403

    async def test_officer_creates_in_own_programmes(self, client: httpx.AsyncClient,
                                                     auth: Auth,
                                                     fake_candidates: FakeCandidates) -> None:
        vacancy = await create_vacancy(client)
        body = {"vacancy_id": vacancy["id"], "candidate_id": str(uuid.uuid4())}
        fake_candidates.selected.add((uuid.UUID(vacancy["programme_id"]),
                                      uuid.UUID(body["candidate_id"])))
        foreign = await client.post("/v1/placements", json=body,
                                    headers=auth("officer", programme_ids=(uuid.uuid4(),)))
        assert foreign.json()["type"] == "/problems/vacancy-not-found"
        own = await client.post("/v1/placements", json=body, headers=auth(
            "officer", programme_ids=(uuid.UUID(vacancy["programme_id"]),)))
        assert own.status_code == 201

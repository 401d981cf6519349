"""Who may see and do what, per role: a returnee only their case, an officer their programmes',
a ministry only aggregates. Another party's object is a 404, a forbidden action a 403. The
expectations are written out here, not read from the code, so that this is the specification."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from shared.events.signing import Signer
from tests.reintegration.factories import answer_body, follow_ups_of, open_case

Auth = Callable[..., dict[str, str]]
ROLES = ("admin", "service", "officer", "candidate", "ministry", "visa_authority", "employer",
         "institution")
NOW = "2026-03-03T09:00:00+00:00"


@dataclass
class World:
    case: dict[str, Any]
    follow_up: dict[str, Any]
    measure: dict[str, Any]


@pytest.fixture
async def world(client: httpx.AsyncClient, signer: Signer, auth: Auth, clock: Any) -> World:
    clock.set(NOW)
    case = await open_case(client, signer, actual_end_date=date(2026, 3, 1))
    measure = await client.post("/v1/support-measures",
                                json={"case_id": case["id"], "kind": "mentoring"})
    assert measure.status_code == 201, measure.text
    return World(case=case, follow_up=(await follow_ups_of(client, case))[0],
                 measure=measure.json())


def related(auth: Auth, role: str, case: dict[str, Any]) -> dict[str, str]:
    """A token of ``role`` whose claims make ``case`` its business."""
    claims: dict[str, Any] = {
        "officer": {"programme_ids": (uuid.UUID(case["programme_id"]),)},
        "ministry": {"programme_ids": (uuid.UUID(case["programme_id"]),)},
        "visa_authority": {"programme_ids": (uuid.UUID(case["programme_id"]),),
                           "country": "IT"},
        "candidate": {"candidate_id": uuid.UUID(case["candidate_id"])},
        "employer": {"employer_id": uuid.UUID(case["employer_id"])},
    }.get(role, {})
    return auth(role, **claims)


def unrelated(auth: Auth, role: str) -> dict[str, str]:
    """A token of ``role`` for other programmes, another candidate, another employer."""
    return auth(role, programme_ids=(uuid.uuid4(),), candidate_id=uuid.uuid4(),
                employer_id=uuid.uuid4())


READERS = {"admin", "service", "officer", "candidate"}


@pytest.mark.parametrize("role", ROLES)
async def test_reads(client: httpx.AsyncClient, auth: Auth, world: World, role: str) -> None:
    urls = [f"/v1/returnee-cases/{world.case['id']}",
            f"/v1/returnee-cases/{world.case['id']}/follow-ups",
            f"/v1/follow-ups/{world.follow_up['id']}",
            f"/v1/support-measures/{world.measure['id']}"]
    for url in urls:
        response = await client.get(url, headers=related(auth, role, world.case))
        assert response.status_code == (200 if role in READERS else 403), (url, response.text)
        stranger = await client.get(url, headers=unrelated(auth, role))
        if role in ("admin", "service"):
            assert stranger.status_code == 200
        else:  # not theirs: as if it did not exist; never a person's data: forbidden
            assert stranger.status_code == (404 if role in READERS else 403), url


@pytest.mark.parametrize("role", ROLES)
async def test_lists_hold_only_what_the_role_may_see(client: httpx.AsyncClient, auth: Auth,
                                                     signer: Signer, world: World,
                                                     role: str) -> None:
    theirs = await open_case(client, signer)
    await client.post("/v1/support-measures", json={"case_id": theirs["id"], "kind": "mentoring"})
    for url in ("/v1/returnee-cases", "/v1/follow-ups", "/v1/support-measures"):
        response = await client.get(url, params={"limit": 200},
                                    headers=related(auth, role, world.case))
        if role not in READERS:
            assert response.status_code == 403, url
            continue
        seen = {item.get("case_id", item["id"]) for item in response.json()["items"]}
        assert world.case["id"] in seen, url
        assert (theirs["id"] in seen) is (role in ("admin", "service")), url


# (action, method, path, body) on the world's objects, and who may do it.
ACTIONS = [
    ("PATCH", "/v1/returnee-cases/{case}", {"notes": "n"}, {"admin", "officer"}),
    ("POST", "/v1/returnee-cases/{case}/assign", {"caseworker_subject": "o-1"},
     {"admin", "officer"}),
    ("POST", "/v1/support-measures", {"case_id": "{case}", "kind": "job_referral"},
     {"admin", "officer"}),
    ("POST", "/v1/support-measures/{measure}/start", None, {"admin", "officer"}),
    ("POST", "/v1/follow-ups/{follow_up}/answer", answer_body("seeking_work"),
     {"admin", "officer", "candidate"}),
    ("POST", "/v1/returnee-cases/{case}/close", {"reason": "other"}, {"admin", "officer"}),
]


def _fill(value: Any, world: World) -> Any:
    names = {"case": world.case["id"], "measure": world.measure["id"],
             "follow_up": world.follow_up["id"]}
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: f"{a[0]} {a[1]}")
async def test_actions(client: httpx.AsyncClient, auth: Auth, world: World, role: str,
                       action: tuple[str, str, Any, set[str]]) -> None:
    method, path, body, allowed = action
    url, body = _fill(path, world), _fill(body, world)
    # A change names whatever version the object is at: access is what is tested.
    any_version = {"If-Match": "*"} if method == "PATCH" else {}
    if role not in ("admin", "service"):
        stranger = await client.request(method, url, json=body,
                                        headers={**unrelated(auth, role), **any_version})
        assert stranger.status_code == (404 if role in READERS else 403), stranger.text
    response = await client.request(method, url, json=body,
                                     headers={**related(auth, role, world.case), **any_version})
    want = (201 if method == "POST" and path == "/v1/support-measures" else 200) \
        if role in allowed else 403
    assert response.status_code == want, response.text
    if want >= 400:
        assert response.headers["content-type"] == "application/problem+json"


async def test_candidate_answers_from_the_app(client: httpx.AsyncClient, auth: Auth,
                                              world: World) -> None:
    mine = related(auth, "candidate", world.case)
    response = await client.post(f"/v1/follow-ups/{world.follow_up['id']}/answer",
                                 json=answer_body("self_employed"), headers=mine)
    assert response.status_code == 200, response.text
    assert response.json()["answer"]["recorded_via"] == "app"
    unreachable = await client.post(f"/v1/follow-ups/{world.follow_up['id']}/answer",
                                    json=answer_body("unreachable"), headers=mine)
    assert unreachable.status_code == 422  # schema checks come before the state


@pytest.mark.parametrize("role", ROLES)
async def test_indicators_and_exports(client: httpx.AsyncClient, auth: Auth, world: World,
                                      role: str) -> None:
    programme = world.case["programme_id"]
    readers = {"admin", "service", "officer", "ministry"}
    for url, allowed in (("/v1/indicators", readers),
                         ("/v1/indicators/export.csv", readers),
                         ("/v1/follow-ups/export.csv", readers - {"ministry"})):
        response = await client.get(url, params={"programme_id": programme},
                                    headers=related(auth, role, world.case))
        assert response.status_code == (200 if role in allowed else 403), (url, response.text)
        if role in ("officer", "ministry"):
            foreign = await client.get(url, params={"programme_id": str(uuid.uuid4())},
                                       headers=related(auth, role, world.case))
            assert foreign.status_code == 404, url

"""Done when: completing a placement through the gateway opens the returnee's case (placements'
event, relayed to reintegration), schedules its follow-ups, and answering one moves the
programme's indicators and its overview. Every service runs as its own process, wired as
``make dev`` wires them."""

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from tests.candidates.factories import programme_body
from tests.conftest import RunDatabase
from tests.placements.factories import employer_body, vacancy_body
from tests.reintegration.factories import answer_body
from tests.system import admin_token, running_system


@pytest.fixture(scope="module")
def api(scratch_database: RunDatabase) -> Iterator[httpx.Client]:
    """A client of the running system's gateway, with an admin's token."""
    with running_system(scratch_database.admin_url) as urls:
        token = admin_token(scratch_database.admin_url, urls["gateway"])
        with httpx.Client(base_url=urls["gateway"], timeout=10,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            yield client


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_completed_placement_to_indicators(api: httpx.Client) -> None:
    programme = ok(api.post("/v1/programmes", json=programme_body()), 201)["id"]
    employer = ok(api.post("/v1/employers", json=employer_body(programme_ids=(programme,))),
                  201)
    vacancy = ok(api.post("/v1/vacancies", json=vacancy_body(
        employer_id=employer["id"], programme_id=programme)), 201)
    placement = ok(api.post("/v1/placements", json={
        "vacancy_id": vacancy["id"], "candidate_id": str(uuid.uuid4()),
        "origin_country": "MA"}), 201)
    today = datetime.now(UTC).date().isoformat()
    for action, body in [("accept-employer", None), ("accept-candidate", None),
                         ("request-visa", None), ("visa-decision", {"decision": "granted"}),
                         ("arrive", {"arrival_date": today}),
                         ("complete", {"end_date": today})]:
        ok(api.post(f"/v1/placements/{placement['id']}/{action}", json=body))

    cases: list[dict[str, Any]] = []
    deadline = time.monotonic() + 20
    while not cases and time.monotonic() < deadline:
        cases = ok(api.get("/v1/returnee-cases", params={"programme_id": programme}))["items"]
        time.sleep(0.1)
    assert [c["placement_id"] for c in cases] == [placement["id"]]
    case = cases[0]
    assert (case["return_date"], case["origin_country"], case["sector"]) == (today, "MA", "ict")
    follow_ups = ok(api.get(f"/v1/returnee-cases/{case['id']}/follow-ups"))["items"]
    assert [f["point_months"] for f in follow_ups] == [0, 1, 3, 6, 12]
    assert follow_ups[0]["due_date"] == today

    params = {"programme_id": programme}
    before = ok(api.get("/v1/indicators", params=params))["total"]
    assert (before["returnees"], before["stays"]) == (1, 1)
    # Every point of the schedule: the one at return answerable now, the others to come.
    assert [(p["point_months"], p["due"], p["open"], p["pending"])
            for p in before["by_point"]] == [(0, 0, 1, 0), (1, 0, 0, 1), (3, 0, 0, 1),
                                             (6, 0, 0, 1), (12, 0, 0, 1)]
    ok(api.post(f"/v1/follow-ups/{follow_ups[0]['id']}/answer",
                json=answer_body("self_employed")))
    after = ok(api.get("/v1/indicators", params=params))["total"]
    assert after["businesses_created"] == 1
    assert after["by_point"][0] == {
        "point_months": 0, "due": 1, "answered": 1, "unreachable": 0, "missed": 0,
        "open": 0, "pending": 0, "responded": 1, "response_rate": 1.0,
        "employed_or_self_employed": 1, "employed_or_self_employed_share": 1.0,
        "host_company": 0, "host_company_share": 0.0, "abroad": 0, "abroad_share": 0.0}
    assert after["by_point"][1:] == before["by_point"][1:]
    overview = ok(api.get(f"/v1/programmes/{programme}/overview"))
    assert overview["reintegration"]["total"] == after
    assert overview["notes"] == []


def test_gateway_documents_and_routes_the_service(api: httpx.Client) -> None:
    spec = ok(api.get("/openapi.json"))
    validate(spec)
    for path in ("/v1/returnee-cases", "/v1/follow-ups/{follow_up_id}/answer",
                 "/v1/support-measures", "/v1/indicators", "/v1/follow-ups/export.csv",
                 "/v1/follow-up-schedules/{programme_id}"):
        assert path in spec["paths"], path
    schedule = ok(api.get(f"/v1/follow-up-schedules/{uuid.uuid4()}"))
    assert schedule["points_months"] == [0, 1, 3, 6, 12]

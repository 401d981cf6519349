"""A few real objects, made through the gateway, for the fuzzer's path parameters to hit.

Without them every ``/{id}`` the fuzzer makes up is a 404 and the code behind it (If-Match,
transitions, bodies checked against a stored object) is never reached. One placement is walked
to completion so that reintegration opens its returnee case (by event) with follow-ups; a
grievance is filed about it on the way.
"""

import time
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.candidates.factories import (
    candidate_body,
    institution_body,
    programme_body,
    training_module_body,
)
from tests.placements.factories import employer_body, vacancy_body

EVENT_DEADLINE_SECONDS = 30


class _Admin:
    """Calls through the gateway as the admin; any unexpected answer fails the seeding."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def post(self, path: str, body: dict[str, Any] | None = None, *,
             expect: int = 200) -> dict[str, Any]:
        response = self.http.post(path, json=body)
        assert response.status_code == expect, f"POST {path}: {response.text}"
        return response.json()  # type: ignore[no-any-return]

    def items(self, path: str, **params: str) -> list[dict[str, Any]]:
        response = self.http.get(path, params=params)
        assert response.status_code == 200, f"GET {path}: {response.text}"
        return response.json()["items"]  # type: ignore[no-any-return]


def _returnee_case(admin: _Admin, placement_id: str) -> dict[str, Any]:
    """The case reintegration opens when it hears the placement completed (an event)."""
    deadline = time.monotonic() + EVENT_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        cases = [c for c in admin.items("/v1/returnee-cases")
                 if c.get("placement_id") == placement_id]
        if cases:
            return cases[0]
        time.sleep(0.2)
    raise AssertionError(f"no returnee case for placement {placement_id} within "
                         f"{EVENT_DEADLINE_SECONDS}s")


def seed(http: httpx.Client) -> dict[str, list[str]]:
    """Create one object of each kind; returns the ids by the path parameter naming them."""
    admin = _Admin(http)
    today = datetime.now(UTC).date().isoformat()
    programme = admin.post("/v1/programmes", programme_body(gender_balance_min_share=None),
                           expect=201)
    candidate = admin.post("/v1/candidates", candidate_body(available_from_date=today,
                                                            available_until_date=None),
                           expect=201)
    admin.post(f"/v1/candidates/{candidate['id']}/consents", {
        "purpose": "data_processing", "text_version": "v1", "action": "given"}, expect=201)
    application = admin.post("/v1/applications", {
        "candidate_id": candidate["id"], "programme_id": programme["id"]}, expect=201)
    admin.post(f"/v1/applications/{application['id']}/submit")
    institution = admin.post("/v1/institutions", institution_body(), expect=201)
    module = admin.post(f"/v1/programmes/{programme['id']}/training-modules",
                        training_module_body(), expect=201)
    enrolment = admin.post(f"/v1/training-modules/{module['id']}/enrolments",
                           {"candidate_id": candidate["id"]}, expect=201)
    planned_session = admin.post(f"/v1/training-modules/{module['id']}/planned-sessions",
                                 {"session_date": today, "place": "Room 4"}, expect=201)

    employer = admin.post("/v1/employers", employer_body(programme_ids=(programme["id"],)),
                          expect=201)
    vacancy = admin.post("/v1/vacancies", vacancy_body(
        employer_id=employer["id"], programme_id=programme["id"], seats=2), expect=201)
    placement = admin.post("/v1/placements", {"candidate_id": candidate["id"],
                                              "vacancy_id": vacancy["id"]}, expect=201)
    url = f"/v1/placements/{placement['id']}"
    for action in ("accept-employer", "accept-candidate", "request-visa"):
        admin.post(f"{url}/{action}")
    admin.post(f"{url}/visa-decision", {"decision": "granted"})
    admin.post(f"{url}/arrive", {"arrival_date": today})
    mentor = admin.post(f"{url}/mentors", {"name": "Claire Martin",
                                           "email": "claire.martin@example.org"}, expect=201)
    admin.post(f"{url}/check-ins", {"wellbeing": 2, "housing": "issue", "incidents": [
        {"type": "housing", "severity": "high"}]}, expect=201)
    [alert] = admin.items("/v1/placements/alerts", placement_id=placement["id"])
    grievance = admin.post("/v1/grievances", {
        "placement_id": placement["id"], "category": "housing", "severity": "medium",
        "description": "The heating has been broken for a week."}, expect=201)
    cost = admin.post(f"{url}/recruitment-costs", {
        "category": "recruitment_fee", "amount": "300", "currency": "EUR",
        "incurred_on": today, "paid_by": "worker"}, expect=201)
    run = admin.post("/v1/matching-runs", {"programme_id": programme["id"]}, expect=202)
    admin.post(f"{url}/complete", {"end_date": today})

    case = _returnee_case(admin, placement["id"])
    follow_ups = admin.items(f"/v1/returnee-cases/{case['id']}/follow-ups")
    measure = admin.post("/v1/support-measures", {"case_id": case["id"], "kind": "mentoring"},
                         expect=201)
    return {
        "programme_id": [programme["id"]], "candidate_id": [candidate["id"]],
        "application_id": [application["id"]], "institution_id": [institution["id"]],
        "module_id": [module["id"]], "enrolment_id": [enrolment["id"]],
        "planned_session_id": [planned_session["id"]],
        "employer_id": [employer["id"]], "vacancy_id": [vacancy["id"]],
        "run_id": [run["id"]], "placement_id": [placement["id"]], "mentor_id": [mentor["id"]],
        "alert_id": [alert["id"]], "cost_id": [cost["id"]], "case_id": [case["id"]],
        "follow_up_id": [f["id"] for f in follow_ups], "measure_id": [measure["id"]],
        "grievance_id": [grievance["id"]],
    }

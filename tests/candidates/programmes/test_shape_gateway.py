"""A programme's shape and history entered by its actors through the gateway: the officer opens
and reshapes HOMERe (Egypt among its origins), suspends the Egyptian component (an Egyptian's
application is withdrawn, her next one refused) and the ministry reads the suspension; a
candidate cannot date her submission, the officer enters a past intake; the officer trains a
person, completing a module only once its attendance is recorded."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.actors import PASSWORD, Api, login, new_email
from tests.candidates.factories import candidate_body, programme_body, training_module_body
from tests.conftest import RunDatabase
from tests.system import admin_token, running_system
from tests.test_actors import sign_up

NOW = datetime.now(UTC)
CONSENT = {"purpose": "data_processing", "text_version": "2026-01", "action": "given"}
REASON = "The Egyptian component was cancelled."


@pytest.fixture(scope="module")
def gateway(scratch_database: RunDatabase) -> Iterator[str]:
    """The gateway's URL, with every service behind it."""
    with running_system(scratch_database.admin_url) as urls:
        yield urls["gateway"]


@pytest.fixture(scope="module")
def admin(gateway: str, scratch_database: RunDatabase) -> Api:
    """The admin, whose only job here is to create accounts and grants."""
    return Api(gateway, admin_token(scratch_database.admin_url, gateway))


@pytest.fixture(scope="module")
def officer(gateway: str, admin: Api) -> str:
    """The e-mail of an officer the admin created, with no programme yet."""
    email = new_email("officer")
    admin.post("/v1/admin/accounts", 201, json={
        "email": email, "password": PASSWORD, "role": "officer", "programme_ids": []})
    return email


def _open(gateway: str, officer: str, **fields: Any) -> tuple[Api, dict[str, Any]]:
    """The officer opens a programme and signs in again (the new token carries it)."""
    programme = login(gateway, officer).post("/v1/programmes", 201, json=programme_body(
        gender_balance_min_share=None, **fields))
    return login(gateway, officer), programme


def _applies(gateway: str, **profile: Any) -> tuple[Api, str]:
    """A person signs up and consents; their session and candidate id."""
    person, _ = sign_up(gateway, **profile)
    me = str(person.claims()["candidate_id"])
    person.post(f"/v1/candidates/{me}/consents", 201, json=CONSENT)
    return person, me


def test_the_officer_shapes_homere_and_suspends_egypt_the_ministry_reads_it(
        gateway: str, admin: Api, officer: str) -> None:
    staff, programme = _open(
        gateway, officer, origin_countries=["MA", "TN", "EG"], destination_countries=["FR"],
        stay_types=["traineeship"], planned={"applicants": None, "trained": None, "moved": 250},
        destination_regions=["FR-IDF"])
    pid = programme["id"]
    response = staff.http.patch(f"/v1/programmes/{pid}", headers={"If-Match": '"1"'}, json={
        "max_stay_months": 6, "max_extension_months": 0,
        "destination_regions": ["FR-IDF", "FR-OCC"]})
    assert response.status_code == 200, response.text
    assert response.json()["destination_regions"] == ["FR-IDF", "FR-OCC"]

    egyptian, her_id = _applies(gateway, nationality="EG")
    draft = egyptian.post("/v1/applications", 201, json={"candidate_id": her_id,
                                                         "programme_id": pid})
    egyptian.post(f"/v1/applications/{draft['id']}/submit")
    moroccan, his_id = _applies(gateway, gender="male")
    kept = moroccan.post("/v1/applications", 201, json={"candidate_id": his_id,
                                                        "programme_id": pid})

    suspended = staff.post(f"/v1/programmes/{pid}/origin-suspensions", 201, json={
        "country": "EG", "reason": REASON})
    assert suspended["withdrawn"] == 1
    assert egyptian.get(f"/v1/applications/{draft['id']}")["status"] == "withdrawn"
    assert moroccan.get(f"/v1/applications/{kept['id']}")["status"] == "draft"
    staff.post(f"/v1/programmes/{pid}/origin-suspensions", 409,
               json={"country": "EG", "reason": REASON})
    refused = egyptian.post("/v1/applications", 422, json={"candidate_id": her_id,
                                                           "programme_id": pid})
    assert refused["type"] == "/problems/origin-suspended"

    ministry_email = new_email("ministry")
    admin.post("/v1/admin/accounts", 201, json={
        "email": ministry_email, "password": PASSWORD, "role": "ministry",
        "programme_ids": [pid]})
    ministry = login(gateway, ministry_email)
    shown = ministry.get(f"/v1/programmes/{pid}")
    assert shown["suspended_origins"] == [{"country": "EG", "reason": REASON,
                                           "suspended_on": NOW.date().isoformat()}]
    assert shown["planned"]["moved"] == 250 and shown["max_stay_months"] == 6
    ministry.post(f"/v1/programmes/{pid}/origin-suspensions", 403,
                  json={"country": "TN", "reason": REASON})
    ministry.call("DELETE", f"/v1/programmes/{pid}/origin-suspensions/EG", 403)

    staff.call("DELETE", f"/v1/programmes/{pid}/origin-suspensions/EG", 204)
    assert ministry.get(f"/v1/programmes/{pid}")["suspended_origins"] == []


def test_a_candidate_cannot_date_her_submission_the_officer_enters_a_past_intake(
        gateway: str, officer: str) -> None:
    _, open_now = _open(gateway, officer)
    person, me = _applies(gateway)
    draft = person.post("/v1/applications", 201, json={"candidate_id": me,
                                                       "programme_id": open_now["id"]})
    url = f"/v1/applications/{draft['id']}/submit"
    forbidden = person.post(url, 403, json={
        "submitted_at": (NOW - timedelta(days=2)).isoformat()})
    assert forbidden["type"] == "/problems/historical-entry-forbidden"
    assert person.post(url)["status"] == "submitted"  # no body: submitted now

    opened, closed = NOW - timedelta(days=700), NOW - timedelta(days=640)
    staff, past = _open(gateway, officer, intake_opens_at=opened.isoformat(),
                        intake_closes_at=closed.isoformat())
    late, late_id = _applies(gateway)
    closed_problem = late.post("/v1/applications", 422, json={
        "candidate_id": late_id, "programme_id": past["id"]})
    assert closed_problem["type"] == "/problems/intake-closed"
    # The officer files a paper form of that intake: registers the person, drafts and dates.
    paper = staff.post("/v1/candidates", 201, json=candidate_body(programme_id=past["id"]))
    staff.post(f"/v1/candidates/{paper['id']}/consents", 201, json=CONSENT)
    filed = staff.post("/v1/applications", 201, json={"candidate_id": paper["id"],
                                                      "programme_id": past["id"]})
    when = opened + timedelta(days=12)
    body = staff.post(f"/v1/applications/{filed['id']}/submit",
                      json={"submitted_at": when.isoformat()})
    assert datetime.fromisoformat(body["submitted_at"]) == when
    assert staff.post(f"/v1/applications/{filed['id']}/screen")["status"] == "eligible"


def test_the_officer_completes_a_module_once_attendance_is_recorded(
        gateway: str, officer: str) -> None:
    staff, programme = _open(gateway, officer, training_required_before_departure=True)
    module = staff.post(f"/v1/programmes/{programme['id']}/training-modules", 201,
                        json=training_module_body(code="FR-B2", hours="16"))
    person = staff.post("/v1/candidates", 201,
                        json=candidate_body(programme_id=programme["id"]))
    began = (NOW - timedelta(days=10)).date()
    enrolment = staff.post(f"/v1/training-modules/{module['id']}/enrolments", 201, json={
        "candidate_id": person["id"], "enrolled_on": began.isoformat()})
    url = f"/v1/enrolments/{enrolment['id']}"

    short = staff.post(f"{url}/complete", 422)
    assert (short["type"], short["attended_hours"], short["required_hours"]) == (
        "/problems/attendance-insufficient", "0.00", "12.80")
    too_early = staff.post(f"{url}/attendance", 422, json={
        "session_date": (began - timedelta(days=1)).isoformat(), "present": True, "hours": 8})
    assert too_early["errors"][0]["loc"] == ["body", "session_date"]
    for day in (began, began + timedelta(days=1)):
        staff.post(f"{url}/attendance", 201, json={"session_date": day.isoformat(),
                                                   "present": True, "hours": 8})
    done = staff.post(f"{url}/complete", json={"completed_on": (began + timedelta(days=1))
                                               .isoformat()})
    assert (done["status"], done["completed_on"]) == ("completed",
                                                      (began + timedelta(days=1)).isoformat())
    status = staff.get(f"/v1/candidates/{person['id']}/training",
                       params={"programme_id": programme["id"]})["programmes"][0]
    assert (status["hours_attended"], status["ready_for_departure"]) == ("16.00", True)

"""PALIM's intake as its operators ran it, through the gateway: the partner agency (ANAPEC) files
its jobseekers' applications in one file, the officer the programme's own forms of the intake
(with their real submission times), a candidate may do neither; the officer then trains the
cohort, one register per session for the whole class, and an officer of another programme who
names one of them gets a 404."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from tests.actors import PASSWORD, Api, login, new_email, officer_with_programme
from tests.candidates.factories import institution_body, training_module_body
from tests.conftest import RunDatabase
from tests.system import admin_token, running_system
from tests.test_actors import sign_up

NOW = datetime.now(UTC)
URL = "/v1/candidate-imports/applications"
CONSENTED = {"consents": ["data_processing"], "consent_text_version": "2019-01"}
CSV = ("given_name,family_name,email,date_of_birth,gender,nationality,residence_country,"
       "education_level,education_field,education_institution,education_year,languages,"
       "preferred_sectors,consents,consent_text_version,submitted_at\n")


@pytest.fixture(scope="module")
def admin(scratch_database: RunDatabase) -> Iterator[Api]:
    """The admin of a running system (every service behind its gateway), whose only job here
    is to create accounts."""
    with running_system(scratch_database.admin_url) as urls:
        yield Api(urls["gateway"], admin_token(scratch_database.admin_url, urls["gateway"]))


def _csv_line(n: int, tag: str, submitted_at: str = "") -> str:
    return (f"Salma,Anapec{tag},s{n}.{tag}@example.org,1998-02-03,female,MA,MA,master,"
            f"computer science,ENSIAS,2018,nl:A2; fr:C1,ict,data_processing,2019-01,"
            f"{submitted_at}\n")


def _form(n: int, tag: str, submitted_at: datetime) -> bytes:
    return orjson.dumps({
        "given_name": "Youssef", "family_name": f"Form{tag}",
        "email": f"y{n}.{tag}@example.org", "date_of_birth": "1997-06-01", "gender": "male",
        "nationality": "MA", "residence_country": "MA", **CONSENTED,
        "submitted_at": submitted_at.isoformat()})


def test_the_partner_and_the_officer_file_the_intake_a_candidate_cannot(admin: Api) -> None:
    gateway = admin.gateway
    opened = NOW - timedelta(days=20)
    officer, pid = officer_with_programme(admin, origin_countries=["MA"],
                                  destination_countries=["BE"],
                                  intake_opens_at=opened.isoformat())
    anapec = officer.post("/v1/institutions", 201, json=institution_body(
        name="ANAPEC", kind="employment_agency"))
    email = new_email("institution")
    admin.post("/v1/admin/accounts", 201, json={
        "email": email, "password": PASSWORD, "role": "institution",
        "institution_id": anapec["id"]})
    partner = login(gateway, email)
    tag = uuid.uuid4().hex[:8]

    # The agency's file: its jobseekers, submitted now; it may not date a submission.
    body = CSV + _csv_line(1, tag) + _csv_line(2, tag) + _csv_line(3, tag, NOW.isoformat())
    filed = partner.post(URL, params={"programme_id": pid}, content=body.encode(),
                         headers={"Content-Type": "text/csv"})
    assert (filed["imported"], filed["rejected"]) == (2, 1)
    assert filed["errors"][0]["line"] == 4
    assert filed["errors"][0]["errors"][0]["type"] == "historical-entry-forbidden"
    for application in filed["application_ids"]:
        assert partner.get(f"/v1/applications/{application}")["status"] == "submitted"

    # The programme's own forms, with the day each was submitted.
    days = [opened + timedelta(days=d) for d in (2, 5)]
    forms = officer.post(URL, params={"programme_id": pid},
                         content=b"\n".join(_form(n, tag, d) for n, d in enumerate(days)),
                         headers={"Content-Type": "application/x-ndjson"})
    assert forms["imported"] == 2, forms
    submitted = [datetime.fromisoformat(officer.get(f"/v1/applications/{a}")["submitted_at"])
                 for a in forms["application_ids"]]
    assert submitted == days
    listed = officer.get("/v1/applications", params={"programme_id": pid, "limit": 50})
    assert {a["status"] for a in listed["items"]} == {"submitted"}
    assert len(listed["items"]) == 4

    # A candidate files nobody's application, not even with their own line.
    candidate, _ = sign_up(gateway)
    candidate.post(URL, 403, params={"programme_id": pid}, content=_form(9, tag, NOW),
                   headers={"Content-Type": "application/x-ndjson"})
    # Nor does an officer of another programme file into this one.
    stranger, _ = officer_with_programme(admin)
    stranger.post(URL, 404, params={"programme_id": pid}, content=_form(8, tag, days[0]),
                  headers={"Content-Type": "application/x-ndjson"})


def test_the_officer_records_a_register_another_officer_naming_a_trainee_gets_404(
        admin: Api) -> None:
    officer, pid = officer_with_programme(admin, training_required_before_departure=True)
    tag = uuid.uuid4().hex[:8]
    lines = [orjson.dumps({
        "given_name": "Trainee", "family_name": f"Class{tag}", "email": f"t{n}.{tag}@example.org",
        "date_of_birth": "1998-01-01", "gender": "female", "nationality": "MA",
        "residence_country": "MA", **CONSENTED}) for n in range(4)]
    people = officer.post(URL, params={"programme_id": pid}, content=b"\n".join(lines),
                          headers={"Content-Type": "application/x-ndjson"})["created_ids"]
    module = officer.post(f"/v1/programmes/{pid}/training-modules", 201,
                          json=training_module_body(code="NL-A2", hours="16"))
    began = (NOW - timedelta(days=10)).date()
    enrolments = [officer.post(f"/v1/training-modules/{module['id']}/enrolments", 201, json={
        "candidate_id": person, "enrolled_on": began.isoformat()})["id"] for person in people]
    url = f"/v1/training-modules/{module['id']}/sessions"
    for day in (began, began + timedelta(days=1)):
        register = officer.post(url, 201, json={
            "session_date": day.isoformat(), "hours": "8", "attendees": enrolments[:3],
            "absent": enrolments[3:]})
        assert (register["present"], register["absent"]) == (3, 1)
    for enrolment in enrolments[:3]:
        done = officer.post(f"/v1/enrolments/{enrolment}/complete")
        assert done["status"] == "completed"
    short = officer.post(f"/v1/enrolments/{enrolments[3]}/complete", 422)
    assert short["attended_hours"] == "0.00"

    other, other_pid = officer_with_programme(admin)
    theirs = other.post(f"/v1/programmes/{other_pid}/training-modules", 201,
                        json=training_module_body(code="NL-A2", hours="16"))
    # Naming a trainee of the first programme in a register of their own module: 404, naming it.
    named = other.post(f"/v1/training-modules/{theirs['id']}/sessions", 404, json={
        "session_date": began.isoformat(), "hours": "8", "attendees": [enrolments[0]]})
    assert (named["type"], named["enrolment_ids"]) == ("/problems/enrolment-not-found",
                                                       [enrolments[0]])
    # And the first programme's module itself does not exist for them.
    other.post(url, 404, json={"session_date": (began + timedelta(days=2)).isoformat(),
                               "hours": "8", "attendees": enrolments[:1]})
    status = officer.get(f"/v1/candidates/{people[0]}/training",
                         params={"programme_id": pid})["programmes"][0]
    assert status["hours_attended"] == "16.00"

"""Consent that gates, through the gateway, each step by the actor who does it in real life.

Every use of a person's data that needs a consent checks it at the moment of use: a matching
run leaves out whoever's ``data_processing`` consent is withdrawn or expired (and says how
many), and takes them in again once it is given back; confirming a run does not place someone
who withdrew since; the visa authority's next read of a visa file no longer shows the identity
once ``visa_file_sharing`` is withdrawn or expired; the follow-up export leaves the person out
and says how many it left out. The consent records carry ISO/IEC TS 27560's fields, with who
recorded them on whose behalf.

The admin only makes the accounts (as the other end-to-end tests do).
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.actors import PASSWORD, Api, account, login, new_email, officer_with_programme, until
from tests.candidates.factories import candidate_body
from tests.conftest import RunDatabase
from tests.placements.factories import employer_body, vacancy_body
from tests.system import admin_token, running_system

NOTICE = "2026-01"


@pytest.fixture(scope="module")
def admin(scratch_database: RunDatabase) -> Iterator[Api]:
    """The admin of a running system, whose only job here is accounts."""
    with running_system(scratch_database.admin_url) as urls:
        yield Api(urls["gateway"], admin_token(scratch_database.admin_url, urls["gateway"]))


def _now() -> datetime:
    return datetime.now(UTC)


def sign_up(gateway: str) -> tuple[Api, str]:
    """A person signs up as a candidate, logs in, and consents to the processing of their
    data (online); their session and candidate id."""
    email = new_email("candidate")
    profile = candidate_body(available_from_date=_now().date().isoformat(),
                             available_until_date=None, skills=[{"label": "Python"}])
    del profile["email"]
    response = httpx.post(f"{gateway}/v1/auth/signup", json={
        "email": email, "password": PASSWORD, "profile": profile})
    assert response.status_code == 202, response.text
    person = login(gateway, email)
    me = person.claims()["candidate_id"]
    consent(person, me, "data_processing", "given")
    return person, me


def consent(actor: Api, candidate_id: str, purpose: str, action: str,
            **fields: Any) -> dict[str, Any]:
    """``actor`` records a consent event of ``candidate_id``; the record."""
    return actor.post(f"/v1/candidates/{candidate_id}/consents", 201, json={
        "purpose": purpose, "text_version": NOTICE, "action": action, **fields})


def apply(person: Api, candidate_id: str, programme_id: str) -> None:
    """The person applies to the programme and submits."""
    application = person.post("/v1/applications", 201, json={
        "candidate_id": candidate_id, "programme_id": programme_id})
    person.post(f"/v1/applications/{application['id']}/submit")


def run(officer: Api, programme_id: str) -> dict[str, Any]:
    """The officer runs matching and waits for the run to finish; the completed run."""
    started = officer.post("/v1/matching-runs", 202, json={"programme_id": programme_id})
    done = until(lambda: (r := officer.get(f"/v1/matching-runs/{started['id']}"))["status"]
                 in ("completed", "failed") and r, "the run to finish")
    assert done["status"] == "completed", done
    return done  # type: ignore[no-any-return]


def proposed(officer: Api, run_id: str) -> set[str]:
    """The candidates a run proposes."""
    return {p["candidate_id"] for p in
            officer.get(f"/v1/matching-runs/{run_id}/proposals")["items"]}


class TestConsentRecord:
    def test_a_paper_form_an_officer_entered_says_who_for_whom_how_and_where(
            self, admin: Api) -> None:
        officer, programme_id = officer_with_programme(admin)
        person = officer.post("/v1/candidates", 201, json=candidate_body(
            programme_id=programme_id, residence_country="TN"))
        until_ = (_now() + timedelta(days=730)).isoformat()
        record = consent(officer, person["id"], "visa_file_sharing", "given",
                         expires_at=until_)
        officer_subject = officer.claims()["sub"]
        expected = {
            "purpose": "visa_file_sharing", "legal_basis": "consent", "text_version": NOTICE,
            "action": "given", "state": "given",
            "given_by": {"kind": "representative", "subject": officer_subject,
                         "role": "officer"},
            "on_behalf_of": person["id"], "jurisdiction": "TN", "method": "paper_form"}
        assert {k: record[k] for k in expected} == expected
        assert datetime.fromisoformat(record["expires_at"]) == datetime.fromisoformat(until_)
        history = officer.get(f"/v1/candidates/{person['id']}/consents")
        assert history["items"] == [record]
        assert history["current"]["visa_file_sharing"]["state"] == "given"

    def test_the_person_records_their_own_online_and_cannot_claim_a_paper_form(
            self, admin: Api) -> None:
        person, me = sign_up(admin.gateway)
        [own] = person.get(f"/v1/candidates/{me}/consents")["items"]
        assert (own["given_by"]["kind"], own["given_by"]["role"], own["method"],
                own["on_behalf_of"]) == ("data_subject", "candidate", "online_form", me)
        refused = person.http.post(f"/v1/candidates/{me}/consents", json={
            "purpose": "partner_sharing", "text_version": NOTICE, "action": "given",
            "method": "paper_form"})
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == "/problems/invalid-consent"
        assert len(person.get(f"/v1/candidates/{me}/consents")["items"]) == 1

    def test_an_expired_consent_reads_expired_without_anyone_writing(self, admin: Api) -> None:
        officer, programme_id = officer_with_programme(admin)
        person = officer.post("/v1/candidates", 201, json=candidate_body(
            programme_id=programme_id))
        # A paper form signed two years ago, valid for one year, entered now.
        consent(officer, person["id"], "data_processing", "given",
                expires_at=(_now() - timedelta(days=365)).isoformat())
        history = officer.get(f"/v1/candidates/{person['id']}/consents")
        assert [e["state"] for e in history["items"]] == ["expired"]
        assert history["current"]["data_processing"]["state"] == "expired"


def test_every_use_checks_the_consent_in_force_now(admin: Api) -> None:
    """Matching, confirming, the visa file and the export each ask at the moment of use."""
    today = _now().date().isoformat()
    officer, programme_id = officer_with_programme(admin)
    (amina, amina_id), (salma, salma_id) = sign_up(admin.gateway), sign_up(admin.gateway)
    for person, me in ((amina, amina_id), (salma, salma_id)):
        apply(person, me, programme_id)
    officer.post(f"/v1/programmes/{programme_id}/screening")
    officer.post(f"/v1/programmes/{programme_id}/selection")
    employer = officer.post("/v1/employers", 201,
                            json=employer_body(programme_ids=(programme_id,)))
    officer.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=employer["id"], programme_id=programme_id, seats=2,
        required_skills=[{"label": "Python"}], nice_to_have_skills=[]))

    # Amina withdraws: the next run leaves her out and says so.
    consent(amina, amina_id, "data_processing", "withdrawn")
    first = run(officer, programme_id)
    assert (first["summary"]["candidates"], first["summary"]["left_out_for_consent"]) == (1, 1)
    assert proposed(officer, first["id"]) == {salma_id}

    # She gives it back: the next run takes her in again.
    consent(amina, amina_id, "data_processing", "given")
    second = run(officer, programme_id)
    assert (second["summary"]["candidates"], second["summary"]["left_out_for_consent"]) \
        == (2, 0)
    assert proposed(officer, second["id"]) == {amina_id, salma_id}

    # An officer enters a paper form of Amina's that expired last month: she is out again.
    consent(officer, amina_id, "data_processing", "given",
            expires_at=(_now() - timedelta(days=30)).isoformat())
    assert run(officer, programme_id)["summary"]["left_out_for_consent"] == 1
    # Then she withdraws after a run that proposed her: confirming does not place her.
    consent(amina, amina_id, "data_processing", "given")
    third = run(officer, programme_id)
    assert proposed(officer, third["id"]) == {amina_id, salma_id}
    consent(amina, amina_id, "data_processing", "withdrawn")
    confirmed = officer.post(f"/v1/matching-runs/{third['id']}/confirm")
    [refused] = confirmed["refused"]
    assert refused["candidate_id"] == amina_id
    assert refused["outcome"].startswith("consent-required")
    [placement] = officer.get("/v1/placements", params={"programme_id": programme_id})["items"]
    assert placement["candidate_id"] == salma_id
    url = f"/v1/placements/{placement['id']}"

    # Salma's visa file shows her identity while visa_file_sharing is in force, not after.
    host, _ = account(admin, "employer", employer_id=employer["id"])
    host.post(f"{url}/accept-employer")
    salma.post(f"{url}/accept-candidate")
    consent(salma, salma_id, "visa_file_sharing", "given")
    officer.post(f"{url}/request-visa")
    desk, _ = account(admin, "visa_authority", programme_ids=[programme_id], country="FR")
    file = desk.get(f"{url}/visa-file")
    assert file["candidate"]["family_name"] == "Benali" and file["candidate_withheld"] is None
    consent(salma, salma_id, "visa_file_sharing", "withdrawn")
    file = desk.get(f"{url}/visa-file")
    assert file["candidate"] is None
    assert file["candidate_withheld"]["consent_state"] == "withdrawn"
    assert file["candidate_withheld"]["type"] == "/problems/consent-required"
    [listed] = desk.get("/v1/placements/visa-requests")["items"]
    assert (listed["candidate"], listed["candidate_withheld"]["consent_state"]) \
        == (None, "withdrawn")
    assert "Benali" not in desk.http.get(f"{url}/visa-file").text
    # Given back: shown again; an expired one behaves as withdrawn.
    consent(salma, salma_id, "visa_file_sharing", "given")
    assert desk.get(f"{url}/visa-file")["candidate"]["family_name"] == "Benali"
    consent(officer, salma_id, "visa_file_sharing", "given",
            expires_at=(_now() - timedelta(days=1)).isoformat())
    file = desk.get(f"{url}/visa-file")
    assert (file["candidate"], file["candidate_withheld"]["consent_state"]) == (None, "expired")

    # Her stay and return; she answers her first follow-up; the export lists her until she
    # withdraws, then leaves her out and says so.
    desk.post(f"{url}/visa-decision", json={"decision": "granted"})
    officer.post(f"{url}/arrive", json={"arrival_date": today})
    officer.post(f"{url}/complete", json={"end_date": today})
    case = until(lambda: salma.get("/v1/returnee-cases")["items"], "her returnee case")[0]
    [first_point, *_] = salma.get(f"/v1/returnee-cases/{case['id']}/follow-ups")["items"]
    salma.post(f"/v1/follow-ups/{first_point['id']}/answer", json={
        "employment_status": "seeking_work", "income_band": "none", "skills_use": "a_little",
        "satisfaction": 4,
        "sustainability": {"economic": 0.4, "social": 0.8, "psychosocial": 0.7}})
    export = f"/v1/follow-ups/export.csv?programme_id={programme_id}"
    listed_rows = officer.http.get(export)
    assert listed_rows.status_code == 200, listed_rows.text
    assert len(listed_rows.text.splitlines()) == 2  # the header and her answer
    assert listed_rows.headers["pathways-left-out-for-consent"] == "0"
    consent(salma, salma_id, "data_processing", "withdrawn")
    left_out = officer.http.get(export)
    assert left_out.status_code == 200, left_out.text
    assert len(left_out.text.splitlines()) == 1  # the header only
    assert left_out.headers["pathways-left-out-for-consent"] == "1"

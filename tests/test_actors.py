"""Every actor does their own job with their own account, through the gateway.

The admin only creates the first officer, an employer's and an institution's accounts and the
ministries' grants; everything else is done by the actor who does it in real life: the officer
opens the programme, imports people for it, screens, selects, registers the host company and
runs matching; a university registers and nominates its students; candidates sign up, consent
and apply themselves; the employer and the candidate accept; the destination's visa authority
decides; the returnee answers their follow-up.
"""

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.actors import (
    PASSWORD,
    Api,
    WebhookReceiver,
    account,
    applies,
    login,
    new_email,
    sign_up,
    signup_profile,
    until,
)
from tests.candidates.factories import candidate_body, institution_body, programme_body
from tests.conftest import RunDatabase
from tests.placements.factories import employer_body, vacancy_body
from tests.system import admin_token, running_system

CSV_HEADER = ("given_name,family_name,email,date_of_birth,gender,nationality,residence_country,"
              "education_level,education_field,education_institution,education_year,skills,"
              "languages,preferred_sectors,preferred_countries,available_from_date\n")


@pytest.fixture(scope="module")
def gateway(scratch_database: RunDatabase) -> Iterator[str]:
    """The gateway's URL, with every service behind it (partner webhooks may target this
    machine: the receivers of the tests are on it)."""
    with running_system(scratch_database.admin_url, env={
            "PLACEMENTS_WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true"}) as urls:
        yield urls["gateway"]


@pytest.fixture(scope="module")
def admin(gateway: str, scratch_database: RunDatabase) -> Api:
    """The admin, whose only job here is to create accounts and grants."""
    return Api(gateway, admin_token(scratch_database.admin_url, gateway))


def open_programme(officer_email: str, gateway: str, **overrides: Any) -> tuple[Api, str]:
    """The officer opens a programme, then gets a token that carries it."""
    officer = login(gateway, officer_email)
    programme = officer.post("/v1/programmes", 201, json=programme_body(
        gender_balance_min_share=None, **overrides))
    officer = login(gateway, officer_email)
    assert programme["id"] in officer.claims()["programme_ids"]
    return officer, programme["id"]


@pytest.fixture
def officer(admin: Api) -> str:
    """The e-mail of an officer the admin created, with no programme yet."""
    email = new_email("officer")
    admin.post("/v1/admin/accounts", 201, json={
        "email": email, "password": PASSWORD, "role": "officer", "programme_ids": []})
    return email


class TestSignUp:
    def test_a_person_signs_up_consents_and_applies(self, gateway: str, officer: str) -> None:
        _, programme_id = open_programme(officer, gateway)
        candidate, _ = sign_up(gateway)
        me = candidate.claims()["candidate_id"]
        assert candidate.get(f"/v1/candidates/{me}")["id"] == me
        candidate.post(f"/v1/candidates/{me}/consents", 201, json={
            "purpose": "data_processing", "text_version": "2026-01", "action": "given"})
        application = candidate.post("/v1/applications", 201, json={
            "candidate_id": me, "programme_id": programme_id})
        assert candidate.post(f"/v1/applications/{application['id']}/submit")["status"] == \
            "submitted"

    def test_a_second_sign_up_with_the_same_email_reveals_nothing(self, gateway: str) -> None:
        email = new_email("candidate")
        answers = []
        for password in (PASSWORD, "somebody else's passphrase"):
            response = httpx.post(f"{gateway}/v1/auth/signup", json={
                "email": email, "password": password, "profile": signup_profile()})
            answers.append((response.status_code, response.json()))
        assert answers[0] == answers[1]
        # The first person's password still opens the account; the second's does not.
        login(gateway, email)
        refused = httpx.post(f"{gateway}/v1/auth/token", data={
            "grant_type": "password", "username": email,
            "password": "somebody else's passphrase"})
        assert refused.status_code == 400

    def test_bad_input_is_refused_and_creates_no_account(self, gateway: str) -> None:
        email = new_email("candidate")
        response = httpx.post(f"{gateway}/v1/auth/signup", json={
            "email": email, "password": PASSWORD, "profile": signup_profile(nationality="XX")})
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        refused = httpx.post(f"{gateway}/v1/auth/token", data={
            "grant_type": "password", "username": email, "password": PASSWORD})
        assert refused.status_code == 400


class TestOwnProfile:
    def test_a_candidate_account_without_a_profile_makes_its_own_and_is_linked(
            self, gateway: str, admin: Api) -> None:
        email = new_email("candidate")
        admin.post("/v1/admin/accounts", 201, json={
            "email": email, "password": PASSWORD, "role": "candidate"})
        person = login(gateway, email)
        assert "candidate_id" not in person.claims()
        profile = person.post("/v1/candidates", 201, json=candidate_body())
        person.get(f"/v1/candidates/{profile['id']}")  # at once, before the token names it
        assert login(gateway, email).claims()["candidate_id"] == profile["id"]
        person.post("/v1/candidates", 409, json=candidate_body())


class TestOfficer:
    def test_opens_a_programme_and_sees_the_people_imported_for_it(
            self, gateway: str, officer: str) -> None:
        officer_api, programme_id = open_programme(officer, gateway)
        tag = uuid.uuid4().hex[:8]
        rows = "".join(
            f"Youssef,Alaoui{i},imported{i}.{tag}@example.org,1999-03-02,male,MA,MA,master,"
            f"computer science,ENSIAS,2023,python,fr:C1,ict,FR,2026-09-01\n" for i in range(3))
        report = officer_api.post("/v1/candidate-imports", 200, params={
            "programme_id": programme_id}, content=CSV_HEADER + rows,
            headers={"content-type": "text/csv"})
        assert len(report["created_ids"]) == 3
        listed = {c["id"] for c in officer_api.get("/v1/candidates", params={
            "limit": 200})["items"]}
        assert set(report["created_ids"]) <= listed
        person = report["created_ids"][0]
        officer_api.post(f"/v1/candidates/{person}/consents", 201, json={
            "purpose": "data_processing", "text_version": "2026-01", "action": "given"})
        officer_api.post("/v1/applications", 201, json={
            "candidate_id": person, "programme_id": programme_id})

    def test_another_officer_sees_none_of_them(self, gateway: str, officer: str,
                                               admin: Api) -> None:
        first, programme_id = open_programme(officer, gateway)
        created = first.post("/v1/candidates", 201, json={
            **candidate_body(), "programme_id": programme_id})
        other, _ = account(admin, "officer", programme_ids=[])
        other.get(f"/v1/candidates/{created['id']}", 404)


class TestInstitution:
    def test_registers_sees_and_nominates_its_students(self, gateway: str, officer: str,
                                                       admin: Api) -> None:
        _, programme_id = open_programme(officer, gateway)
        institution = admin.post("/v1/institutions", 201, json=institution_body())
        university, _ = account(admin, "institution", institution_id=institution["id"])
        student = university.post("/v1/candidates", 201, json=candidate_body())
        listed = [c["id"] for c in university.get("/v1/candidates")["items"]]
        assert listed == [student["id"]]
        university.post(f"/v1/institutions/{institution['id']}/nominations", 201, json={
            "candidate_id": student["id"], "programme_id": programme_id})
        # Another institution's student cannot be nominated, nor read.
        other = admin.post("/v1/institutions", 201, json=institution_body())
        rival, _ = account(admin, "institution", institution_id=other["id"])
        rival.get(f"/v1/candidates/{student['id']}", 404)
        rival.post(f"/v1/institutions/{other['id']}/nominations", 404, json={
            "candidate_id": student["id"], "programme_id": programme_id})


class TestDuplicates:
    def test_a_duplicate_sign_up_is_flagged_merged_and_unmerged_by_the_officer(
            self, gateway: str, officer: str, admin: Api) -> None:
        officer_api, programme_id = open_programme(officer, gateway)
        # Born on a day of its own, so that no other test's people share it.
        born = (date(1990, 1, 1) + timedelta(days=uuid.uuid4().int % 3000)).isoformat()
        first, _ = sign_up(gateway, given_name="Youssef", family_name="El Amrani",
                           date_of_birth=born, phone="+212612345678")
        again, _ = sign_up(gateway, given_name="يوسف", family_name="العمراني",
                           date_of_birth=born, phone=None)
        # His sister signs up with the family's phone: no flag, and nothing blocks her.
        sister, _ = sign_up(gateway, given_name="Salma", family_name="El Amrani",
                            date_of_birth="2001-09-01", phone="+212612345678")
        kept, merged, salma = (applies(person, programme_id)
                               for person in (first, again, sister))

        flags = officer_api.get("/v1/duplicates", params={
            "status": "open", "candidate_id": kept})["items"]
        assert [sorted(flag["candidate_ids"]) for flag in flags] == [sorted([kept, merged])]
        flag = flags[0]
        assert flag["found_by"] == "sign_up"
        assert flag["evidence"] == [{"field": "name", "match": "same_skeleton"},
                                    {"field": "date_of_birth", "match": "equal"}]
        assert officer_api.get("/v1/duplicates", params={"candidate_id": salma})["items"] == []
        # Another programme's officer sees neither the flag nor can act on it.
        stranger, _ = account(admin, "officer", programme_ids=[])
        stranger.get(f"/v1/duplicates/{flag['id']}", 404)
        stranger.post(f"/v1/duplicates/{flag['id']}/merge", 404, json={"keep": kept})
        # Merging is the officer's explicit act; the pointer names the record kept.
        done = officer_api.post(f"/v1/duplicates/{flag['id']}/merge", json={"keep": kept},
                                headers=officer_api.if_match(f"/v1/duplicates/{flag['id']}"))
        assert (done["status"], done["kept_candidate_id"]) == ("merged", kept)
        gone = officer_api.http.get(f"/v1/candidates/{merged}")
        assert gone.status_code == 404
        assert gone.json()["merged_into"] == kept
        listed = {c["id"] for c in officer_api.get("/v1/candidates", params={
            "programme_id": programme_id})["items"]}
        assert listed == {kept, salma}
        officer_api.post(f"/v1/duplicates/{flag['id']}/merge", 409, json={"keep": kept})
        # Undone: the record stands again, the flag is open, its history kept.
        undone = officer_api.post(f"/v1/duplicates/{flag['id']}/unmerge")
        assert undone["status"] == "open"
        assert [d["action"] for d in undone["decisions"]] == ["merge", "unmerge"]
        assert officer_api.get(f"/v1/candidates/{merged}")["id"] == merged


    def test_an_import_flags_its_likely_duplicates_for_the_officer_and_refuses_none(
            self, gateway: str, officer: str) -> None:
        officer_api, programme_id = open_programme(officer, gateway)
        born, other_day = (
            (date(1990, 1, 1) + timedelta(days=uuid.uuid4().int % 3000 + shift)).isoformat()
            for shift in (0, 3001))
        registered, _ = sign_up(gateway, given_name="Youssef", family_name="El Amrani",
                                date_of_birth=born, phone=None)
        youssef = applies(registered, programme_id)
        tag = uuid.uuid4().hex[:8]
        header = ("given_name,family_name,email,phone,date_of_birth,gender,nationality,"
                  "residence_country\n")
        lines = [
            # Youssef again, as the partner spells him: likely the person who signed up.
            f"Yusuf,Amrani,yusuf.{tag}@example.org,,{born},male,MA,MA\n",
            # Salma twice in the file, in two scripts, with her phone.
            f"Salma,Bennani,salma.{tag}@example.org,+212661234567,{other_day},female,MA,MA\n",
            f"سلمى,بناني,salma2.{tag}@example.org,+212661234567,2001-02-03,female,MA,MA\n",
            # Her brother, on the family's phone: not one person.
            f"Karim,Bennani,karim.{tag}@example.org,+212661234567,{other_day},male,MA,MA\n",
        ]
        report = officer_api.post("/v1/candidate-imports", params={"programme_id": programme_id},
                                  content=(header + "".join(lines)).encode(),
                                  headers={"Content-Type": "text/csv"})
        assert (report["imported"], report["rejected"], report["duplicates_flagged"]) == \
            (4, 0, 2), report
        yusuf, salma, salma_again, karim = report["created_ids"]

        def flags_of(candidate: str) -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = officer_api.get("/v1/duplicates", params={
                "status": "open", "candidate_id": candidate})["items"]
            return found

        [with_sign_up] = flags_of(youssef)
        assert sorted(with_sign_up["candidate_ids"]) == sorted([youssef, yusuf])
        assert with_sign_up["found_by"] == "import"
        assert with_sign_up["evidence"] == [{"field": "name", "match": "same_skeleton"},
                                            {"field": "date_of_birth", "match": "equal"}]
        [in_the_file] = flags_of(salma)
        assert sorted(in_the_file["candidate_ids"]) == sorted([salma, salma_again])
        assert in_the_file["evidence"] == [{"field": "name", "match": "same_skeleton"},
                                           {"field": "phone", "match": "same_number"}]
        assert flags_of(karim) == []
        # Flagged, not merged: every line is a record of its own until the officer decides.
        for imported in (yusuf, salma, salma_again, karim):
            assert officer_api.get(f"/v1/candidates/{imported}")["id"] == imported


class TestPartnerWebhooks:
    def test_a_ministry_receives_only_its_own_programmes_events(
            self, gateway: str, admin: Api) -> None:
        placed: dict[str, str] = {}
        for name in ("other", "own"):  # the other programme's event is recorded first
            programme = admin.post("/v1/programmes", 201, json=programme_body(
                gender_balance_min_share=None))
            employer = admin.post("/v1/employers", 201,
                                  json=employer_body(programme_ids=(programme["id"],)))
            vacancy = admin.post("/v1/vacancies", 201, json=vacancy_body(
                employer_id=employer["id"], programme_id=programme["id"], seats=1))
            if name == "own":
                ministry, _ = account(admin, "ministry", programme_ids=[programme["id"]])
                receiver = WebhookReceiver()
                ministry.post("/v1/webhooks/placements/subscriptions", 201, json={
                    "url": receiver.url, "event_types": ["placement.confirmed"]})
                # A grant may not ask for what it may not see.
                ministry.post("/v1/webhooks/placements/subscriptions", 403, json={
                    "url": receiver.url, "event_types": ["placement.visa_requested"]})
            placed[name] = admin.post("/v1/placements", 201, json={
                "candidate_id": str(uuid.uuid4()), "vacancy_id": vacancy["id"]})["id"]
        try:
            until(lambda: receiver.events, "the ministry's event")
            payloads = [e.get("data", e) for e in receiver.events]
            assert {p["placement_id"] for p in payloads} == {placed["own"]}
            assert all("candidate_id" not in p for p in payloads)
        finally:
            receiver.shutdown()


class TestRevocation:
    def test_a_disabled_account_is_refused_everywhere_on_its_next_request(
            self, gateway: str, admin: Api, officer: str) -> None:
        officer_api, programme_id = open_programme(officer, gateway)
        [account_row] = [a for a in admin.get("/v1/admin/accounts", params={
            "role": "officer", "limit": 200})["items"] if a["email"] == officer]
        paths = ("/v1/programmes", "/v1/placements", "/v1/returnee-cases")
        for path in paths:
            officer_api.get(path)
        admin.post(f"/v1/admin/accounts/{account_row['id']}/disable")
        started = time.monotonic()
        for path in paths:  # each service, each on its own refusal
            until(lambda p=path: officer_api.http.get(p).status_code == 401,
                  f"{path} to refuse the disabled account's token")
        print(f"\nrevocation: refused by the gateway and every service after "
              f"{time.monotonic() - started:.2f} s")
        refused = httpx.post(f"{gateway}/v1/auth/token", data={
            "grant_type": "password", "username": officer, "password": PASSWORD})
        assert refused.status_code == 400
        admin.post(f"/v1/admin/accounts/{account_row['id']}/enable")
        assert programme_id in login(gateway, officer).claims()["programme_ids"]


def test_a_programme_run_by_its_actors(gateway: str, admin: Api, officer: str) -> None:
    """Intake to return, each step by the actor who does it in real life."""
    today = datetime.now(UTC).date().isoformat()
    officer_api, programme_id = open_programme(officer, gateway)

    # A university registers a student and nominates her; two people sign up and apply.
    institution = admin.post("/v1/institutions", 201, json=institution_body())
    university, _ = account(admin, "institution", institution_id=institution["id"])
    student = university.post("/v1/candidates", 201, json=candidate_body(
        available_from_date=today, available_until_date=None))
    university.post(f"/v1/institutions/{institution['id']}/nominations", 201, json={
        "candidate_id": student["id"], "programme_id": programme_id})
    applicants = [sign_up(gateway, gender=g, skills=[{"label": "Python"}])[0]
                  for g in ("female", "male")]
    for person in applicants:
        applies(person, programme_id)

    # The officer screens and selects, registers the host company and its vacancy.
    officer_api.post(f"/v1/programmes/{programme_id}/screening")
    officer_api.post(f"/v1/programmes/{programme_id}/selection")
    employer = officer_api.post("/v1/employers", 201,
                                json=employer_body(programme_ids=(programme_id,)))
    officer_api.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=employer["id"], programme_id=programme_id, seats=1,
        required_skills=[{"label": "Python"}]))
    run = officer_api.post("/v1/matching-runs", 202, json={"programme_id": programme_id})
    run = until(lambda: (r := officer_api.get(f"/v1/matching-runs/{run['id']}"))["status"]
                in ("completed", "failed") and r, "the run to finish")
    assert run["status"] == "completed", run
    officer_api.post(f"/v1/matching-runs/{run['id']}/confirm")
    [placement] = officer_api.get("/v1/placements", params={
        "programme_id": programme_id})["items"]
    url = f"/v1/placements/{placement['id']}"

    # The employer and the placed candidate accept; the French visa authority decides.
    host, _ = account(admin, "employer", employer_id=employer["id"])
    host.post(f"{url}/accept-employer")
    [trainee] = [p for p in applicants
                 if p.claims()["candidate_id"] == placement["candidate_id"]]
    trainee.post(f"{url}/accept-candidate")
    # She lets the visa authority have her identity with her visa file.
    trainee.post(f"/v1/candidates/{placement['candidate_id']}/consents", 201, json={
        "purpose": "visa_file_sharing", "text_version": "2026-01", "action": "given"})
    officer_api.post(f"{url}/request-visa")
    visa_desk, _ = account(admin, "visa_authority", programme_ids=[programme_id], country="FR")
    requests = visa_desk.get("/v1/placements/visa-requests")["items"]
    assert [p["placement_id"] for p in requests] == [placement["id"]]
    assert visa_desk.get(f"{url}/visa-file")["candidate"]["family_name"] == "Benali"
    visa_desk.post(f"{url}/visa-decision", json={"decision": "granted"})
    italy, _ = account(admin, "visa_authority", programme_ids=[programme_id], country="IT")
    italy.get(f"{url}/visa-file", 404)
    italy.post(f"{url}/visa-decision", 404, json={"decision": "refused"})
    mine = trainee.get(url)
    assert mine["host"]["name"] == employer["name"]

    # The stay and the return; the returnee answers their first follow-up.
    officer_api.post(f"{url}/arrive", json={"arrival_date": today})
    officer_api.post(f"{url}/complete", json={"end_date": today})
    case = until(lambda: trainee.get("/v1/returnee-cases")["items"], "the returnee's case")[0]
    [first, *_] = trainee.get(f"/v1/returnee-cases/{case['id']}/follow-ups")["items"]
    trainee.post(f"/v1/follow-ups/{first['id']}/answer", json={
        "employment_status": "seeking_work", "income_band": "none",
        "skills_use": "a_little", "satisfaction": 4,
        "sustainability": {"economic": 0.4, "social": 0.8, "psychosocial": 0.7}})

    # The ministry (statistics) reads aggregates, never a person.
    ministry, _ = account(admin, "ministry", programme_ids=[programme_id])
    ministry.get("/v1/placements", 403)
    ministry.get(f"/v1/programmes/{programme_id}/statistics")

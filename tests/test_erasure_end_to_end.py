"""A person who went through the whole story is erased, and nothing personal is left.

One running system. A person signs up, consents and applies with a motivation naming them, is
selected, enrolled in training, matched and placed; the officer and the employer write about
them (check-in notes and an incident, an extension offer, an evaluation), the person files a
grievance the officer answers and resolves, the visa desk decides with a reference; after the
return the officer keeps case notes, the returnee answers a follow-up naming their new
employer, and a support measure is described and closed with a note. Every personal value
carries one unique marker (the phone, digits only, its own).

Then the person erases themself. The erasure's receipt, with no token, follows the
acknowledgements of every service until ``complete``; after that: the old token is refused by
the gateway and by each service, the password grant fails, no route an admin reads returns a
marker, no text, JSON or array column of any table of the four schemas holds one (by SQL, over
``information_schema``), and the programme's indicators and grievance statistics still count
the person.
"""

import asyncio
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from tests.actors import PASSWORD, Api, account, login, new_email, until
from tests.candidates.factories import candidate_body, programme_body, training_module_body
from tests.conftest import RunDatabase
from tests.placements.factories import employer_body, vacancy_body
from tests.system import System, admin_token, running_system

SCHEMAS = ("candidates", "placements", "reintegration", "gateway")
# Columns that can hold text: scanned as text, whatever their kind.
TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb", "ARRAY")


@pytest.fixture(scope="module")
def system(scratch_database: RunDatabase) -> Iterator[System]:
    """Every service behind the gateway, on a database of this module's own."""
    with running_system(scratch_database.admin_url) as urls:
        yield urls


@pytest.fixture(scope="module")
def admin(system: System, scratch_database: RunDatabase) -> Api:
    """The admin: creates the first officer and the partners' accounts, then reads."""
    return Api(system["gateway"], admin_token(scratch_database.admin_url, system["gateway"]))


async def _columns_naming(admin_url: str, needles: tuple[str, ...]) -> list[str]:
    """``schema.table.column`` of every text-like column of :data:`SCHEMAS` whose value names
    any of ``needles`` (case-insensitively)."""
    connection = await asyncpg.connect(admin_url)
    try:
        columns = await connection.fetch(
            "SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c"
            " JOIN information_schema.tables t USING (table_schema, table_name)"
            " WHERE c.table_schema = ANY($1::text[]) AND t.table_type = 'BASE TABLE'"
            " AND c.data_type = ANY($2::text[]) ORDER BY 1, 2, 3",
            list(SCHEMAS), list(TEXT_TYPES))
        assert len({(c["table_schema"]) for c in columns}) == len(SCHEMAS), columns
        found = []
        patterns = [f"%{needle}%" for needle in needles]
        for schema, table, column in columns:
            if await connection.fetchval(
                    f'SELECT EXISTS (SELECT 1 FROM "{schema}"."{table}" '
                    f'WHERE "{column}"::text ILIKE ANY($1::text[]))', patterns):
                found.append(f"{schema}.{table}.{column}")
        return found
    finally:
        await connection.close()


def columns_naming(admin_url: str, *needles: str) -> list[str]:
    """See :func:`_columns_naming`."""
    return asyncio.run(_columns_naming(admin_url, needles))


def _named(answer: Any, needles: tuple[str, ...]) -> list[str]:
    text = str(answer).lower()
    return [n for n in needles if n.lower() in text]


def test_an_erased_person_is_gone_everywhere_and_still_counted(
        system: System, admin: Api, scratch_database: RunDatabase) -> None:
    gateway = system["gateway"]
    marker = f"zq{uuid.uuid4().hex[:10]}"
    phone_digits = "".join(random.choices("0123456789", k=8))
    needles = (marker, phone_digits)
    today = datetime.now(UTC).date()

    # The officer opens a programme; the host company and its vacancy are registered.
    officer_email = new_email("officer")
    admin.post("/v1/admin/accounts", 201, json={
        "email": officer_email, "password": PASSWORD, "role": "officer", "programme_ids": []})
    programme_id = login(gateway, officer_email).post("/v1/programmes", 201, json=programme_body(
        gender_balance_min_share=None))["id"]
    officer = login(gateway, officer_email)
    employer = officer.post("/v1/employers", 201,
                            json=employer_body(programme_ids=(programme_id,)))
    officer.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=employer["id"], programme_id=programme_id, seats=1,
        required_skills=[{"label": "Python"}]))
    host, _ = account(admin, "employer", employer_id=employer["id"])

    # The person signs up, consents and applies, in their own words.
    email = f"amina.{marker}@example.org"
    profile = candidate_body(
        given_name=f"Amina{marker}", family_name=f"Benali{marker}",
        phone=f"+2126{phone_digits}", residence_city=f"Rabat {marker}",
        education=[{"institution": f"Université {marker}", "level": "bachelor",
                    "field": "computer science", "year": 2022}],
        skills=[{"label": "Python"}], available_from_date=today.isoformat(),
        available_until_date=None)
    del profile["email"]
    signed_up = httpx.post(f"{gateway}/v1/auth/signup", json={
        "email": email, "password": PASSWORD, "profile": profile})
    assert signed_up.status_code == 202, signed_up.text
    person = login(gateway, email)
    me = person.claims()["candidate_id"]
    for purpose in ("data_processing", "visa_file_sharing"):
        person.post(f"/v1/candidates/{me}/consents", 201, json={
            "purpose": purpose, "text_version": "2026-01", "action": "given"})
    application = person.post("/v1/applications", 201, json={
        "candidate_id": me, "programme_id": programme_id,
        "motivation": f"I am Amina {marker}; I want to build networks in Lyon."})
    person.post(f"/v1/applications/{application['id']}/submit")

    # Selection and training.
    officer.post(f"/v1/programmes/{programme_id}/screening")
    officer.post(f"/v1/programmes/{programme_id}/selection")
    module = officer.post(f"/v1/programmes/{programme_id}/training-modules", 201,
                          json=training_module_body())
    officer.post(f"/v1/training-modules/{module['id']}/enrolments", 201,
                 json={"candidate_id": me})

    # Matching, acceptance, the visa, the stay and what is written about it.
    run = officer.post("/v1/matching-runs", 202, json={"programme_id": programme_id})
    run = until(lambda: (r := officer.get(f"/v1/matching-runs/{run['id']}"))["status"]
                in ("completed", "failed") and r, "the matching run to finish")
    assert run["status"] == "completed", run
    officer.post(f"/v1/matching-runs/{run['id']}/confirm")
    [placement] = officer.get("/v1/placements", params={"programme_id": programme_id})["items"]
    assert placement["candidate_id"] == me
    url = f"/v1/placements/{placement['id']}"
    host.post(f"{url}/accept-employer")
    person.post(f"{url}/accept-candidate")
    officer.post(f"{url}/request-visa")
    visa_desk, _ = account(admin, "visa_authority", programme_ids=[programme_id], country="FR")
    visa_desk.post(f"{url}/visa-decision", json={
        "decision": "granted", "reference": f"FR-VISA-{marker}"})
    officer.post(f"{url}/arrive", json={"arrival_date": today.isoformat()})
    officer.post(f"{url}/check-ins", 201, json={
        "wellbeing": 3, "housing": "issue", "housing_note": f"Amina {marker}'s flat is cold.",
        "notes": f"Spoke with Amina {marker} at work.",
        "incidents": [{"type": "housing", "severity": "high",
                       "description": f"{marker} was locked out."}]})
    grievance = person.post("/v1/grievances", 201, json={
        "placement_id": placement["id"], "category": "housing", "severity": "medium",
        "description": f"I am Amina {marker}; my flat has no heating."})
    officer.post(f"/v1/grievances/{grievance['id']}/respond", json={
        "message": f"Dear Amina {marker}, the landlord comes on Monday."})
    officer.post(f"/v1/grievances/{grievance['id']}/resolve", json={
        "outcome": "upheld", "resolution": f"Heating repaired for {marker}."})
    host.post(f"{url}/extend", json={
        "new_end_date": (datetime.fromisoformat(placement["end_date"]).date()
                         + timedelta(days=30)).isoformat(),
        "offer_reference": f"EXT-{marker}", "offer_text": f"More months for Amina {marker}."})
    officer.post(f"{url}/complete", json={"end_date": today.isoformat()})
    host.post(f"{url}/evaluation", 201, json={
        "technical_skills": 4, "communication": 5, "teamwork": 4, "reliability": 5,
        "would_host_again": True, "comments": f"Amina {marker} was great."})

    # After the return: case notes, a follow-up answer, a support measure.
    case = until(lambda: officer.get("/v1/returnee-cases", params={
        "programme_id": programme_id})["items"], "the returnee's case")[0]
    assert case["candidate_id"] == me
    noted = officer.http.patch(f"/v1/returnee-cases/{case['id']}",
                               json={"notes": f"Call Amina {marker} after six."},
                               headers=officer.if_match(f"/v1/returnee-cases/{case['id']}"))
    assert noted.status_code == 200, noted.text
    [first, *_] = person.get(f"/v1/returnee-cases/{case['id']}/follow-ups")["items"]
    person.post(f"/v1/follow-ups/{first['id']}/answer", json={
        "employment_status": "employed_other_employer", "employer_name": f"Atlas {marker}",
        "job_sector": "ict", "job_location": "origin_country", "income_band": "500_999",
        "skills_use": "a_lot", "satisfaction": 4, "notes": f"{marker} is happy.",
        "sustainability": {"economic": 0.7, "social": 0.8, "psychosocial": 0.9}})
    measure = officer.post("/v1/support-measures", 201, json={
        "case_id": case["id"], "kind": "mentoring", "provider": "Comune di Milano",
        "description": f"Mentoring for Amina {marker}."})
    officer.post(f"/v1/support-measures/{measure['id']}/start", json={})
    officer.post(f"/v1/support-measures/{measure['id']}/complete", json={
        "outcome": "successful", "outcome_note": f"{marker} registered a business."})
    before = officer.get("/v1/indicators", params={"programme_id": programme_id})["total"]
    assert before["returnees"] == 1
    assert columns_naming(scratch_database.admin_url, *needles), "the scan finds nothing at all"

    # The person erases themself and follows the erasure with its receipt, without a token.
    erased = person.post(f"/v1/candidates/{me}/erase")
    follow = {"Erasure-Receipt": erased["receipt"]}

    def progress() -> dict[str, Any]:
        response = httpx.get(f"{gateway}{erased['status_url']}", headers=follow)
        assert response.status_code == 200, response.text
        return dict(response.json())

    done = until(lambda: (p := progress())["complete"] and p, "the erasure to complete")
    assert {s["service"]: s["status"] for s in done["services"]} == {
        "placements": "done", "reintegration": "done", "gateway": "done"}
    assert httpx.get(f"{gateway}{erased['status_url']}",
                     headers={"Erasure-Receipt": "er_not-the-receipt"}).status_code == 404

    # The account is gone: its token stops at the gateway and at every service; no new one.
    until(lambda: person.http.get(f"/v1/candidates/{me}").status_code == 401,
          "the gateway to refuse the erased person's token")
    for name, path in (("candidates", f"/v1/candidates/{me}"), ("placements", url),
                       ("reintegration", f"/v1/returnee-cases/{case['id']}")):
        until(lambda n=name, p=path: httpx.get(f"{system[n]}{p}", headers={
            "Authorization": f"Bearer {person.token}"}).status_code == 401,
            f"{name} to refuse the erased person's token")
    refused = httpx.post(f"{gateway}/v1/auth/token", data={
        "grant_type": "password", "username": email, "password": PASSWORD})
    assert refused.status_code == 400

    # No route an admin reads returns anything of them.
    reads = [f"/v1/candidates/{me}", f"/v1/candidates/{me}/consents",
             f"/v1/candidates/{me}/training", f"/v1/applications/{application['id']}",
             f"/v1/applications?programme_id={programme_id}",
             f"/v1/training-modules/{module['id']}/enrolments", url, f"{url}/transitions",
             f"{url}/check-ins", f"{url}/evaluation", f"{url}/extensions", f"{url}/visa-file",
             f"{url}/candidate-profile", f"/v1/placements?programme_id={programme_id}",
             "/v1/placements/alerts", f"/v1/returnee-cases/{case['id']}",
             f"/v1/returnee-cases/{case['id']}/follow-ups", f"/v1/follow-ups/{first['id']}",
             f"/v1/support-measures/{measure['id']}",
             f"/v1/support-measures?programme_id={programme_id}",
             f"/v1/follow-ups/export.csv?programme_id={programme_id}",
             f"/v1/grievances/{grievance['id']}", f"/v1/grievances/{grievance['id']}/history",
             "/v1/admin/accounts?role=candidate&limit=200"]
    for path in reads:
        response = admin.http.get(path)
        assert response.status_code in (200, 404), f"{path}: {response.text}"
        assert _named(response.text, needles) == [], f"{path} still names them"

    # Nor does any column of any table of the four services.
    assert columns_naming(scratch_database.admin_url, *needles) == []

    # New free text about them is refused; the indicators still count them.
    refused_notes = officer.http.patch(
        f"/v1/returnee-cases/{case['id']}", json={"notes": f"More about {marker}."},
        headers=officer.if_match(f"/v1/returnee-cases/{case['id']}"))
    assert refused_notes.status_code == 409, refused_notes.text
    assert refused_notes.json()["type"] == "/problems/candidate-erased"
    after = officer.get("/v1/indicators", params={"programme_id": programme_id})["total"]
    assert after["returnees"] == before["returnees"] == 1
    statistics = officer.get(f"/v1/programmes/{programme_id}/statistics")
    assert statistics["applications_total"] == 1
    grievances = officer.get("/v1/grievances/statistics", params={"programme_id": programme_id})
    assert (grievances["total"], grievances["by_outcome"]["upheld"]) == (1, 1)

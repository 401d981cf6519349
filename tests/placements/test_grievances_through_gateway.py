"""A placed worker's grievance through the gateway, every service a process, each step by the
actor who does it in real life.

A person signs up, applies and is selected with a second applicant; the officer places both
with one company, which accepts them; they accept, and the stay starts. The worker complains,
with her own token, about harassment at work: not about her colleague's placement (404,
nothing stored), but about her own, letting the employer try first without telling it who she
is. The employer reads the complaint without learning whose it is and answers; its deadline
passes unresolved. The escalation job's step then runs against the system's database with that
moment as its "now" (a clock cannot be injected through the gateway; the system's own job is
off so that it never holds the job's lock at that moment), and the complaint is with the
programme: the employer may no longer resolve it, the officer does. The worker says how
satisfied she is. The ministry reads no complaint, only the programme's statistics, with
small counts withheld; the officer reads them exactly.
"""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from services.placements.grievances.escalation import escalate_due
from shared.db import async_url
from tests.actors import Api, account, officer_with_programme, signed_up
from tests.candidates.factories import candidate_body
from tests.conftest import RunDatabase
from tests.placements.factories import employer_body, vacancy_body
from tests.system import admin_token, running_system

COMPLAINT = {"category": "harassment", "severity": "high", "handled_first_by": "employer",
             "description": "My shift lead shouts at me and mocks my accent in front of "
                            "customers."}
IDENTITY = ("placement_id", "candidate_id", "filed_by", "filed_by_role", "on_behalf")


@pytest.fixture(scope="module")
def gateway(scratch_database: RunDatabase) -> Iterator[str]:
    """The gateway's URL, with every service behind it; the escalation job is this test's."""
    with running_system(scratch_database.admin_url,
                        env={"PLACEMENTS_GRIEVANCE_ESCALATION_JOB": "false"}) as urls:
        yield urls["gateway"]


def _applies(api: Api, candidate_id: str, programme_id: str) -> None:
    api.post(f"/v1/candidates/{candidate_id}/consents", 201, json={
        "purpose": "data_processing", "text_version": "2026-01", "action": "given"})
    application = api.post("/v1/applications", 201, json={
        "candidate_id": candidate_id, "programme_id": programme_id})
    api.post(f"/v1/applications/{application['id']}/submit")


async def _escalate(url: str, now: datetime) -> int:
    """The escalation job's step, as of ``now``, on the placements service's database."""
    engine = create_async_engine(async_url(url))
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            return await escalate_due(session, now=now)
    finally:
        await engine.dispose()


def test_a_workers_grievance_from_filing_to_satisfaction(
        gateway: str, scratch_database: RunDatabase) -> None:
    admin = Api(gateway, admin_token(scratch_database.admin_url, gateway))
    today = datetime.now(UTC).date().isoformat()
    officer, programme_id = officer_with_programme(admin)
    company = officer.post("/v1/employers", 201, json=employer_body(programme_ids=(programme_id,)))
    job = officer.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=company["id"], programme_id=programme_id, seats=2))
    host, _ = account(admin, "employer", employer_id=company["id"])

    # Two applicants: Amina signs up herself; a colleague the admin seeds from a paper form.
    amina = signed_up(gateway, today)
    me = amina.claims()["candidate_id"]
    _applies(amina, me, programme_id)
    colleague = admin.post("/v1/candidates", 201, json=candidate_body(
        available_from_date=today, available_until_date=None))["id"]
    _applies(admin, colleague, programme_id)
    officer.post(f"/v1/programmes/{programme_id}/screening")
    officer.post(f"/v1/programmes/{programme_id}/selection")

    # Both are placed with the company, accept, and arrive.
    placements = {}
    for candidate_id, worker in ((me, amina), (colleague, None)):
        placement = officer.post("/v1/placements", 201, json={
            "candidate_id": candidate_id, "vacancy_id": job["id"]})
        url = f"/v1/placements/{placement['id']}"
        host.post(f"{url}/accept-employer")
        (worker or admin).post(f"{url}/accept-candidate")
        officer.post(f"{url}/request-visa")
        officer.post(f"{url}/visa-decision", json={"decision": "granted"})
        officer.post(f"{url}/arrive", json={"arrival_date": today})
        placements[candidate_id] = placement["id"]

    # Amina cannot complain about her colleague's placement: 404, nothing stored.
    refused = amina.post("/v1/grievances", 404, json={
        **COMPLAINT, "placement_id": placements[colleague]})
    assert refused["type"] == "/problems/placement-not-found"
    assert amina.get("/v1/grievances")["items"] == []
    assert officer.get("/v1/grievances")["items"] == []

    # She complains about her own; the employer may try first, without knowing it is her.
    filed = amina.post("/v1/grievances", 201, json={**COMPLAINT, "placement_id": placements[me]})
    assert (filed["level"], filed["status"], filed["placement_id"]) == (
        "employer", "open", placements[me])
    url = f"/v1/grievances/{filed['id']}"
    [seen] = host.get("/v1/grievances")["items"]
    assert seen["id"] == filed["id"] and seen["description"] == COMPLAINT["description"]
    assert {k: seen[k] for k in IDENTITY} == dict.fromkeys(IDENTITY)
    assert me not in str(host.get(url)) and placements[me] not in str(host.get(f"{url}/history"))
    host.post(f"{url}/respond", json={"message": "We are speaking to the shift lead."})

    # Its deadline passes unresolved: the job's step moves it to the programme.
    escalated_at = datetime.fromisoformat(filed["due_at"]) + timedelta(days=1)
    assert asyncio.run(_escalate(scratch_database.url("placements"), escalated_at)) == 1
    at_programme = officer.get(url)
    assert (at_programme["level"], at_programme["status"]) == ("programme", "open")
    assert datetime.fromisoformat(at_programme["escalated_at"]) == escalated_at
    assert host.get(url)["level"] == "programme"
    late = host.post(f"{url}/resolve", 409, json={
        "outcome": "not_upheld", "resolution": "We found nothing."})
    assert late["type"] == "/problems/grievance-level"
    steps = amina.get(f"{url}/history")["items"]
    assert [(s["action"], s["level"], s["actor_role"]) for s in steps] == [
        ("file", "employer", "candidate"), ("respond", "employer", "employer"),
        ("escalate", "programme", "service")]

    # The officer takes it on and resolves it; Amina says how satisfied she is.
    officer.post(f"{url}/assign", json={"officer_subject": "me"})
    resolved = officer.http.post(f"{url}/resolve", headers=officer.if_match(url), json={
        "outcome": "upheld",
        "resolution": "The shift lead was moved to another team; HR apologised in writing."})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    assert amina.post(f"{url}/satisfaction", json={"satisfaction": 4})["satisfaction"] == 4

    # The ministry reads no complaint, only the statistics; one complaint is a small count.
    ministry, _ = account(admin, "ministry", programme_ids=[programme_id])
    ministry.get(url, 403)
    ministry.get("/v1/grievances", 403)
    statistics = "/v1/grievances/statistics"
    withheld: dict[str, Any] = ministry.get(statistics, params={"programme_id": programme_id})
    assert (withheld["total"], withheld["by_category"]["harassment"],
            withheld["satisfaction_mean"], withheld["small_cell_threshold"]) == (
        None, None, None, 5)
    assert withheld["suppressed_cells"] > 0
    exact = officer.get(statistics, params={"programme_id": programme_id})
    assert (exact["total"], exact["by_category"]["harassment"], exact["by_outcome"]["upheld"],
            exact["satisfaction_mean"], exact["escalated_to_ministry_unresolved"]) == (
        1, 1, 1, 4.0, 0)

"""An employer suspended and reinstated through the gateway, every service a process, each step
by the actor who does it in real life: the officer opens a programme and registers two
employers, each publishes a vacancy; the officer suspends one (its vacancy closes), runs
matching (the suspended employer's vacancy is left out and the run says so) and cannot place a
candidate with it; the suspended employer reads why, and its own standing without any worker
data, and cannot reopen its vacancy; a ministry reads the programme's employers' standing;
the officer reinstates the employer, which reopens its vacancy, and the placement goes through.
Both accept it; the worker complains about fees with her own token and records the fee she
paid: the complaint is counted in Nordlys's standing (by category and outcome, nobody named),
the fee only in the officer's (Nordlys reads no fee); the ministry reads the programme's
aggregate, one complaint and one fee withheld, and no employer's evidence.

The admin only makes the accounts; the applicant signs up herself.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.actors import Api, account, applies, officer_with_programme, signed_up, until
from tests.conftest import RunDatabase
from tests.placements.factories import employer_body, vacancy_body
from tests.system import admin_token, running_system

REASON = "Workers housed below the agreed standard; fees charged for the housing."


@pytest.fixture(scope="module")
def gateway(scratch_database: RunDatabase) -> Iterator[str]:
    """The gateway's URL, with every service behind it."""
    with running_system(scratch_database.admin_url) as urls:
        yield urls["gateway"]


def test_a_suspended_employer_leaves_the_programme_until_reinstated(
        gateway: str, scratch_database: RunDatabase) -> None:
    admin = Api(gateway, admin_token(scratch_database.admin_url, gateway))
    officer, pid = officer_with_programme(admin)

    # Two hosts, registered by the officer, each publishing its own vacancy.
    hosts, vacancies = {}, {}
    for name in ("Nordlys Software", "Atlas Systems"):
        employer = officer.post("/v1/employers", 201, json=employer_body(
            programme_ids=(pid,), name=name))
        hosts[name] = (employer, account(admin, "employer", employer_id=employer["id"])[0])
        vacancies[name] = hosts[name][1].post("/v1/vacancies", 201, json=vacancy_body(
            employer_id=employer["id"], programme_id=pid, seats=1,
            required_skills=[{"label": "Python"}]))
    nordlys, nordlys_api = hosts["Nordlys Software"]

    # An applicant signs up and applies; the officer screens and selects.
    worker = signed_up(gateway, datetime.now(UTC).date().isoformat())
    candidate_id = worker.claims()["candidate_id"]
    applies(worker, pid)
    officer.post(f"/v1/programmes/{pid}/screening")
    officer.post(f"/v1/programmes/{pid}/selection")

    # The officer suspends Nordlys in the programme: its vacancy closes. Without a reason,
    # nothing happens; the employer cannot suspend (or reinstate) itself.
    url = f"/v1/employers/{nordlys['id']}"
    bare = officer.post(f"{url}/suspend", 422, json={"programme_id": pid, "reason": " "})
    assert bare["type"] == "/problems/validation"
    assert officer.get(url)["standing"] == "active"
    nordlys_api.post(f"{url}/suspend", 403, json={"programme_id": pid, "reason": "No."})
    suspended = officer.post(f"{url}/suspend", json={"programme_id": pid, "reason": REASON})
    assert suspended["standing"] == "suspended"
    nordlys_vacancy = f"/v1/vacancies/{vacancies['Nordlys Software']['id']}"
    assert officer.get(nordlys_vacancy)["status"] == "closed"
    assert officer.post(f"{url}/suspend", 409, json={
        "programme_id": pid, "reason": REASON})["current_state"] == "suspended"

    # A matching run leaves Nordlys out and says so: the candidate goes to Atlas.
    run = officer.post("/v1/matching-runs", 202, json={"programme_id": pid})
    run = until(lambda: (r := officer.get(f"/v1/matching-runs/{run['id']}"))["status"]
                in ("completed", "failed") and r, "the run to finish")
    assert run["status"] == "completed", run["failure"]
    assert run["summary"]["excluded_suspended_employers"] == [
        {"employer_id": nordlys["id"], "vacancies": 1}]
    assert run["summary"]["vacancies"] == 1
    proposals = officer.get(f"/v1/matching-runs/{run['id']}/proposals")["items"]
    assert [p["vacancy_id"] for p in proposals] == [vacancies["Atlas Systems"]["id"]]

    # No placement with it, and it cannot reopen its vacancy.
    placing = {"candidate_id": candidate_id, "vacancy_id": vacancies["Nordlys Software"]["id"]}
    refused = officer.post("/v1/placements", 409, json=placing)
    assert refused["type"] == "/problems/employer-suspended"
    reopened = nordlys_api.post(f"{nordlys_vacancy}/reopen", 409)
    assert reopened["type"] == "/problems/employer-suspended"

    # Nordlys reads why, and its standing: counts, no worker.
    own = nordlys_api.get(url)
    assert (own["standing"], own["suspensions"][0]["reason"]) == ("suspended", REASON)
    standing = nordlys_api.http.get(f"{url}/standing")
    assert standing.status_code == 200, standing.text
    [line] = standing.json()["programmes"]
    assert (line["programme_id"], line["standing"], line["suspension"]["reason"]) == (
        pid, "suspended", REASON)
    assert line["evidence"]["placements"] == {"total": 0, "by_status": {}}
    assert "candidate" not in standing.text

    # A ministry of the programme reads the employers' standing: companies, counts, no reason.
    ministry, _ = account(admin, "ministry", programme_ids=[pid])
    report = ministry.http.get("/v1/employer-standing", params={"programme_id": pid})
    assert report.status_code == 200, report.text
    assert (report.json()["employers_with_agreement"], report.json()["suspended_now"],
            report.json()["suspensions_recorded"]) == (2, 1, 1)
    lines = {line["name"]: line for line in report.json()["employers"]}
    assert (lines["Nordlys Software"]["standing"], lines["Atlas Systems"]["standing"]) == (
        "suspended", "active")
    assert [line["evidence"] for line in lines.values()] == [None, None]  # the aggregate only
    assert REASON not in report.text and "candidate" not in report.text
    ministry.get(url, 404)  # a ministry never reads an employer's record

    # The officer reinstates it; the vacancy stays closed until Nordlys reopens it.
    reinstated = officer.post(f"{url}/reinstate", json={
        "programme_id": pid, "reason": "Housing inspected and fixed; fees reimbursed."})
    assert (reinstated["standing"], reinstated["suspensions"]) == ("active", [])
    assert officer.get(nordlys_vacancy)["status"] == "closed"
    assert nordlys_api.post(f"{nordlys_vacancy}/reopen")["status"] == "open"
    [history] = officer.get(f"{url}/suspensions")["items"]
    assert history["reinstatement_reason"] == "Housing inspected and fixed; fees reimbursed."
    placement = officer.post("/v1/placements", 201, json=placing)
    assert placement["employer_id"] == nordlys["id"]

    # Both accept; the worker complains about a fee, to the programme, without telling Nordlys.
    nordlys_api.post(f"/v1/placements/{placement['id']}/accept-employer")
    worker.post(f"/v1/placements/{placement['id']}/accept-candidate")
    worker.post("/v1/grievances", 201, json={
        "placement_id": placement["id"], "category": "fees_charged", "severity": "high",
        "description": "The agency took 400 euros from me for the housing contract."})
    worker.post(f"/v1/placements/{placement['id']}/recruitment-costs", 201, json={
        "category": "recruitment_fee", "amount": "400", "currency": "EUR",
        "incurred_on": datetime.now(UTC).date().isoformat(), "paid_by": "worker",
        "evidence_reference": "Agency receipt 117"})
    standing = nordlys_api.http.get(f"{url}/standing")
    assert standing.status_code == 200, standing.text
    [line] = standing.json()["programmes"]
    grievances = line["evidence"]["grievances"]
    assert (grievances["total"], grievances["by_category"]["fees_charged"],
            grievances["by_outcome"]["unresolved"]) == (1, 1, 1)
    assert line["evidence"]["fees_charged"] is None  # the employer reads no fee
    assert candidate_id not in standing.text and placement["id"] not in standing.text
    assert "400 euros" not in standing.text and "Agency receipt" not in standing.text
    [line] = officer.get(f"{url}/standing")["programmes"]
    fees = line["evidence"]["fees_charged"]
    assert (fees["workers_who_paid"], fees["by_category"]["recruitment_fee"],
            fees["by_category"]["travel_lodging"]) == (1, 1, 0)
    report = ministry.http.get("/v1/employer-standing", params={"programme_id": pid})
    assert report.status_code == 200, report.text
    evidence = report.json()["evidence"]
    # One complaint, one worker who paid: withheld, the fee's categories with her.
    assert (evidence["grievances"]["total"], evidence["fees_charged"]["workers_who_paid"],
            evidence["fees_charged"]["by_category"]["travel_lodging"]) == (None, None, None)
    assert {line["evidence"] is None for line in report.json()["employers"]} == {True}
    assert candidate_id not in report.text and "400 euros" not in report.text
    assert nordlys["id"] in report.text  # the company is named

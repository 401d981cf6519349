"""Fair recruitment through the gateway, every service a process (one system for the three
stories below, each in a programme of its own), each step by the actor who does it in real life.

Recruitment costs and SDG 10.7.1 through the gateway, every service a process, each step by
the actor who does it in real life: a person signs up, applies and is selected and placed; the
employer and she accept; she records the agency's fee she paid with her own account (her
placement's ``zero_fee`` turns false) and her first month's pay; the officer supplies the
programme's exchange rates and SDG 10.7.1 follows, to the figure; the programme's ministry reads
it with the small counts withheld; another candidate cannot record on her placement (404) and
the employer reads none of it (403).

The admin only makes the accounts (officer, employer, ministry).

An employer suspended and reinstated through the gateway, every service a process, each step
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

Wage and housing checks through the gateway, every service a process, each step by the
actor who does it in real life: an officer opens a programme and registers a host company
whose vacancy pays a monthly stipend; a person signs up, applies and is selected; the officer
places her, both parties accept, the visa is granted and she arrives. A month later she reports,
with her own token, that she was paid well under the stipend and shares a small flat with three
others. Her employer does not read her report; the programme's officer sees the two alerts,
reads the check-in with what it found, and acknowledges both.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.actors import (
    Api,
    account,
    applies,
    officer_with_programme,
    sign_up,
    signed_up,
    until,
)
from tests.conftest import RunDatabase
from tests.placements.factories import employer_body, vacancy_body
from tests.system import admin_token, running_system


@pytest.fixture(scope="module")
def gateway(scratch_database: RunDatabase) -> Iterator[str]:
    """The gateway's URL, with every service behind it."""
    with running_system(scratch_database.admin_url) as urls:
        yield urls["gateway"]


@pytest.fixture(scope="module")
def admin(gateway: str, scratch_database: RunDatabase) -> Api:
    """The system's admin (made once), who only makes the accounts."""
    return Api(gateway, admin_token(scratch_database.admin_url, gateway))


SDG = "/v1/recruitment-costs/sdg-10-7-1"


def _applicant(gateway: str, programme_id: str) -> tuple[Api, str]:
    """A person who signs up, consents, applies and submits; her session and candidate id."""
    person, _ = sign_up(gateway, skills=[{"label": "Python"}])
    return person, applies(person, programme_id)


def _sdg(api: Api, programme_id: str) -> Any:
    return api.get(SDG, params={"programme_id": programme_id})


def test_a_fee_the_worker_paid_through_to_sdg_10_7_1(gateway: str,
                                                    admin: Api) -> None:
    today = datetime.now(UTC).date()
    officer, pid = officer_with_programme(admin)

    # The officer registers the host and its job (a stipend of 1,200 EUR a month); a person
    # applies, is selected and placed there; the employer and she accept; the visa is asked.
    company = officer.post("/v1/employers", 201, json=employer_body(programme_ids=(pid,)))
    job = officer.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=company["id"], programme_id=pid, seats=1))
    assert job["stipend"] == {"amount": "1200.00", "currency": "EUR"}
    worker, me = _applicant(gateway, pid)
    officer.post(f"/v1/programmes/{pid}/screening")
    officer.post(f"/v1/programmes/{pid}/selection")
    placement = officer.post("/v1/placements", 201, json={
        "candidate_id": me, "vacancy_id": job["id"]})
    url = f"/v1/placements/{placement['id']}"
    assert placement["zero_fee"] is True
    host, _ = account(admin, "employer", employer_id=company["id"])
    host.post(f"{url}/accept-employer")
    worker.post(f"{url}/accept-candidate")
    officer.post(f"{url}/request-visa")

    # Nobody has paid anything yet: she counts, at 0 months of earnings.
    before = _sdg(officer, pid)["total"]
    assert (before["workers"], before["counted"], before["paid_any_fee"],
            before["mean_ratio"]) == (1, 1, 0, 0.0)

    # She records the agency's fee with her own account: zero_fee turns false for her and the
    # officer; the employer does not see it, nor any line.
    fee = worker.post(f"{url}/recruitment-costs", 201, json={
        "category": "recruitment_fee", "amount": "3000", "currency": "MAD",
        "incurred_on": (today - timedelta(days=20)).isoformat(), "paid_by": "worker",
        "evidence_reference": "Receipt 117 of the agency"})
    assert (fee["recorded_by_role"], fee["amount"]) == ("candidate", "3000.000")
    assert worker.get(url)["zero_fee"] is False
    assert officer.get(url)["zero_fee"] is False
    assert host.get(url)["zero_fee"] is None
    host.get(f"{url}/recruitment-costs", 403)
    assert [line["id"] for line in officer.get(f"{url}/recruitment-costs")["items"]] == [
        fee["id"]]

    # Another candidate cannot record on her placement: it does not exist for him.
    stranger, _ = _applicant(gateway, pid)
    refused = stranger.post(f"{url}/recruitment-costs", 404, json={
        "category": "medical", "amount": "50", "currency": "EUR",
        "incurred_on": today.isoformat(), "paid_by": "worker"})
    assert refused["type"] == "/problems/placement-not-found"
    # Bad input is refused, and nothing is stored.
    worker.post(f"{url}/recruitment-costs", 422, json={
        "category": "medical", "amount": "-5", "currency": "EUR",
        "incurred_on": today.isoformat(), "paid_by": "worker"})
    worker.post(f"{url}/recruitment-costs", 422, json={
        "category": "medical", "amount": "5", "currency": "XYZ",
        "incurred_on": today.isoformat(), "paid_by": "worker"})
    assert len(worker.get(f"{url}/recruitment-costs")["items"]) == 1

    # Without a rate table her MAD fee cannot be put against EUR pay: never a guessed rate.
    unconverted = _sdg(officer, pid)
    assert unconverted["rates_valid_on"] is None
    assert {k: unconverted["total"][k] for k in ("workers", "paid_any_fee", "unconverted",
                                                 "counted")} == {
        "workers": 1, "paid_any_fee": 1, "unconverted": 1, "counted": 0}

    # The officer supplies the programme's rates: 3,000 MAD = 300 EUR over 1,200 EUR = 0.25.
    valid_on = (today - timedelta(days=1)).isoformat()
    table = officer.post("/v1/exchange-rates", 201, json={
        "programme_id": pid, "reporting_currency": "EUR", "valid_on": valid_on,
        "rates": {"MAD": "0.1", "TND": "0.3"}})
    converted = _sdg(officer, pid)
    assert (converted["reporting_currency"], converted["rates_valid_on"],
            converted["rate_table_id"]) == ("EUR", valid_on, table["id"])
    assert converted["total"] == {
        "workers": 1, "paid_any_fee": 1, "paid_any_fee_share": 1.0, "without_earnings": 0,
        "without_earnings_paid_any_fee": 0, "unconverted": 0, "counted": 1,
        "mean_ratio": 0.25, "max_ratio": 0.25,
        "bands": {"zero": 0, "up_to_half_month": 1, "half_to_one_month": 0,
                  "one_to_two_months": 0, "over_two_months": 0}}
    assert [(g["value"], g["mean_ratio"]) for g in converted["by_origin_country"]] == [
        ("MA", 0.25)]

    # Her first month's pay, as she reports it, takes precedence over the stipend.
    etag = worker.if_match(f"{url}/earnings")
    worker.call("PUT", f"{url}/earnings", headers=etag, json={
        "monthly_amount": "1500", "currency": "EUR", "as_of": today.isoformat()})
    assert _sdg(officer, pid)["total"]["mean_ratio"] == 0.2

    # The programme's ministry: one worker is too few to show; nothing of her is derivable.
    ministry, _ = account(admin, "ministry", programme_ids=[pid])
    withheld = _sdg(ministry, pid)
    assert (withheld["small_cell_threshold"], withheld["total"]["workers"],
            withheld["total"]["mean_ratio"], withheld["total"]["max_ratio"]) == (5, None, None,
                                                                                None)
    assert withheld["suppressed_cells"] > 0
    assert all(withheld[f"by_{name}"] == [] for name in (
        "origin_country", "destination_country", "sector", "gender"))
    assert [t["id"] for t in ministry.get(
        "/v1/exchange-rates", params={"programme_id": pid})["items"]] == [table["id"]]
    ministry.get(f"{url}/recruitment-costs", 403)
    ministry.post("/v1/exchange-rates", 403, json={
        "programme_id": pid, "reporting_currency": "EUR", "valid_on": valid_on,
        "rates": {"MAD": "0.2"}})


REASON = "Workers housed below the agreed standard; fees charged for the housing."


def test_a_suspended_employer_leaves_the_programme_until_reinstated(
        gateway: str, admin: Api) -> None:
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


def test_a_worker_reports_her_pay_and_dwelling_and_the_officer_acts(
        gateway: str, admin: Api) -> None:
    today = datetime.now(UTC).date()
    officer, programme_id = officer_with_programme(admin)

    # The host company and its vacancy, paying a stipend of 1200 EUR a month.
    company = officer.post("/v1/employers", 201,
                           json=employer_body(programme_ids=(programme_id,)))
    vacancy = officer.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=company["id"], programme_id=programme_id, seats=1))
    assert vacancy["stipend"] == {"amount": "1200.00", "currency": "EUR"}
    host, _ = account(admin, "employer", employer_id=company["id"])

    # She applies and is selected; the officer places her; the visa; she arrives.
    worker, _ = sign_up(gateway)
    applies(worker, programme_id)
    me = worker.claims()["candidate_id"]
    officer.post(f"/v1/programmes/{programme_id}/screening")
    officer.post(f"/v1/programmes/{programme_id}/selection")
    placement = officer.post("/v1/placements", 201, json={
        "candidate_id": me, "vacancy_id": vacancy["id"]})
    url = f"/v1/placements/{placement['id']}"
    host.post(f"{url}/accept-employer")
    worker.post(f"{url}/accept-candidate")
    officer.post(f"{url}/request-visa",
                 json={"requested_on": (today - timedelta(days=60)).isoformat()})
    officer.post(f"{url}/visa-decision", json={
        "decision": "granted", "decision_date": (today - timedelta(days=50)).isoformat()})
    officer.post(f"{url}/arrive", json={"arrival_date": (today - timedelta(days=45)).isoformat()})

    # She reports last month's pay (700 EUR of the 1200 agreed, 200 kept for the rent) and her
    # dwelling (24 m² for four), with her own token.
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    report = worker.post(f"{url}/check-ins", 201, json={
        "wellbeing": 2, "housing": "issue",
        "wage_check": {"period": last_month, "paid_amount": "700.00",
                       "deductions": [{"kind": "housing", "amount": "200.00"}]},
        "housing_check": {"rent_amount": "200.00", "currency": "EUR",
                          "deducted_from_wages": True, "living_space_m2": "24",
                          "occupants": 4}})
    assert report["recorded_by_role"] == "candidate"
    assert (report["wage_check"]["agreed_amount"], report["wage_check"]["agreed_from"],
            report["wage_check"]["received_amount"]) == ("1200.00", "vacancy_stipend", "500.00")
    assert [(d["kind"], d["severity"]) for d in report["wage_check"]["deviations"]] == [
        ("wage_shortfall", "high")]
    assert [(d["kind"], d["severity"]) for d in report["housing_check"]["deviations"]] == [
        ("overcrowded_housing", "medium")]

    # Her employer neither reads her report nor the alerts.
    assert host.get(f"{url}/check-ins")["items"] == []
    host.get("/v1/placements/alerts", 403)

    # The officer sees both alerts, reads what was found, and takes both in hand.
    alerts = officer.get("/v1/placements/alerts", params={
        "programme_id": programme_id, "acknowledged": "false"})["items"]
    assert sorted((a["incident_type"], a["severity"]) for a in alerts) == [
        ("overcrowded_housing", "medium"), ("wage_shortfall", "high")]
    assert {(a["placement_id"], a["check_in_id"]) for a in alerts} == {
        (placement["id"], report["id"])}
    [read] = officer.get(f"{url}/check-ins")["items"]
    assert read["wage_check"]["deviations"][0]["detail"] == (
        f"Paid 700.00 EUR for {last_month} of 1200.00 EUR agreed (58 %).")
    assert read["housing_check"]["space_per_occupant_m2"] == "6.0"
    for alert in alerts:
        taken = officer.post(f"/v1/placements/alerts/{alert['id']}/acknowledge")
        assert taken["acknowledged_by"] == officer.claims()["sub"]
    officer.post(f"/v1/placements/alerts/{alerts[0]['id']}/acknowledge", 409)
    assert officer.get("/v1/placements/alerts", params={
        "programme_id": programme_id, "acknowledged": "false"})["items"] == []

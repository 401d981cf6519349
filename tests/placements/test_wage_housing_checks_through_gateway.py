"""Wage and housing checks through the gateway, every service a process, each step by the
actor who does it in real life: an officer opens a programme and registers a host company
whose vacancy pays a monthly stipend; a person signs up, applies and is selected; the officer
places her, both parties accept, the visa is granted and she arrives. A month later she reports,
with her own token, that she was paid well under the stipend and shares a small flat with three
others. Her employer does not read her report; the programme's officer sees the two alerts,
reads the check-in with what it found, and acknowledges both.

No existing whole-system module was the place for this: the erasure story's one test is about
nothing personal being left, the stay-types story records no check-in.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.actors import Api, account, applies, officer_with_programme
from tests.conftest import RunDatabase
from tests.placements.factories import employer_body, vacancy_body
from tests.system import admin_token, running_system
from tests.test_actors import sign_up


@pytest.fixture(scope="module")
def gateway(scratch_database: RunDatabase) -> Iterator[str]:
    """The gateway's URL, with every service behind it."""
    with running_system(scratch_database.admin_url) as urls:
        yield urls["gateway"]


def test_a_worker_reports_her_pay_and_dwelling_and_the_officer_acts(
        gateway: str, scratch_database: RunDatabase) -> None:
    admin = Api(gateway, admin_token(scratch_database.admin_url, gateway))
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

"""Retention through the gateway, every service a process, each step by whoever does it:

The officer opens a programme that keeps personal data 12 months after the return (no
follow-up), two people go, and come back (the officer records each return's real date, one
long ago, one recently); the ministry and the officer read the programme's rule. The admin runs
a retention round: the person whose retention expired is erased (their profile reads as erased
to the officer) and recorded, the other is untouched; a second round erases nobody. Only the
admin reads the record. Bad values of the rule are a 422 problem.
"""

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from shared.clock import utc_today
from tests.actors import Api, account, officer_with_programme, until
from tests.candidates.factories import candidate_body
from tests.conftest import RunDatabase
from tests.etags import NEW
from tests.placements.factories import employer_body, vacancy_body
from tests.system import admin_token, running_system


@pytest.fixture(scope="module")
def admin(scratch_database: RunDatabase) -> Iterator[Api]:
    """The admin of a running system: accounts, seeding applicants, running a round."""
    with running_system(scratch_database.admin_url) as urls:
        yield Api(urls["gateway"], admin_token(scratch_database.admin_url, urls["gateway"]))


def _selected(admin: Api, officer: Api, programme_id: str, count: int) -> list[str]:
    """``count`` applicants the admin seeds, screened and selected by the officer."""
    applications = []
    for _ in range(count):
        candidate = admin.post("/v1/candidates", 201, json=candidate_body(
            available_from_date=(utc_today() - timedelta(days=700)).isoformat(),
            available_until_date=None))
        admin.post(f"/v1/candidates/{candidate['id']}/consents", 201, json={
            "purpose": "data_processing", "text_version": "v1", "action": "given"})
        application = admin.post("/v1/applications", 201, json={
            "candidate_id": candidate["id"], "programme_id": programme_id})
        admin.post(f"/v1/applications/{application['id']}/submit")
        applications.append(application)
    officer.post(f"/v1/programmes/{programme_id}/screening")
    officer.post(f"/v1/programmes/{programme_id}/selection")
    return [a["candidate_id"] for a in applications]


def _back(officer: Api, candidate_id: str, vacancy_id: str, *, arrived: date,
          returned: date) -> None:
    """The officer places the person (recording both sides' acceptance and the visa), and
    records their arrival and their return, each on its real date."""
    placement = officer.post("/v1/placements", 201, json={
        "candidate_id": candidate_id, "vacancy_id": vacancy_id})
    url = f"/v1/placements/{placement['id']}"
    officer.post(f"{url}/accept-employer")
    officer.post(f"{url}/accept-candidate")
    officer.post(f"{url}/request-visa", json={
        "requested_on": (arrived - timedelta(days=20)).isoformat()})
    officer.post(f"{url}/visa-decision", json={
        "decision": "granted", "decision_date": (arrived - timedelta(days=10)).isoformat()})
    officer.post(f"{url}/arrive", json={"arrival_date": arrived.isoformat()})
    officer.post(f"{url}/complete", json={"end_date": returned.isoformat()})


def _returned(officer: Api, candidate_id: str) -> bool:
    items: list[dict[str, Any]] = officer.get("/v1/applications", params={
        "candidate_id": candidate_id})["items"]
    return bool(items) and items[0]["status"] == "returned"


def test_the_round_erases_whose_retention_expired(admin: Api) -> None:
    today = utc_today()
    arrived = today - timedelta(days=600)
    officer, pid = officer_with_programme(admin, follow_up_months=0, retention_months=12)
    ministry, _ = account(admin, "ministry", programme_ids=[pid])
    for reader in (officer, ministry):
        rule = reader.get(f"/v1/programmes/{pid}")
        assert (rule["follow_up_months"], rule["retention_months"]) == (0, 12)

    host = officer.post("/v1/employers", 201, json=employer_body(programme_ids=(pid,)))
    vacancy = officer.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=host["id"], programme_id=pid, seats=2, start_date=arrived.isoformat()))
    long_ago, recently = _selected(admin, officer, pid, 2)
    _back(officer, long_ago, vacancy["id"], arrived=arrived,
          returned=today - timedelta(days=400))
    _back(officer, recently, vacancy["id"], arrived=arrived,
          returned=today - timedelta(days=90))
    for person in (long_ago, recently):
        until(lambda person=person: _returned(officer, person), f"{person} returned")

    erased = admin.post("/v1/retention/rounds")["erased"]
    assert [e["candidate_id"] for e in erased] == [long_ago]
    assert (erased[0]["programme_id"], erased[0]["retention_months"]) == (pid, 12)
    assert erased[0]["ended_at"].startswith((today - timedelta(days=400)).isoformat())
    assert officer.get(f"/v1/candidates/{long_ago}")["given_name"] == "erased"
    assert officer.get(f"/v1/candidates/{recently}")["given_name"] == "Amina"
    assert admin.post("/v1/retention/rounds")["erased"] == []

    record = admin.get("/v1/retention/erasures", params={"programme_id": pid})["items"]
    assert record == erased
    # The data-protection officer reads the record and each erasure's progress, runs nothing.
    dpo, _ = account(admin, "data_protection_officer")
    assert dpo.get("/v1/retention/erasures", params={"programme_id": pid})["items"] == erased
    progress = until(lambda: (found := dpo.get(f"/v1/erasures/{long_ago}"))["complete"]
                     and found, "the retention erasure acknowledged by every service")
    assert {s["service"] for s in progress["services"]} == {"gateway", "placements",
                                                            "reintegration"}
    dpo.post("/v1/retention/rounds", 403)
    for reader in (officer, ministry):
        refused = reader.get("/v1/retention/erasures", 403)
        assert refused["status"] == 403
        reader.post("/v1/retention/rounds", 403)


@pytest.mark.parametrize("change", [{"retention_months": -1}, {"retention_months": 241},
                                    {"follow_up_months": "a year"}, {"retention_months": None}])
def test_bad_rules_are_a_422_problem(admin: Api, change: dict[str, Any]) -> None:
    officer, pid = officer_with_programme(admin, retention_months=24)
    response = officer.http.patch(f"/v1/programmes/{pid}", json=change, headers=NEW)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert next(iter(change)) in response.text
    assert officer.get(f"/v1/programmes/{pid}")["retention_months"] == 24

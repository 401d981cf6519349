"""Stay types through the gateway, every service a process, each step by the actor who does it
in real life: the officer opens a programme of work and study stays (extensions up to six
months), registers a university (a study provider) and a company, and publishes a study; the
company's employer cannot publish a study, nor a stay type the programme does not run; the
visa authority cannot decide before the visa was requested; the officer cannot extend a stay
beyond the programme's maximum, and the employer's offer within it goes through.

The admin only makes the accounts and seeds the applicant (as in the matching end-to-end test).
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.placements.vacancies.service import add_months
from tests.actors import PASSWORD, Api, account, login, new_email, selected_candidate
from tests.candidates.factories import programme_body
from tests.conftest import RunDatabase
from tests.placements.factories import STAY_FIELDS, employer_body, vacancy_body
from tests.system import admin_token, running_system


@pytest.fixture(scope="module")
def gateway(scratch_database: RunDatabase) -> Iterator[str]:
    """The gateway's URL, with every service behind it."""
    with running_system(scratch_database.admin_url) as urls:
        yield urls["gateway"]


def _named(problem: dict[str, Any]) -> list[str]:
    return [e["loc"][-1] for e in problem["errors"]]


def _officer_with_programme(admin: Api, **programme: Any) -> tuple[Api, str]:
    """An officer the admin created opens a programme, then signs in again (the new token
    carries it)."""
    email = new_email("officer")
    admin.post("/v1/admin/accounts", 201, json={
        "email": email, "password": PASSWORD, "role": "officer", "programme_ids": []})
    created = login(admin.gateway, email).post("/v1/programmes", 201, json=programme_body(
        gender_balance_min_share=None, **programme))
    return login(admin.gateway, email), created["id"]


def test_stays_of_a_programme_by_its_actors(gateway: str,
                                            scratch_database: RunDatabase) -> None:
    admin = Api(gateway, admin_token(scratch_database.admin_url, gateway))
    today = datetime.now(UTC).date()
    officer, pid = _officer_with_programme(admin, stay_types=["work", "study"],
                                           max_extension_months=6)

    # The officer registers a university and a company, and publishes a master's programme.
    university = officer.post("/v1/employers", 201, json=employer_body(
        programme_ids=(pid,), name="Université Lumière Lyon 2", kind="study_provider"))
    company = officer.post("/v1/employers", 201, json=employer_body(programme_ids=(pid,)))
    study = officer.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=university["id"], programme_id=pid, region="FR-ARA",
        **STAY_FIELDS["study"]))
    assert (study["stay_type"], study["occupation_code"], study["qualification_level"]) == (
        "study", None, "master")

    # The company's employer: a study is not its to offer, nor a season in this programme.
    host, _ = account(admin, "employer", employer_id=company["id"])
    refused = host.post("/v1/vacancies", 422, json=vacancy_body(
        employer_id=company["id"], programme_id=pid, **STAY_FIELDS["study"]))
    assert refused["type"] == "/problems/host-not-study-provider"
    refused = host.post("/v1/vacancies", 422, json=vacancy_body(
        employer_id=company["id"], programme_id=pid, **STAY_FIELDS["seasonal"]))
    assert (refused["type"], _named(refused)) == ("/problems/programme-limit-exceeded",
                                                  ["stay_type"])
    assert host.get("/v1/vacancies")["items"] == []
    job = host.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=company["id"], programme_id=pid, seats=1))

    # A selected candidate is placed; both parties accept; the visa is requested.
    candidate_id = selected_candidate(admin, officer, pid, available_from=today.isoformat())
    placement = officer.post("/v1/placements", 201, json={
        "candidate_id": candidate_id, "vacancy_id": job["id"]})
    assert placement["stay_type"] == "work"
    url = f"/v1/placements/{placement['id']}"
    host.post(f"{url}/accept-employer")
    trainee, _ = account(admin, "candidate", candidate_id=candidate_id)
    trainee.post(f"{url}/accept-candidate")
    requested = (today - timedelta(days=10)).isoformat()
    assert officer.post(f"{url}/request-visa", json={"requested_on": requested})[
        "visa_requested_on"] == requested

    # The French visa authority: not before the request, then on a later day.
    desk, _ = account(admin, "visa_authority", programme_ids=[pid], country="FR")
    early = desk.post(f"{url}/visa-decision", 422, json={
        "decision": "granted", "decision_date": (today - timedelta(days=12)).isoformat()})
    assert (early["type"], _named(early)) == ("/problems/invalid-dates", ["decision_date"])
    assert desk.get(f"{url}/visa-file")["visa_decision"] is None
    desk.post(f"{url}/visa-decision", json={
        "decision": "granted", "decision_date": (today - timedelta(days=8)).isoformat()})
    officer.post(f"{url}/arrive", json={"arrival_date": (today - timedelta(days=7)).isoformat()})

    # Extensions: seven months is beyond the programme's six, six is the employer's offer.
    planned_end = date.fromisoformat(placement["end_date"])
    too_long = officer.post(f"{url}/extend", 422, json={
        "new_end_date": add_months(planned_end, 7).isoformat(), "offer_reference": "EXT-1"})
    assert (too_long["type"], _named(too_long)) == ("/problems/programme-limit-exceeded",
                                                    ["new_end_date"])
    assert officer.get(f"{url}/extensions")["items"] == []
    extended = host.post(f"{url}/extend", json={
        "new_end_date": add_months(planned_end, 6).isoformat(), "offer_reference": "EXT-2"})
    assert extended["end_date"] == add_months(planned_end, 6).isoformat()

"""Recruitment costs and SDG 10.7.1 through the gateway, every service a process, each step by
the actor who does it in real life: a person signs up, applies and is selected and placed; the
employer and she accept; she records the agency's fee she paid with her own account (her
placement's ``zero_fee`` turns false) and her first month's pay; the officer supplies the
programme's exchange rates and SDG 10.7.1 follows, to the figure; the programme's ministry reads
it with the small counts withheld; another candidate cannot record on her placement (404) and
the employer reads none of it (403).

The admin only makes the accounts (officer, employer, ministry).
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.actors import Api, account, applies, officer_with_programme, sign_up
from tests.conftest import RunDatabase
from tests.placements.factories import employer_body, vacancy_body
from tests.system import admin_token, running_system

SDG = "/v1/recruitment-costs/sdg-10-7-1"


@pytest.fixture(scope="module")
def gateway(scratch_database: RunDatabase) -> Iterator[str]:
    """The gateway's URL, with every service behind it."""
    with running_system(scratch_database.admin_url) as urls:
        yield urls["gateway"]


def _applicant(gateway: str, programme_id: str) -> tuple[Api, str]:
    """A person who signs up, consents, applies and submits; her session and candidate id."""
    person, _ = sign_up(gateway, skills=[{"label": "Python"}])
    return person, applies(person, programme_id)


def _sdg(api: Api, programme_id: str) -> Any:
    return api.get(SDG, params={"programme_id": programme_id})


def test_a_fee_the_worker_paid_through_to_sdg_10_7_1(gateway: str,
                                                    scratch_database: RunDatabase) -> None:
    admin = Api(gateway, admin_token(scratch_database.admin_url, gateway))
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

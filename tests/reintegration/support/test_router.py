"""Support measures: money only on grants and loans, the lifecycle, edits, idempotent creation."""

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from shared.events.signing import Signer
from tests.etags import NEW, if_match
from tests.reintegration.factories import open_case, today

# Stands for tomorrow's date in parameters, resolved when the test runs: a date computed at
# collection is yesterday's "tomorrow" (that is, today) for a run that goes past midnight.
TOMORROW = object()


@pytest.fixture
async def case(client: httpx.AsyncClient, signer: Signer) -> dict[str, Any]:
    return await open_case(client, signer)


async def create(client: httpx.AsyncClient, case: dict[str, Any], expect: int = 201,
                 **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/support-measures", json={"case_id": case["id"], **body})
    assert response.status_code == expect, response.text
    return response.json()  # type: ignore[no-any-return]


class TestCreate:
    async def test_micro_grant(self, client: httpx.AsyncClient, case: dict[str, Any]) -> None:
        measure = await create(client, case, kind="micro_grant", amount="2500.00",
                               currency="MAD", disbursed_date="2026-04-15",
                               provider="Fondation", description="Web agency")
        assert {k: measure[k] for k in ("kind", "status", "amount", "currency",
                                        "disbursed_date", "programme_id")} == {
            "kind": "micro_grant", "status": "planned", "amount": "2500.00", "currency": "MAD",
            "disbursed_date": "2026-04-15", "programme_id": case["programme_id"]}

    @pytest.mark.parametrize("kind", ["entrepreneurship_training", "job_referral",
                                      "mentoring", "psychosocial_support", "micro_loan"])
    async def test_every_kind(self, client: httpx.AsyncClient, case: dict[str, Any],
                              kind: str) -> None:
        assert (await create(client, case, kind=kind))["kind"] == kind

    @pytest.mark.parametrize(("body", "field"), [
        ({"kind": "mentoring", "amount": "10.00", "currency": "EUR"}, "amount"),
        ({"kind": "job_referral", "disbursed_date": "2026-01-01"}, "disbursed_date"),
        ({"kind": "micro_loan", "amount": "10.00"}, "currency"),
        ({"kind": "micro_loan", "currency": "EUR"}, "amount"),
        ({"kind": "micro_grant", "disbursed_date": "2026-01-01"}, "amount"),
        ({"kind": "micro_grant", "amount": "10", "currency": "EUR",
          "disbursed_date": TOMORROW}, "disbursed_date"),
        ({"kind": "mentoring", "start_date": "2026-05-01", "end_date": "2026-04-01"},
         "end_date"),
    ])
    async def test_inconsistent(self, client: httpx.AsyncClient, case: dict[str, Any],
                                body: dict[str, Any], field: str) -> None:
        if body.get("disbursed_date") is TOMORROW:  # computed now, not at collection
            body = {**body, "disbursed_date": (today() + timedelta(days=1)).isoformat()}
        response = await client.post("/v1/support-measures",
                                     json={"case_id": case["id"], **body})
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/invalid-support-measure"
        assert ["body", field] in [e["loc"] for e in response.json()["errors"]]

    @pytest.mark.parametrize("body", [
        {"kind": "loan"}, {"kind": "micro_grant", "amount": "0", "currency": "EUR"},
        {"kind": "micro_grant", "amount": "-5", "currency": "EUR"},
        {"kind": "micro_grant", "amount": "1.005", "currency": "EUR"},
        {"kind": "micro_grant", "amount": "10", "currency": "EURO"},
        {"kind": "micro_grant", "amount": "10", "currency": "XYZ"},
        {"kind": "mentoring", "status": "completed"},
        {"kind": "mentoring", "provider": ""},
    ])
    async def test_invalid(self, client: httpx.AsyncClient, case: dict[str, Any],
                           body: dict[str, Any]) -> None:
        response = await client.post("/v1/support-measures",
                                     json={"case_id": case["id"], **body})
        assert response.status_code == 422, response.text

    async def test_unknown_case_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/support-measures", json={
            "case_id": "00000000-0000-0000-0000-000000000000", "kind": "mentoring"})
        assert response.status_code == 404

    async def test_idempotency_key(self, client: httpx.AsyncClient,
                                   case: dict[str, Any]) -> None:
        body = {"case_id": case["id"], "kind": "mentoring"}
        headers = {"Idempotency-Key": "measure-1"}
        first = await client.post("/v1/support-measures", json=body, headers=headers)
        second = await client.post("/v1/support-measures", json=body, headers=headers)
        assert second.headers["idempotent-replayed"] == "true"
        assert second.json() == first.json()
        listed = await client.get("/v1/support-measures", params={"case_id": case["id"]})
        assert len(listed.json()["items"]) == 1


class TestLifecycle:
    async def test_start_complete(self, client: httpx.AsyncClient,
                                  case: dict[str, Any]) -> None:
        measure = await create(client, case, kind="entrepreneurship_training")
        url = f"/v1/support-measures/{measure['id']}"
        started = await client.post(f"{url}/start", headers={"If-Match": '"1"'})
        assert (started.json()["status"], started.json()["start_date"]) == \
            ("in_progress", today().isoformat())
        done = await client.post(f"{url}/complete", json={
            "outcome": "successful", "outcome_note": "Business plan written"})
        assert (done.json()["status"], done.json()["outcome"]) == ("completed", "successful")
        again = await client.post(f"{url}/start")
        assert again.status_code == 409 and again.json()["current_state"] == "completed"
        edit = await client.patch(url, json={"provider": "x"},
                                  headers=if_match(await client.get(url)))
        assert edit.status_code == 409

    async def test_cancel(self, client: httpx.AsyncClient, case: dict[str, Any]) -> None:
        measure = await create(client, case, kind="job_referral")
        url = f"/v1/support-measures/{measure['id']}"
        cancelled = await client.post(f"{url}/cancel", json={"note": "Moved away"})
        assert (cancelled.json()["status"], cancelled.json()["outcome_note"]) == \
            ("cancelled", "Moved away")
        assert (await client.post(f"{url}/complete", json={"outcome": "unsuccessful"})
                ).status_code == 409

    async def test_complete_needs_an_outcome(self, client: httpx.AsyncClient,
                                             case: dict[str, Any]) -> None:
        measure = await create(client, case, kind="mentoring", start_date="2026-05-01")
        url = f"/v1/support-measures/{measure['id']}/complete"
        assert (await client.post(url, json={})).status_code == 422
        assert (await client.post(url, json={"outcome": "great"})).status_code == 422
        early = await client.post(url, json={"outcome": "successful", "end_date": "2026-04-01"})
        assert early.status_code == 422


class TestEdit:
    async def test_record_the_disbursement(self, client: httpx.AsyncClient,
                                           case: dict[str, Any]) -> None:
        measure = await create(client, case, kind="micro_loan", amount="800.00",
                               currency="TND")
        url = f"/v1/support-measures/{measure['id']}"
        paid = await client.patch(url, json={"disbursed_date": "2026-02-01"},
                                  headers={"If-Match": '"1"'})
        assert paid.status_code == 200, paid.text
        assert paid.json()["disbursed_date"] == "2026-02-01"
        stale = await client.patch(url, json={"provider": "x"}, headers={"If-Match": '"1"'})
        assert stale.status_code == 412
        dropped = await client.patch(url, json={"currency": None}, headers=if_match(paid))
        assert dropped.status_code == 422  # an amount without its currency
        assert (await client.patch(url, json={"kind": "mentoring"},
                                   headers=if_match(paid))).status_code == 422

    async def test_money_stays_off_other_kinds(self, client: httpx.AsyncClient,
                                               case: dict[str, Any]) -> None:
        measure = await create(client, case, kind="mentoring")
        response = await client.patch(f"/v1/support-measures/{measure['id']}",
                                      json={"amount": "5.00", "currency": "EUR"}, headers=NEW)
        assert response.status_code == 422


async def test_list_filters(client: httpx.AsyncClient, case: dict[str, Any]) -> None:
    await create(client, case, kind="mentoring")
    await create(client, case, kind="micro_grant", amount="10.00", currency="EUR",
                 disbursed_date=date(2026, 1, 5).isoformat())
    listed = await client.get("/v1/support-measures", params={
        "programme_id": case["programme_id"], "kind": "micro_grant"})
    assert [m["kind"] for m in listed.json()["items"]] == ["micro_grant"]

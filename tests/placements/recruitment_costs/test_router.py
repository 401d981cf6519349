"""Recruitment cost lines, the zero-fee flag, earnings at destination and exchange-rate tables:
rules, bad input (a 4xx and nothing stored) and who may do what."""

import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.placements.models import Placement
from services.placements.recruitment_costs.models import (
    ExchangeRateTable,
    PlacementEarnings,
    RecruitmentCost,
)
from shared.events.signing import Signer
from tests.placements.conftest import post_erased
from tests.placements.factories import (
    PROBLEM,
    add_employer,
    add_placement,
    add_vacancy,
    today,
)

Auth = Callable[..., dict[str, str]]


def cost(**overrides: Any) -> dict[str, Any]:
    """A valid cost line body (a fee the worker paid); override any field."""
    return {"category": "recruitment_fee", "amount": "3000.00", "currency": "MAD",
            "incurred_on": (today() - timedelta(days=40)).isoformat(), "paid_by": "worker",
            "evidence_reference": "Receipt 2026-0117", "note": "Paid to the agency."} | overrides


def rates(programme_id: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    """A valid rate table body for the programme."""
    return {"programme_id": str(programme_id), "reporting_currency": "EUR",
            "valid_on": (today() - timedelta(days=1)).isoformat(),
            "rates": {"MAD": "0.1", "TND": "0.3"}} | overrides


async def lines_stored(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(RecruitmentCost)) or 0)


async def zero_fee(session: AsyncSession, placement_id: uuid.UUID) -> bool:
    return bool(await session.scalar(select(Placement.zero_fee).where(
        Placement.id == placement_id).execution_options(populate_existing=True)))


class TestRecord:
    async def test_the_worker_records_their_fee_and_zero_fee_turns_false(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        me = auth("candidate", candidate_id=placement.candidate_id)
        url = f"/v1/placements/{placement.id}"
        before = await client.get(url, headers=me)
        assert before.json()["zero_fee"] is True
        created = await client.post(f"{url}/recruitment-costs", json=cost(), headers=me)
        assert created.status_code == 201, created.text
        line = created.json()
        assert (line["amount"], line["currency"], line["recorded_by_role"],
                line["withdrawn_at"]) == ("3000.000", "MAD", "candidate", None)
        after = await client.get(url, headers=me)
        assert after.json()["zero_fee"] is False
        # The flag changed the placement: its ETag too.
        assert after.headers["etag"] != before.headers["etag"]
        officer = auth("officer", programme_ids=[str(placement.programme_id)])
        assert (await client.get(url, headers=officer)).json()["zero_fee"] is False
        listed = (await client.get(f"{url}/recruitment-costs", headers=me)).json()["items"]
        assert [x["id"] for x in listed] == [line["id"]]

    async def test_a_second_fee_leaves_the_version_alone(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        placement = await add_placement(session, status="active")
        url = f"/v1/placements/{placement.id}"
        await client.post(f"{url}/recruitment-costs", json=cost())
        version = (await client.get(url)).json()["version"]
        await client.post(f"{url}/recruitment-costs", json=cost(category="medical"))
        assert (await client.get(url)).json()["version"] == version

    @pytest.mark.parametrize("line", [cost(paid_by="employer"), cost(paid_by="programme"),
                                      cost(amount="0")])
    async def test_costs_the_worker_did_not_bear_keep_zero_fee(
            self, client: httpx.AsyncClient, session: AsyncSession,
            line: dict[str, Any]) -> None:
        placement = await add_placement(session, status="active")
        created = await client.post(f"/v1/placements/{placement.id}/recruitment-costs",
                                    json=line)
        assert created.status_code == 201, created.text
        assert await zero_fee(session, placement.id) is True

    @pytest.mark.parametrize(("bad", "field"), [
        ({"currency": "XYZ"}, "currency"), ({"currency": "eur"}, "currency"),
        ({"currency": "EURO"}, "currency"), ({"amount": "-1"}, "amount"),
        ({"amount": "1.0001"}, "amount"), ({"amount": "abc"}, "amount"),
        ({"category": "bribe"}, "category"), ({"paid_by": "agency"}, "paid_by"),
        ({"incurred_on": "2026-02-30"}, "incurred_on"), ({"recorded_by": "x"}, "recorded_by"),
    ])
    async def test_bad_input_is_422_and_nothing_stored(
            self, client: httpx.AsyncClient, session: AsyncSession, bad: dict[str, Any],
            field: str) -> None:
        placement = await add_placement(session, status="active")
        response = await client.post(f"/v1/placements/{placement.id}/recruitment-costs",
                                     json=cost(**bad))
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM
        assert field in [e["loc"][-1] for e in response.json()["errors"]]
        assert await lines_stored(session) == 0
        assert await zero_fee(session, placement.id) is True

    async def test_a_future_date_is_422_and_nothing_stored(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        placement = await add_placement(session, status="active")
        response = await client.post(
            f"/v1/placements/{placement.id}/recruitment-costs",
            json=cost(incurred_on=(today() + timedelta(days=1)).isoformat()))
        assert response.status_code == 422
        problem = response.json()
        assert (problem["type"], [e["loc"] for e in problem["errors"]]) == (
            "/problems/invalid-dates", [["body", "incurred_on"]])
        assert await lines_stored(session) == 0

    async def test_another_candidates_placement_is_404_and_nothing_stored(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        someone_else = auth("candidate", candidate_id=uuid.uuid4())
        url = f"/v1/placements/{placement.id}/recruitment-costs"
        refused = await client.post(url, json=cost(), headers=someone_else)
        assert (refused.status_code, refused.json()["type"]) == (
            404, "/problems/placement-not-found")
        assert (await client.get(url, headers=someone_else)).status_code == 404
        assert await lines_stored(session) == 0
        assert await zero_fee(session, placement.id) is True

    async def test_an_officer_of_another_programme_gets_404(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        stranger = auth("officer", programme_ids=[str(uuid.uuid4())])
        url = f"/v1/placements/{placement.id}/recruitment-costs"
        assert (await client.post(url, json=cost(), headers=stranger)).status_code == 404
        assert (await client.get(url, headers=stranger)).status_code == 404

    async def test_an_officer_records_for_the_worker(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="visa_pending")
        officer = auth("officer", programme_ids=[str(placement.programme_id)])
        created = await client.post(f"/v1/placements/{placement.id}/recruitment-costs",
                                    json=cost(category="administrative", amount="60",
                                              currency="EUR"), headers=officer)
        assert created.status_code == 201, created.text
        assert created.json()["recorded_by_role"] == "officer"

    async def test_the_employer_reads_no_cost_nor_the_flag(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        url = f"/v1/placements/{placement.id}"
        await client.post(f"{url}/recruitment-costs", json=cost())
        host = auth("employer", employer_id=placement.employer_id)
        for response in (await client.get(f"{url}/recruitment-costs", headers=host),
                         await client.post(f"{url}/recruitment-costs", json=cost(),
                                           headers=host),
                         await client.get(f"{url}/earnings", headers=host)):
            assert response.status_code == 403, response.text
        assert (await client.get(url, headers=host)).json()["zero_fee"] is None
        [listed] = (await client.get("/v1/placements", headers=host)).json()["items"]
        assert listed["zero_fee"] is None
        assert await lines_stored(session) == 1

    @pytest.mark.parametrize("role", ["ministry", "visa_authority"])
    async def test_no_person_roles_are_403(self, client: httpx.AsyncClient,
                                           session: AsyncSession, auth: Auth,
                                           role: str) -> None:
        placement = await add_placement(session, status="active")
        caller = auth(role, programme_ids=[str(placement.programme_id)], country="IT")
        url = f"/v1/placements/{placement.id}/recruitment-costs"
        assert (await client.post(url, json=cost(), headers=caller)).status_code == 403
        assert (await client.get(url, headers=caller)).status_code == 403

    async def test_idempotent_retry_records_once(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        placement = await add_placement(session, status="active")
        url = f"/v1/placements/{placement.id}/recruitment-costs"
        key = {"Idempotency-Key": uuid.uuid4().hex}
        first = await client.post(url, json=cost(), headers=key)
        again = await client.post(url, json=cost(), headers=key)
        assert first.json()["id"] == again.json()["id"]
        assert again.headers["idempotent-replayed"] == "true"
        assert await lines_stored(session) == 1


class TestWithdraw:
    async def test_the_worker_withdraws_their_mistake_and_the_line_stays(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        me = auth("candidate", candidate_id=placement.candidate_id)
        url = f"/v1/placements/{placement.id}/recruitment-costs"
        line = (await client.post(url, json=cost(), headers=me)).json()
        assert await zero_fee(session, placement.id) is False
        withdrawn = await client.post(f"{url}/{line['id']}/withdraw", headers=me,
                                      json={"reason": "Typed the wrong amount."})
        assert withdrawn.status_code == 200, withdrawn.text
        assert withdrawn.json()["withdrawal_reason"] == "Typed the wrong amount."
        assert withdrawn.json()["withdrawn_at"] is not None
        assert await zero_fee(session, placement.id) is True
        listed = (await client.get(url, headers=me)).json()["items"]
        assert [x["withdrawn_at"] is not None for x in listed] == [True]
        assert (await client.get(url, params={"withdrawn": "false"},
                                 headers=me)).json()["items"] == []
        again = await client.post(f"{url}/{line['id']}/withdraw", headers=me,
                                  json={"reason": "Again."})
        assert (again.status_code, again.json()["type"]) == (
            409, "/problems/recruitment-cost-withdrawn")

    async def test_the_worker_may_not_withdraw_an_officers_line(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        url = f"/v1/placements/{placement.id}/recruitment-costs"
        officer = auth("officer", programme_ids=[str(placement.programme_id)])
        line = (await client.post(url, json=cost(), headers=officer)).json()
        me = auth("candidate", candidate_id=placement.candidate_id)
        refused = await client.post(f"{url}/{line['id']}/withdraw", headers=me,
                                    json={"reason": "Not true."})
        assert refused.status_code == 403
        assert await zero_fee(session, placement.id) is False
        done = await client.post(f"{url}/{line['id']}/withdraw", headers=officer,
                                 json={"reason": "Entered twice."})
        assert done.status_code == 200, done.text

    async def test_a_line_of_another_placement_is_404(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        mine = await add_placement(session, status="active")
        other = await add_placement(session, status="active")
        line = (await client.post(f"/v1/placements/{other.id}/recruitment-costs",
                                  json=cost())).json()
        response = await client.post(
            f"/v1/placements/{mine.id}/recruitment-costs/{line['id']}/withdraw",
            json={"reason": "Wrong placement."})
        assert (response.status_code, response.json()["type"]) == (
            404, "/problems/recruitment-cost-not-found")
        assert await zero_fee(session, other.id) is False

    async def test_a_reason_is_required(self, client: httpx.AsyncClient,
                                        session: AsyncSession) -> None:
        placement = await add_placement(session, status="active")
        url = f"/v1/placements/{placement.id}/recruitment-costs"
        line = (await client.post(url, json=cost())).json()
        response = await client.post(f"{url}/{line['id']}/withdraw", json={"reason": ""})
        assert response.status_code == 422
        assert await zero_fee(session, placement.id) is False


class TestEarnings:
    async def test_the_vacancys_stipend_until_reported(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        programme_id = uuid.uuid4()
        employer = await add_employer(session, programme_id=programme_id)
        vacancy = await add_vacancy(session, employer=employer, programme_id=programme_id,
                                    stipend_amount=Decimal("1200.00"), stipend_currency="EUR")
        placement = await add_placement(session, status="active", vacancy=vacancy)
        url = f"/v1/placements/{placement.id}/earnings"
        read = await client.get(url)
        assert read.headers["etag"] == '"0"'
        assert {k: read.json()[k] for k in ("monthly_amount", "currency", "source")} == {
            "monthly_amount": "1200.00", "currency": "EUR", "source": "vacancy"}
        body = {"monthly_amount": "1450", "currency": "EUR",
                "as_of": (today() - timedelta(days=3)).isoformat()}
        assert (await client.put(url, json=body)).status_code == 428
        me = auth("candidate", candidate_id=placement.candidate_id)
        put = await client.put(url, json=body, headers={**me, "If-Match": '"0"'})
        assert put.status_code == 200, put.text
        assert (put.json()["source"], put.json()["reported_by"], put.headers["etag"]) == (
            "reported", "worker", '"1"')
        stale = await client.put(url, json=body, headers={"If-Match": '"0"'})
        assert stale.status_code == 412
        officer = auth("officer", programme_ids=[str(placement.programme_id)])
        again = await client.put(url, json=body | {"monthly_amount": "1500"},
                                 headers={**officer, "If-Match": '"1"'})
        assert (again.json()["monthly_amount"], again.json()["reported_by"],
                again.json()["version"]) == ("1500.000", "officer", 2)

    async def test_no_stipend_is_no_earnings(self, client: httpx.AsyncClient,
                                             session: AsyncSession) -> None:
        placement = await add_placement(session, status="active")
        read = (await client.get(f"/v1/placements/{placement.id}/earnings")).json()
        assert (read["monthly_amount"], read["source"], read["version"]) == (None, None, 0)

    @pytest.mark.parametrize("bad", [{"monthly_amount": "0"}, {"monthly_amount": "-5"},
                                     {"currency": "ABC"}, {"as_of": "later"}])
    async def test_bad_input_is_422_and_nothing_stored(
            self, client: httpx.AsyncClient, session: AsyncSession,
            bad: dict[str, Any]) -> None:
        placement = await add_placement(session, status="active")
        body = {"monthly_amount": "1450", "currency": "EUR",
                "as_of": today().isoformat()} | bad
        response = await client.put(f"/v1/placements/{placement.id}/earnings", json=body,
                                    headers={"If-Match": '"0"'})
        assert response.status_code == 422, response.text
        assert await session.get(PlacementEarnings, placement.id) is None

    async def test_a_future_month_is_422(self, client: httpx.AsyncClient,
                                         session: AsyncSession) -> None:
        placement = await add_placement(session, status="active")
        response = await client.put(f"/v1/placements/{placement.id}/earnings", json={
            "monthly_amount": "1450", "currency": "EUR",
            "as_of": (today() + timedelta(days=1)).isoformat()}, headers={"If-Match": "*"})
        assert response.json()["type"] == "/problems/invalid-dates"
        assert await session.get(PlacementEarnings, placement.id) is None

    async def test_another_candidate_is_404(self, client: httpx.AsyncClient,
                                            session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        other = auth("candidate", candidate_id=uuid.uuid4())
        url = f"/v1/placements/{placement.id}/earnings"
        assert (await client.get(url, headers=other)).status_code == 404
        response = await client.put(url, headers={**other, "If-Match": "*"}, json={
            "monthly_amount": "1", "currency": "EUR", "as_of": today().isoformat()})
        assert response.status_code == 404


class TestExchangeRates:
    async def test_officers_supply_and_ministries_read(
            self, client: httpx.AsyncClient, auth: Auth) -> None:
        programme_id = uuid.uuid4()
        officer = auth("officer", programme_ids=[str(programme_id)])
        created = await client.post("/v1/exchange-rates", json=rates(programme_id),
                                    headers=officer)
        assert created.status_code == 201, created.text
        assert created.json()["rates"] == {"MAD": "0.1", "TND": "0.3"}
        ministry = auth("ministry", programme_ids=[str(programme_id)])
        listed = await client.get("/v1/exchange-rates", params={
            "programme_id": str(programme_id)}, headers=ministry)
        assert [t["id"] for t in listed.json()["items"]] == [created.json()["id"]]
        assert (await client.post("/v1/exchange-rates", json=rates(programme_id),
                                  headers=ministry)).status_code == 403

    async def test_another_programme_is_404_and_other_roles_403(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        programme_id = uuid.uuid4()
        stranger = auth("officer", programme_ids=[str(uuid.uuid4())])
        response = await client.post("/v1/exchange-rates", json=rates(programme_id),
                                     headers=stranger)
        assert (response.status_code, response.json()["type"]) == (
            404, "/problems/programme-not-found")
        assert (await client.get("/v1/exchange-rates", params={
            "programme_id": str(programme_id)}, headers=stranger)).status_code == 404
        for role, claims in (("employer", {"employer_id": uuid.uuid4()}),
                             ("candidate", {"candidate_id": uuid.uuid4()})):
            caller = auth(role, **claims)
            assert (await client.get("/v1/exchange-rates", params={
                "programme_id": str(programme_id)}, headers=caller)).status_code == 403
        assert await session.scalar(select(func.count()).select_from(ExchangeRateTable)) == 0

    @pytest.mark.parametrize("bad", [
        {"rates": {"XYZ": "1.2"}}, {"rates": {"MAD": "-0.1"}}, {"rates": {"MAD": "0"}},
        {"rates": {}}, {"rates": {"EUR": "2"}}, {"reporting_currency": "EURO"},
        {"valid_on": (today() + timedelta(days=1)).isoformat()}])
    async def test_bad_tables_are_422_and_nothing_stored(
            self, client: httpx.AsyncClient, session: AsyncSession,
            bad: dict[str, Any]) -> None:
        response = await client.post("/v1/exchange-rates", json=rates(uuid.uuid4(), **bad))
        assert response.status_code == 422, response.text
        assert await session.scalar(select(func.count()).select_from(ExchangeRateTable)) == 0


class TestErasure:
    async def test_the_free_text_goes_the_amounts_stay(
            self, client: httpx.AsyncClient, session: AsyncSession, signed: Signer,
            auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        me = auth("candidate", candidate_id=placement.candidate_id)
        url = f"/v1/placements/{placement.id}/recruitment-costs"
        line = (await client.post(url, json=cost(), headers=me)).json()
        await client.post(f"{url}/{line['id']}/withdraw", json={"reason": "Mine, twice."},
                          headers=me)
        assert (await post_erased(client, signed, placement.candidate_id,
                                  uuid.uuid4())).status_code == 200
        [kept] = (await client.get(url)).json()["items"]
        assert (kept["note"], kept["evidence_reference"], kept["withdrawal_reason"],
                kept["recorded_by"], kept["withdrawn_by"]) == (None, None, None, "erased",
                                                                "erased")
        assert (kept["amount"], kept["currency"]) == ("3000.000", "MAD")
        refused = await client.post(url, json=cost())
        assert refused.json()["type"] == "/problems/candidate-erased"
        coded = await client.post(url, json=cost(note=None, evidence_reference=None))
        assert coded.status_code == 201, coded.text


"""SDG 10.7.1 of a programme: each worker's own costs over their own earnings, converted by the
programme's latest rate table (never a guessed rate), the workers left out and why, the share
who paid any fee, breakdowns, and the disclosure control a ministry reads it under."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.recruitment_costs.disclosure import TOTAL, Cell, release
from shared.disclosure import known_zeros, suppress
from tests.linear_system import recoverable
from tests.placements.factories import add_employer, add_placement, add_vacancy, today

Auth = Callable[..., dict[str, str]]
SDG = "/v1/recruitment-costs/sdg-10-7-1"


@dataclass
class Programme:
    """A programme's id and the ids of its placements by name."""

    id: uuid.UUID
    placements: dict[str, uuid.UUID]


async def _fee(client: httpx.AsyncClient, placement_id: uuid.UUID, amount: str,
               currency: str, **overrides: Any) -> dict[str, Any]:
    response = await client.post(f"/v1/placements/{placement_id}/recruitment-costs", json={
        "category": "recruitment_fee", "amount": amount, "currency": currency,
        "incurred_on": (today() - timedelta(days=30)).isoformat(), "paid_by": "worker",
        **overrides})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _rates(client: httpx.AsyncClient, programme_id: uuid.UUID, rates: dict[str, str],
                 valid_days_ago: int = 1) -> dict[str, Any]:
    response = await client.post("/v1/exchange-rates", json={
        "programme_id": str(programme_id), "reporting_currency": "EUR",
        "valid_on": (today() - timedelta(days=valid_days_ago)).isoformat(), "rates": rates})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
async def programme(client: httpx.AsyncClient, session: AsyncSession) -> Programme:
    """Ten placements of one programme (stipend 1,000 EUR a month unless said otherwise):

    - ``fee_eur``: active, paid 500 EUR (ratio 0.5); female, MA
    - ``fee_mad``: completed, paid 3,000 MAD (0.3 once MAD is 0.1 EUR); male, TN
    - ``nothing``: active, paid nothing; female, MA
    - ``employer_paid``: visa pending, the employer paid 1,000 EUR (ratio 0); female, MA
    - ``reported``: active, reported 20,000 MAD a month, paid 5,000 EUR (2.5); male, MA
    - ``naira``: active, paid 100 NGN, which no table converts; female, NG
    - ``unpaid_stay``: active on a vacancy without stipend, paid 100 EUR; male, MA
    - ``withdrawn``: active, a fee withdrawn (ratio 0); female, MA
    - ``proposed`` and ``declined``, each with a fee: not counted.
    """
    programme_id = uuid.uuid4()
    employer = await add_employer(session, programme_id=programme_id)
    paid = await add_vacancy(session, employer=employer, programme_id=programme_id, seats=20,
                             stipend_amount=Decimal(1000), stipend_currency="EUR")
    unpaid = await add_vacancy(session, employer=employer, programme_id=programme_id)
    people = {"fee_eur": ("active", "female", "MA"), "fee_mad": ("completed", "male", "TN"),
              "nothing": ("active", "female", "MA"),
              "employer_paid": ("visa_pending", "female", "MA"),
              "reported": ("active", "male", "MA"), "naira": ("active", "female", "NG"),
              "unpaid_stay": ("active", "male", "MA"), "withdrawn": ("active", "female", "MA"),
              "proposed": ("proposed", "female", "MA"), "declined": ("declined", "male", "MA")}
    ids = {}
    for name, (status, gender, origin) in people.items():
        placement = await add_placement(
            session, status=status, gender=gender, origin_country=origin, sector="ict",
            vacancy=unpaid if name == "unpaid_stay" else paid)
        ids[name] = placement.id
    await _fee(client, ids["fee_eur"], "500", "EUR")
    await _fee(client, ids["fee_mad"], "1000", "MAD")
    await _fee(client, ids["fee_mad"], "2000", "MAD", category="travel_lodging")
    await _fee(client, ids["employer_paid"], "1000", "EUR", paid_by="employer")
    await _fee(client, ids["reported"], "5000", "EUR")
    earnings = await client.put(f"/v1/placements/{ids['reported']}/earnings", json={
        "monthly_amount": "20000", "currency": "MAD", "as_of": today().isoformat()},
        headers={"If-Match": '"0"'})
    assert earnings.status_code == 200, earnings.text
    await _fee(client, ids["naira"], "100", "NGN")
    await _fee(client, ids["unpaid_stay"], "100", "EUR")
    mistake = await _fee(client, ids["withdrawn"], "900", "EUR")
    withdrawn = await client.post(
        f"/v1/placements/{ids['withdrawn']}/recruitment-costs/{mistake['id']}/withdraw",
        json={"reason": "Another worker's receipt."})
    assert withdrawn.status_code == 200, withdrawn.text
    for name in ("proposed", "declined"):
        await _fee(client, ids[name], "700", "EUR")
    return Programme(programme_id, ids)


def _bands(*counts: int) -> dict[str, int]:
    names = ("zero", "up_to_half_month", "half_to_one_month", "one_to_two_months",
             "over_two_months")
    return dict(zip(names, counts, strict=True))


class TestFigures:
    async def test_without_a_rate_table_only_those_who_paid_nothing_count(
            self, client: httpx.AsyncClient, programme: Programme) -> None:
        body = (await client.get(SDG, params={"programme_id": str(programme.id)})).json()
        assert (body["reporting_currency"], body["rates_valid_on"], body["rate_table_id"]) == (
            None, None, None)
        total = body["total"]
        # Every cost needs a rate, even in the currency of the earnings; no cost needs none.
        assert {k: total[k] for k in ("workers", "paid_any_fee", "without_earnings",
                                      "unconverted", "counted", "mean_ratio")} == {
            "workers": 8, "paid_any_fee": 5, "without_earnings": 1, "unconverted": 4,
            "counted": 3, "mean_ratio": 0.0}
        assert total["bands"] == _bands(3, 0, 0, 0, 0)

    async def test_exact_figures_with_the_latest_rate_table(
            self, client: httpx.AsyncClient, programme: Programme) -> None:
        # An older table supplied later, and the latest one: the latest valid_on wins.
        latest = await _rates(client, programme.id, {"MAD": "0.1"}, valid_days_ago=2)
        await _rates(client, programme.id, {"MAD": "0.5"}, valid_days_ago=10)
        body = (await client.get(SDG, params={"programme_id": str(programme.id)})).json()
        assert (body["reporting_currency"], body["rates_valid_on"], body["rate_table_id"]) == (
            "EUR", latest["valid_on"], latest["id"])
        assert body["small_cell_threshold"] is None and body["suppressed_cells"] == 0
        # Counted ratios: fee_eur 0.5, fee_mad 0.3, nothing 0, employer_paid 0, reported 2.5
        # (5,000 EUR = 50,000 MAD over 20,000 MAD), withdrawn 0.
        assert body["total"] == {
            "workers": 8, "paid_any_fee": 5, "paid_any_fee_share": 0.625,
            "without_earnings": 1, "without_earnings_paid_any_fee": 1, "unconverted": 1,
            "counted": 6, "mean_ratio": 0.55, "max_ratio": 2.5,
            "bands": _bands(3, 2, 0, 0, 1)}
        by_gender = {g["value"]: g for g in body["by_gender"]}
        assert (by_gender["female"]["workers"], by_gender["female"]["counted"],
                by_gender["female"]["mean_ratio"]) == (5, 4, 0.125)
        assert (by_gender["male"]["workers"], by_gender["male"]["paid_any_fee"],
                by_gender["male"]["mean_ratio"]) == (3, 3, 1.4)
        assert [(g["value"], g["workers"]) for g in body["by_origin_country"]] == [
            ("MA", 6), ("NG", 1), ("TN", 1)]
        assert [(g["value"], g["workers"]) for g in body["by_sector"]] == [("ict", 8)]
        assert [(g["value"], g["workers"]) for g in body["by_destination_country"]] == [
            ("IT", 8)]

    async def test_a_table_with_the_missing_currency_counts_the_worker(
            self, client: httpx.AsyncClient, programme: Programme) -> None:
        await _rates(client, programme.id, {"MAD": "0.1", "NGN": "0.0005"})
        total = (await client.get(SDG, params={"programme_id": str(programme.id)})).json()[
            "total"]
        # 100 NGN = 0.05 EUR over 1,000 EUR.
        assert (total["unconverted"], total["counted"], total["bands"]) == (
            0, 7, _bands(3, 3, 0, 0, 1))
        assert total["mean_ratio"] == round((0.5 + 0.3 + 2.5 + 0.00005) / 7, 4)

    async def test_a_programme_without_workers(self, client: httpx.AsyncClient) -> None:
        body = (await client.get(SDG, params={"programme_id": str(uuid.uuid4())})).json()
        assert (body["total"]["workers"], body["total"]["mean_ratio"], body["by_gender"]) == (
            0, None, [])


class TestReaders:
    async def test_a_ministry_reads_under_disclosure_control(
            self, client: httpx.AsyncClient, programme: Programme, auth: Auth) -> None:
        await _rates(client, programme.id, {"MAD": "0.1"})
        ministry = auth("ministry", programme_ids=[str(programme.id)])
        body = (await client.get(SDG, params={"programme_id": str(programme.id)},
                                 headers=ministry)).json()
        assert body["small_cell_threshold"] == 5 and body["suppressed_cells"] > 0
        total = body["total"]
        assert (total["workers"], total["max_ratio"]) == (8, None)
        for name in ("by_gender", "by_origin_country", "by_sector", "by_destination_country"):
            for group in body[name]:
                assert group["workers"] is None or group["workers"] >= 5, (name, group)
        # Fewer than five counts are never shown.
        shown = [total[k] for k in ("paid_any_fee", "without_earnings", "unconverted",
                                    "without_earnings_paid_any_fee")]
        shown += list(total["bands"].values())
        assert all(v is None or v == 0 or v >= 5 for v in shown), total

    @pytest.mark.parametrize(("role", "claims", "status"), [
        ("officer", {"programme_ids": ["other"]}, 404),
        ("ministry", {"programme_ids": ["other"]}, 404),
        ("employer", {"employer_id": uuid.uuid4()}, 403),
        ("candidate", {"candidate_id": uuid.uuid4()}, 403),
        ("visa_authority", {"programme_ids": ["own"], "country": "IT"}, 403)])
    async def test_who_may_not(self, client: httpx.AsyncClient, auth: Auth, role: str,
                               claims: dict[str, Any], status: int) -> None:
        programme_id = uuid.uuid4()
        if "programme_ids" in claims:
            claims = claims | {"programme_ids": [
                str(programme_id if p == "own" else uuid.uuid4())
                for p in claims["programme_ids"]]}
        response = await client.get(SDG, params={"programme_id": str(programme_id)},
                                     headers=auth(role, **claims))
        assert response.status_code == status, response.text

    async def test_an_officer_of_the_programme_reads_every_figure(
            self, client: httpx.AsyncClient, programme: Programme, auth: Auth) -> None:
        officer = auth("officer", programme_ids=[str(programme.id)])
        body = (await client.get(SDG, params={"programme_id": str(programme.id)},
                                 headers=officer)).json()
        assert body["small_cell_threshold"] is None
        assert {g["value"]: g["workers"] for g in body["by_origin_country"]} == {
            "MA": 6, "NG": 1, "TN": 1}


def _cell(workers: int, paid: int, without: int, without_paid: int, unconverted: int,
          bands: tuple[int, int, int, int, int], ratio_sum: str) -> Cell:
    return Cell(workers=workers, paid=paid, without_earnings=without,
                without_earnings_paid=without_paid, unconverted=unconverted,
                counted=sum(bands), ratio_sum=Decimal(ratio_sum),
                bands=dict(zip(("zero", "up_to_half_month", "half_to_one_month",
                                "one_to_two_months", "over_two_months"), bands, strict=True)))


class TestRelease:
    def test_nothing_withheld_can_be_derived(self) -> None:
        a = _cell(12, 6, 1, 1, 1, (6, 3, 1, 0, 0), "2.1")
        b = _cell(3, 2, 0, 0, 0, (1, 1, 1, 0, 0), "1.2")
        c = _cell(7, 3, 2, 0, 0, (2, 2, 1, 0, 0), "1.9")
        total = _cell(22, 11, 3, 1, 1, (9, 6, 3, 0, 0), "5.2")
        cells = {TOTAL: total, ("gender", "female"): a, ("gender", "male"): b,
                 ("gender", "other"): c, ("origin_country", "MA"): total}
        for key, cell in cells.items():  # the relations the release declares hold
            assert cell.workers == cell.without_earnings + cell.unconverted + cell.counted
            assert cell.paid + cell.bands["zero"] == (cell.counted + cell.unconverted
                                                      + cell.without_earnings_paid), key
        found = release(cells)
        withheld = suppress(found)
        assert ("gender", "male", "workers") in withheld.hidden
        zeros = known_zeros(found.cells, found.sums, withheld.hidden)
        assert not recoverable(found.sums, withheld.hidden - zeros, found.equations)
        # The small group cannot be told from the total minus the others: more goes with it.
        assert withheld.hidden - withheld.primary - {
            key for key in withheld.hidden if key[:3] == ("gender", "male")}

"""The indicators against values computed by hand on a fixed dataset; small-cell suppression
for ministries; the CSV exports.

The dataset (programme P; another programme's rows must not count):

====  ======  =======  =========  ==========================  =========================
case  gender  country  sector     at return (point 0)         3 months
====  ======  =======  =========  ==========================  =========================
c1    female  MA       ict        host company, origin        self-employed, origin
c2    female  MA       ict        other employer, origin      other employer, abroad
c3    female  TN       ict        self-employed, origin       self-employed, origin
c4    female  MA       logistics  seeking work                overdue
c5    female  TN       ict        in education                host company, origin
c6    male    MA       ict        other employer, abroad      (scheduled)
c7    male    MA       ict        self-employed, origin       —
c8    male    TN       logistics  unreachable                 —
c9    male    MA       ict        overdue                     —
c10   —       —        —          (scheduled)                 —
====  ======  =======  =========  ==========================  =========================

Money disbursed: c1 grant 1,000 EUR; c3 grant 2,500 MAD and loan 500 MAD; c6 loan 700 EUR.
Not counted: c7's grant of 300 EUR (not disbursed), c2's mentoring (no money).
"""

import csv
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.reintegration.factories import add_case, add_follow_up, add_measure

Auth = Callable[..., dict[str, str]]

CASES = {  # name: (gender, origin_country, sector)
    "c1": ("female", "MA", "ict"), "c2": ("female", "MA", "ict"),
    "c3": ("female", "TN", "ict"), "c4": ("female", "MA", "logistics"),
    "c5": ("female", "TN", "ict"), "c6": ("male", "MA", "ict"), "c7": ("male", "MA", "ict"),
    "c8": ("male", "TN", "logistics"), "c9": ("male", "MA", "ict"), "c10": (None, None, None),
}
FOLLOW_UPS = {  # (case, point): (status, employment_status, job_location)
    ("c1", 0): ("completed", "employed_host_company", "origin_country"),
    ("c2", 0): ("completed", "employed_other_employer", "origin_country"),
    ("c3", 0): ("completed", "self_employed", "origin_country"),
    ("c4", 0): ("completed", "seeking_work", None),
    ("c5", 0): ("completed", "in_education", None),
    ("c6", 0): ("completed", "employed_other_employer", "abroad"),
    ("c7", 0): ("completed", "self_employed", "origin_country"),
    ("c8", 0): ("completed", "unreachable", None),
    ("c9", 0): ("overdue", None, None),
    ("c10", 0): ("scheduled", None, None),
    ("c1", 3): ("completed", "self_employed", "origin_country"),
    ("c2", 3): ("completed", "employed_other_employer", "abroad"),
    ("c3", 3): ("completed", "self_employed", "origin_country"),
    ("c4", 3): ("overdue", None, None),
    ("c5", 3): ("completed", "employed_host_company", "origin_country"),
    ("c6", 3): ("scheduled", None, None),
}
MONEY = [("c1", "micro_grant", "1000.00", "EUR", True), ("c3", "micro_grant", "2500.00", "MAD",
                                                         True),
         ("c3", "micro_loan", "500.00", "MAD", True), ("c6", "micro_loan", "700.00", "EUR", True),
         ("c7", "micro_grant", "300.00", "EUR", False)]


@dataclass
class Dataset:
    programme_id: uuid.UUID
    other_programme_id: uuid.UUID


@pytest.fixture
async def dataset(session: AsyncSession) -> Dataset:
    programme, other = uuid.uuid4(), uuid.uuid4()
    cases = {}
    for name, (gender, country, sector) in CASES.items():
        cases[name] = await add_case(session, programme_id=programme, gender=gender,
                                     origin_country=country, sector=sector)
    for (name, point), (status, employment, location) in FOLLOW_UPS.items():
        extra = {"employer_name": "Secret Employer", "notes": "private"} \
            if employment == "employed_other_employer" else {}
        await add_follow_up(session, case=cases[name], point_months=point, status=status,
                            employment_status=employment, job_location=location, **extra)
    for name, kind, amount, currency, disbursed in MONEY:
        await add_measure(session, case=cases[name], kind=kind, amount=amount,
                          currency=currency, disbursed=disbursed)
    await add_measure(session, case=cases["c2"], kind="mentoring", amount=None, currency=None)
    # Another programme, which must not count.
    stranger = await add_case(session, programme_id=other)
    await add_follow_up(session, case=stranger, point_months=0, status="completed",
                        employment_status="self_employed", job_location="abroad")
    await add_measure(session, case=stranger, amount="9999.00")
    return Dataset(programme, other)


def point(p: int, due: int, responded: int, working: int, host: int,
          abroad: int) -> dict[str, Any]:
    def share(n: int, d: int) -> float | None:
        return round(n / d, 4) if d else None

    return {"point_months": p, "due": due, "responded": responded,
            "response_rate": share(responded, due), "employed_or_self_employed": working,
            "employed_or_self_employed_share": share(working, responded),
            "host_company": host, "host_company_share": share(host, responded),
            "abroad": abroad, "abroad_share": share(abroad, responded)}


def small(cell: dict[str, Any]) -> dict[str, Any]:
    """``cell`` as a ministry reads it: counts of 1 to 4 people and their shares nulled."""
    return {k: (None if 0 < (cell[k.removesuffix("_share")] or 0) < 5 else v)
            if k.removesuffix("_share") in ("employed_or_self_employed", "host_company",
                                            "abroad") else v
            for k, v in cell.items()}


def spend(currency: str, amount: str, measures: int, people: int) -> dict[str, Any]:
    return {"currency": currency, "amount": amount, "measures": measures, "people": people}


def group(value: str, returnees: int, businesses: int | None, points: list[dict[str, Any]],
          spending: list[dict[str, Any]]) -> dict[str, Any]:
    return {"value": value, "returnees": returnees, "businesses_created": businesses,
            "by_point": points, "support_spend": spending}


TOTAL = {"returnees": 10, "businesses_created": 3,
         "by_point": [point(0, 9, 7, 5, 1, 1), point(3, 5, 4, 4, 1, 1)],
         "support_spend": [spend("EUR", "1700.00", 2, 2), spend("MAD", "3000.00", 2, 1)]}
BY_GENDER = [
    group("female", 5, 2, [point(0, 5, 5, 3, 1, 0), point(3, 5, 4, 4, 1, 1)],
          [spend("EUR", "1000.00", 1, 1), spend("MAD", "3000.00", 2, 1)]),
    group("male", 4, 1, [point(0, 4, 2, 2, 0, 1)], [spend("EUR", "700.00", 1, 1)]),
    group("unknown", 1, 0, [], []),
]
BY_COUNTRY = [
    group("MA", 6, 2, [point(0, 6, 5, 4, 1, 1), point(3, 3, 2, 2, 0, 1)],
          [spend("EUR", "1700.00", 2, 2)]),
    group("TN", 3, 1, [point(0, 3, 2, 1, 0, 0), point(3, 2, 2, 2, 1, 0)],
          [spend("MAD", "3000.00", 2, 1)]),
    group("unknown", 1, 0, [], []),
]
BY_SECTOR = [
    group("ict", 7, 3, [point(0, 7, 6, 5, 1, 1), point(3, 4, 4, 4, 1, 1)],
          [spend("EUR", "1700.00", 2, 2), spend("MAD", "3000.00", 2, 1)]),
    group("logistics", 2, 0, [point(0, 2, 1, 0, 0, 0), point(3, 1, 0, 0, 0, 0)], []),
    group("unknown", 1, 0, [], []),
]


class TestIndicators:
    async def test_hand_computed(self, client: httpx.AsyncClient, dataset: Dataset) -> None:
        response = await client.get("/v1/indicators",
                                    params={"programme_id": str(dataset.programme_id)})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["programme_id"] == str(dataset.programme_id)
        assert (body["small_cell_threshold"], body["suppressed_cells"]) == (None, 0)
        assert body["total"] == TOTAL
        assert body["by_gender"] == BY_GENDER
        assert body["by_origin_country"] == BY_COUNTRY
        assert body["by_sector"] == BY_SECTOR

    async def test_answering_moves_them(self, client: httpx.AsyncClient, session: AsyncSession,
                                        dataset: Dataset) -> None:
        case = await add_case(session, programme_id=dataset.programme_id, gender="male")
        await add_follow_up(session, case=case, point_months=3, status="completed",
                            employment_status="employed_host_company",
                            job_location="origin_country")
        body = (await client.get("/v1/indicators", params={
            "programme_id": str(dataset.programme_id)})).json()
        assert body["total"]["returnees"] == 11
        assert body["total"]["by_point"][1] == point(3, 6, 5, 5, 2, 1)

    async def test_empty_programme(self, client: httpx.AsyncClient) -> None:
        body = (await client.get("/v1/indicators",
                                 params={"programme_id": str(uuid.uuid4())})).json()
        assert body["total"] == {"returnees": 0, "businesses_created": 0, "by_point": [],
                                 "support_spend": []}
        assert body["by_gender"] == body["by_origin_country"] == body["by_sector"] == []

    async def test_programme_is_required(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/indicators")).status_code == 422


class TestSmallCellSuppression:
    async def test_ministry_reads_no_cell_under_five(self, client: httpx.AsyncClient,
                                                      auth: Auth, dataset: Dataset) -> None:
        ministry = auth("ministry", programme_ids=(dataset.programme_id,))
        body = (await client.get("/v1/indicators", headers=ministry, params={
            "programme_id": str(dataset.programme_id)})).json()
        assert body["small_cell_threshold"] == 5
        # Headline counts stay; point 3 (4 respondents) and both currencies (2 and 1
        # people) go; in point 0, host company (1) and abroad (1) are nulled.
        assert body["total"] == {"returnees": 10, "businesses_created": 3,
                                 "by_point": [small(point(0, 9, 7, 5, 1, 1))],
                                 "support_spend": []}
        # female: point 3, two currencies, a count of 2 businesses, working 3 and host 1 at
        # point 0; male (4), unknown (1).
        assert body["by_gender"] == [group("female", 5, None,
                                           [small(point(0, 5, 5, 3, 1, 0))], [])]
        # MA: point 3, EUR, 2 businesses, working 4, host 1, abroad 1; TN (3), unknown (1).
        assert body["by_origin_country"] == [group("MA", 6, None,
                                                   [small(point(0, 6, 5, 4, 1, 1))], [])]
        # ict: point 3, two currencies, 3 businesses, host 1 and abroad 1; logistics (2),
        # unknown (1).
        assert body["by_sector"] == [group("ict", 7, None, [small(point(0, 7, 6, 5, 1, 1))],
                                           [])]
        assert body["suppressed_cells"] == (3 + 2) + (6 + 2) + (5 + 3) + (6 + 2)
        cells = [body["total"], *body["by_gender"], *body["by_origin_country"],
                 *body["by_sector"]]
        counts = [p[k] for c in cells for p in c["by_point"]
                  for k in ("employed_or_self_employed", "host_company", "abroad")]
        assert all(n is None or n == 0 or n >= 5 for n in counts)

    async def test_a_point_nobody_answered_is_shown_when_enough_were_due(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        programme = uuid.uuid4()
        for n in range(5):
            case = await add_case(session, programme_id=programme)
            await add_follow_up(session, case=case, point_months=12, status="overdue")
            if n < 3:
                await add_follow_up(session, case=case, point_months=6, status="overdue")
        ministry = auth("ministry", programme_ids=(programme,))
        body = (await client.get("/v1/indicators", headers=ministry, params={
            "programme_id": str(programme)})).json()
        # Point 12: 5 due, 0 answered, shown (a zero is no small cell); point 6: 3 due, left
        # out of the total and of each breakdown's one group.
        assert body["total"]["by_point"] == [point(12, 5, 0, 0, 0, 0)]
        assert body["by_gender"] == [group("female", 5, 0, [point(12, 5, 0, 0, 0, 0)], [])]
        assert body["suppressed_cells"] == 4

    async def test_officer_reads_every_cell(self, client: httpx.AsyncClient, auth: Auth,
                                            dataset: Dataset) -> None:
        officer = auth("officer", programme_ids=(dataset.programme_id,))
        body = (await client.get("/v1/indicators", headers=officer, params={
            "programme_id": str(dataset.programme_id)})).json()
        assert body["by_gender"] == BY_GENDER and body["suppressed_cells"] == 0

    async def test_ministry_csv_is_suppressed_too(self, client: httpx.AsyncClient, auth: Auth,
                                                  dataset: Dataset) -> None:
        ministry = auth("ministry", programme_ids=(dataset.programme_id,))
        response = await client.get("/v1/indicators", params={
            "programme_id": str(dataset.programme_id)},
            headers={**ministry, "Accept": "text/csv"})
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert {r["group"] for r in rows if r["breakdown"] == "gender"} == {"female"}
        assert not [r for r in rows if r["point_months"] == "3"]
        assert rows[-1] == {"breakdown": "all", "group": "", "point_months": "",
                            "currency": "", "indicator": "suppressed_cells", "value": "29"}


class TestCsv:
    async def test_indicators_in_long_form(self, client: httpx.AsyncClient,
                                           dataset: Dataset) -> None:
        response = await client.get("/v1/indicators/export.csv",
                                    params={"programme_id": str(dataset.programme_id)})
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert "attachment" in response.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == ["breakdown", "group", "point_months", "currency", "indicator",
                           "value"]
        assert ["all", "", "", "", "returnees", "10"] in rows
        assert ["all", "", "0", "", "response_rate", "0.7778"] in rows
        assert ["gender", "male", "0", "", "abroad_share", "0.5"] in rows
        assert ["sector", "ict", "", "MAD", "support_spend_amount", "3000.00"] in rows
        assert ["origin_country", "unknown", "", "", "businesses_created", "0"] in rows

    async def test_anonymised_follow_up_rows(self, client: httpx.AsyncClient,
                                             dataset: Dataset) -> None:
        params = {"programme_id": str(dataset.programme_id)}
        first = await client.get("/v1/follow-ups/export.csv", params=params)
        assert first.status_code == 200, first.text
        rows = list(csv.DictReader(io.StringIO(first.text)))
        assert list(rows[0]) == [
            "returnee", "gender", "origin_country", "placement_sector", "placement_outcome",
            "return_month", "point_months", "status", "employment_status", "job_sector",
            "job_location", "income_band", "skills_use", "satisfaction",
            "sustainability_economic", "sustainability_social",
            "sustainability_psychosocial", "recorded_via"]
        assert len(rows) == 14  # answered or overdue; not the scheduled ones
        assert len({r["returnee"] for r in rows}) == 9
        assert {r["return_month"] for r in rows} == {"2026-01"}
        assert "Secret Employer" not in first.text and "private" not in first.text
        for name in ("candidate", "case", "placement_id", "employer"):
            assert not any(name in column for column in rows[0] if column != "placement_sector"
                           and column != "placement_outcome"), name
        second = await client.get("/v1/follow-ups/export.csv", params=params)
        again = list(csv.DictReader(io.StringIO(second.text)))
        assert not {r["returnee"] for r in rows} & {r["returnee"] for r in again}
        ordered = [(r["returnee"], r["point_months"]) for r in rows]
        assert ordered == sorted(ordered)

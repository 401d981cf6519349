"""The indicators against values computed by hand on a fixed dataset, seen on a fixed day;
disclosure control and the ``other`` sector for ministries (checked against what a reader
could derive, :mod:`tests.reintegration.indicators.release`); the CSV exports.

The dataset (programme P, default schedule 0, 1, 3, 6, 12 months; the app's now is NOW,
20 April 2026; every return on 15 January 2026; another programme's rows must not count):

====  ======  =======  =========  ====  ===========================  ========================
case  gender  country  sector     to    at return (point 0, closed)  3 months (open until May)
====  ======  =======  =========  ====  ===========================  ========================
c1    female  MA       ict        FR    host company, origin         self-employed, origin
c2    female  MA       ict        FR    other employer, origin       other employer, abroad
c3    female  TN       ict        FR    self-employed, origin        self-employed, origin
c4    female  MA       logistics  FR    seeking work                 overdue (missed)
c5    female  TN       ict        FR    in education                 host company, origin
c6    male    MA       ict        BE    other employer, abroad       (scheduled: open)
c7    male    MA       ict        BE    self-employed, origin        —
c8    male    TN       logistics  BE    unreachable                  —
c9    male    MA       ict        BE    overdue (missed)             —
c10   —       —        —          —     (scheduled: missed)          —
====  ======  =======  =========  ====  ===========================  ========================

c3 came back twice (an earlier stay a year before): 10 people, 11 stays. c1 and c7 have their
six-month follow-up scheduled (pending); nobody has a one- or twelve-month one.

Money disbursed to returnees: c1 grant 1,000 EUR; c3 grant 2,500 MAD and loan 500 MAD; c6
loan 700 EUR. Not counted: c7's grant of 300 EUR (not disbursed), c2's mentoring (no money).
Support at other stages: language courses before departure for six people without a case,
mentoring during the stay for c1 to c5; a cancelled job referral for c4 counts nowhere.
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

from tests.etags import DEFAULT_SCHEDULE
from tests.reintegration.factories import (
    add_case,
    add_follow_up,
    add_measure,
    add_person_measure,
)
from tests.reintegration.indicators.release import (
    check,
    exact_for_ministry,
    flatten,
    parse_csv,
)

Auth = Callable[..., dict[str, str]]
NOW = "2026-04-20T12:00:00+00:00"
SCHEDULE = (0, 1, 3, 6, 12)

CASES = {  # name: (gender, origin_country, sector, destination_country)
    "c1": ("female", "MA", "ict", "FR"), "c2": ("female", "MA", "ict", "FR"),
    "c3": ("female", "TN", "ict", "FR"), "c4": ("female", "MA", "logistics", "FR"),
    "c5": ("female", "TN", "ict", "FR"), "c6": ("male", "MA", "ict", "BE"),
    "c7": ("male", "MA", "ict", "BE"), "c8": ("male", "TN", "logistics", "BE"),
    "c9": ("male", "MA", "ict", "BE"), "c10": (None, None, None, None),
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
    ("c1", 6): ("scheduled", None, None),
    ("c7", 6): ("scheduled", None, None),
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
async def dataset(session: AsyncSession, clock: Any) -> Dataset:
    clock.set(NOW)
    programme, other = uuid.uuid4(), uuid.uuid4()
    cases = {}
    for name, (gender, country, sector, destination) in CASES.items():
        cases[name] = await add_case(session, programme_id=programme, gender=gender,
                                     origin_country=country, sector=sector,
                                     destination_country=destination,
                                     stays=2 if name == "c3" else 1)
    for (name, point), (status, employment, location) in FOLLOW_UPS.items():
        extra = {"employer_name": "Secret Employer", "notes": "private"} \
            if employment == "employed_other_employer" else {}
        await add_follow_up(session, case=cases[name], point_months=point, status=status,
                            employment_status=employment, job_location=location, **extra)
    for name, kind, amount, currency, disbursed in MONEY:
        await add_measure(session, case=cases[name], kind=kind, amount=amount,
                          currency=currency, disbursed=disbursed)
    await add_measure(session, case=cases["c2"], kind="mentoring", amount=None, currency=None)
    await add_measure(session, case=cases["c4"], kind="job_referral", amount=None,
                      currency=None, status="cancelled")
    for _ in range(6):
        await add_person_measure(session, programme_id=programme, stage="before_departure",
                                 kind="language")
    for name in ("c1", "c2", "c3", "c4", "c5"):
        await add_person_measure(session, programme_id=programme, case=cases[name],
                                 stage="during_stay", kind="mentoring")
    # Another programme, which must not count.
    stranger = await add_case(session, programme_id=other)
    await add_follow_up(session, case=stranger, point_months=0, status="completed",
                        employment_status="self_employed", job_location="abroad")
    await add_measure(session, case=stranger, amount="9999.00")
    await add_person_measure(session, programme_id=other, stage="before_departure",
                             kind="language")
    return Dataset(programme, other)


def point(p: int, due: int = 0, answered: int = 0, unreachable: int = 0, missed: int = 0,
          open_: int = 0, pending: int = 0, working: int = 0, host: int = 0,
          abroad: int = 0) -> dict[str, Any]:
    def share(n: int, d: int) -> float | None:
        return round(n / d, 4) if d else None

    responded = answered - unreachable
    return {"point_months": p, "due": due, "answered": answered, "unreachable": unreachable,
            "missed": missed, "open": open_, "pending": pending, "responded": responded,
            "response_rate": share(responded, due), "employed_or_self_employed": working,
            "employed_or_self_employed_share": share(working, responded),
            "host_company": host, "host_company_share": share(host, responded),
            "abroad": abroad, "abroad_share": share(abroad, responded)}


def points(*given: dict[str, Any], schedule: tuple[int, ...] = SCHEDULE) -> list[dict[str, Any]]:
    """``given`` with every other point of the schedule, at zero, in order."""
    found = {p["point_months"]: p for p in given}
    return [found.get(p) or point(p) for p in sorted({*schedule, *found})]


# Counts of people inside a point a ministry may see nulled, with their share if any.
NULLABLE = {"answered": None, "unreachable": None, "missed": None, "open": None,
            "pending": None, "employed_or_self_employed": "employed_or_self_employed_share",
            "host_company": "host_company_share", "abroad": "abroad_share"}


def small(cell: dict[str, Any]) -> dict[str, Any]:
    """``cell`` as a ministry reads it: counts of 1 to 4 people and their shares nulled."""
    seen = dict(cell)
    for name, share in NULLABLE.items():
        if 0 < cell[name] < 5:
            seen[name] = None
            if share:
                seen[share] = None
    return seen


def spend(currency: str, amount: str, measures: int, people: int) -> dict[str, Any]:
    return {"currency": currency, "amount": amount, "measures": measures, "people": people}


def group(value: str, people: int, businesses: int | None, by_point: list[dict[str, Any]],
          spending: list[dict[str, Any]], stays: int | None = None) -> dict[str, Any]:
    return {"value": value, "returnees": people, "people": people,
            "stays": people if stays is None else stays, "businesses_created": businesses,
            "by_point": by_point, "support_spend": spending}


def support(stage: str, kind: str, measures: int, people: int,
            *money: tuple[str, str]) -> dict[str, Any]:
    return {"stage": stage, "kind": kind, "measures": measures, "people": people,
            "spend": [{"currency": c, "amount": a} for c, a in money]}


TOTAL_POINTS = [
    point(0, due=10, answered=8, unreachable=1, missed=2, working=5, host=1, abroad=1),
    point(3, due=5, answered=4, missed=1, open_=1, working=4, host=1, abroad=1),
    point(6, pending=2)]
TOTAL = {"returnees": 10, "people": 10, "stays": 11, "businesses_created": 3,
         "by_point": points(*TOTAL_POINTS),
         "support_spend": [spend("EUR", "1700.00", 2, 2), spend("MAD", "3000.00", 2, 1)]}
FEMALE = [point(0, due=5, answered=5, working=3, host=1),
          point(3, due=5, answered=4, missed=1, working=4, host=1, abroad=1),
          point(6, pending=1)]
MALE = [point(0, due=4, answered=3, unreachable=1, missed=1, working=2, abroad=1),
        point(3, open_=1), point(6, pending=1)]
UNKNOWN = group("unknown", 1, 0, points(point(0, due=1, missed=1)), [])
FEMALE_SPEND = [spend("EUR", "1000.00", 1, 1), spend("MAD", "3000.00", 2, 1)]
BY_GENDER = [group("female", 5, 2, points(*FEMALE), FEMALE_SPEND, stays=6),
             group("male", 4, 1, points(*MALE), [spend("EUR", "700.00", 1, 1)]), UNKNOWN]
BY_COUNTRY = [
    group("MA", 6, 2, points(
        point(0, due=6, answered=5, missed=1, working=4, host=1, abroad=1),
        point(3, due=3, answered=2, missed=1, open_=1, working=2, abroad=1),
        point(6, pending=2)), [spend("EUR", "1700.00", 2, 2)]),
    group("TN", 3, 1, points(
        point(0, due=3, answered=3, unreachable=1, working=1),
        point(3, due=2, answered=2, working=2, host=1)),
        [spend("MAD", "3000.00", 2, 1)], stays=4),
    UNKNOWN,
]
ICT = group("ict", 7, 3, points(
    point(0, due=7, answered=6, missed=1, working=5, host=1, abroad=1),
    point(3, due=4, answered=4, open_=1, working=4, host=1, abroad=1),
    point(6, pending=2)), [spend("EUR", "1700.00", 2, 2), spend("MAD", "3000.00", 2, 1)],
    stays=8)
BY_SECTOR = [
    ICT,
    group("logistics", 2, 0, points(point(0, due=2, answered=2, unreachable=1),
                                    point(3, due=1, missed=1)), []),
    UNKNOWN,
]
BY_DESTINATION = [{**BY_GENDER[0], "value": "FR"}, {**BY_GENDER[1], "value": "BE"}, UNKNOWN]
SUPPORT = [
    support("before_departure", "language", 6, 6),
    support("during_stay", "mentoring", 5, 5),
    support("after_return", "mentoring", 1, 1),
    support("after_return", "micro_grant", 3, 3, ("EUR", "1000.00"), ("MAD", "2500.00")),
    support("after_return", "micro_loan", 2, 2, ("EUR", "700.00"), ("MAD", "500.00")),
]


async def indicators(client: httpx.AsyncClient, programme: uuid.UUID,
                     headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = await client.get("/v1/indicators", params={"programme_id": str(programme)},
                                headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


class TestIndicators:
    async def test_hand_computed(self, client: httpx.AsyncClient, dataset: Dataset) -> None:
        body = await indicators(client, dataset.programme_id)
        assert body["programme_id"] == str(dataset.programme_id)
        assert body["computed_at"] == NOW.replace("+00:00", "Z")
        assert (body["small_cell_threshold"], body["suppressed_cells"]) == (None, 0)
        assert body["total"] == TOTAL
        assert body["by_gender"] == BY_GENDER
        assert body["by_origin_country"] == BY_COUNTRY
        assert body["by_sector"] == BY_SECTOR
        assert body["by_destination_country"] == BY_DESTINATION
        assert body["support"] == SUPPORT

    async def test_answering_moves_them(self, client: httpx.AsyncClient, session: AsyncSession,
                                        dataset: Dataset) -> None:
        case = await add_case(session, programme_id=dataset.programme_id, gender="male")
        await add_follow_up(session, case=case, point_months=3, status="completed",
                            employment_status="employed_host_company",
                            job_location="origin_country")
        body = await indicators(client, dataset.programme_id)
        assert (body["total"]["returnees"], body["total"]["stays"]) == (11, 12)
        assert body["total"]["by_point"][2] == point(3, due=6, answered=5, missed=1, open_=1,
                                                     working=5, host=2, abroad=1)

    async def test_the_programme_schedule_and_old_points_are_listed(
            self, client: httpx.AsyncClient, session: AsyncSession, clock: Any) -> None:
        clock.set(NOW)
        programme = uuid.uuid4()
        put = await client.put(f"/v1/follow-up-schedules/{programme}",
                               json={"points_months": [0, 24], "window_days": 30},
                               headers=DEFAULT_SCHEDULE)
        assert put.status_code == 200, put.text
        case = await add_case(session, programme_id=programme)
        await add_follow_up(session, case=case, point_months=3, status="overdue")
        body = await indicators(client, programme)
        assert body["total"]["by_point"] == points(point(3, due=1, missed=1),
                                                   schedule=(0, 24))

    async def test_empty_programme(self, client: httpx.AsyncClient) -> None:
        body = await indicators(client, uuid.uuid4())
        assert body["total"] == {"returnees": 0, "people": 0, "stays": 0,
                                 "businesses_created": 0, "by_point": points(),
                                 "support_spend": []}
        assert body["by_gender"] == body["by_origin_country"] == body["by_sector"] == \
            body["by_destination_country"] == body["support"] == []

    async def test_programme_is_required(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/indicators")).status_code == 422


class TestDisclosureControl:
    async def test_ministry_reads_no_cell_it_could_derive(self, client: httpx.AsyncClient,
                                                          auth: Auth, dataset: Dataset) -> None:
        officer = await indicators(client, dataset.programme_id,
                                   auth("officer", programme_ids=(dataset.programme_id,)))
        ministry = auth("ministry", programme_ids=(dataset.programme_id,))
        body = await indicators(client, dataset.programme_id, ministry)
        hidden = check(exact_for_ministry(officer), flatten(body))
        assert (body["small_cell_threshold"], body["suppressed_cells"]) == (5, len(hidden))
        # The 10 returnees and their 11 stays are shown; the men (4) and unknown (1) are left
        # out together, so that neither is the total minus the women.
        assert (body["total"]["returnees"], body["total"]["stays"]) == (10, 11)
        assert [g["value"] for g in body["by_gender"]] == ["female"]
        # The total's 3 businesses and the women's 2 are withheld: 3 - 2 would be the men's.
        assert body["total"]["businesses_created"] is None
        assert body["by_gender"][0]["businesses_created"] is None
        # At return: 10 due and 7 who responded shown, 8 answered, 1 unreachable and 2 missed
        # withheld (8 = 7 + 1, 10 = 8 + 2).
        at_return = body["total"]["by_point"][0]
        assert (at_return["due"], at_return["responded"], at_return["answered"],
                at_return["unreachable"], at_return["missed"]) == (10, 7, None, None, None)
        # Support rows of 1, 3 and 2 people go, with their money.
        assert body["support"] == SUPPORT[:2]

    async def test_small_sectors_are_shown_together_as_other(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            clock: Any) -> None:
        clock.set(NOW)
        programme = uuid.uuid4()
        for sector, people in (("ict", 5), ("agriculture", 2), ("logistics", 2),
                               ("other", 1), (None, 1)):
            for _ in range(people):
                case = await add_case(session, programme_id=programme, sector=sector)
                await add_follow_up(session, case=case, point_months=0, status="overdue")
        officer = await indicators(client, programme,
                                   auth("officer", programme_ids=(programme,)))
        assert [(g["value"], g["people"]) for g in officer["by_sector"]] == [
            ("ict", 5), ("agriculture", 2), ("logistics", 2), ("other", 1), ("unknown", 1)]
        ministry = await indicators(client, programme,
                                    auth("ministry", programme_ids=(programme,)))
        assert ministry["by_sector"] == [
            group("other", 6, 0, points(point(0, due=6, missed=6)), []),
            group("ict", 5, 0, points(point(0, due=5, missed=5)), [])]
        assert ministry["suppressed_cells"] == 0
        check(exact_for_ministry(officer), flatten(ministry))

    async def test_a_point_nobody_answered_is_shown_when_enough_were_due(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        programme = uuid.uuid4()
        for n in range(5):
            case = await add_case(session, programme_id=programme)
            await add_follow_up(session, case=case, point_months=12, status="overdue")
            if n < 3:
                await add_follow_up(session, case=case, point_months=6, status="overdue")
        ministry = auth("ministry", programme_ids=(programme,))
        body = await indicators(client, programme, ministry)
        # Point 12: 5 missed, shown (no answer is no small cell); point 6: 3 due, left out
        # with its ten counts of the total and of each breakdown's one group. The points
        # nobody reached are listed.
        shown = [point(0), point(1), point(3), point(12, due=5, missed=5)]
        assert body["total"]["by_point"] == shown
        assert body["by_gender"] == [group("female", 5, 0, shown, [])]
        assert body["suppressed_cells"] == 10 * 5
        officer = await indicators(client, programme, auth("officer", programme_ids=(programme,)))
        check(exact_for_ministry(officer), flatten(body))

    async def test_officer_reads_every_cell(self, client: httpx.AsyncClient, auth: Auth,
                                            dataset: Dataset) -> None:
        officer = auth("officer", programme_ids=(dataset.programme_id,))
        body = await indicators(client, dataset.programme_id, officer)
        assert body["by_gender"] == BY_GENDER and body["by_sector"] == BY_SECTOR
        assert body["support"] == SUPPORT and body["suppressed_cells"] == 0

    async def test_ministry_csv_is_the_json_s_release(self, client: httpx.AsyncClient,
                                                      auth: Auth, dataset: Dataset) -> None:
        ministry = auth("ministry", programme_ids=(dataset.programme_id,))
        body = await indicators(client, dataset.programme_id, ministry)
        officer = await indicators(client, dataset.programme_id,
                                   auth("officer", programme_ids=(dataset.programme_id,)))
        for response in [
                await client.get("/v1/indicators", params={
                    "programme_id": str(dataset.programme_id)},
                    headers={**ministry, "Accept": "text/csv"}),
                await client.get("/v1/indicators/export.csv", params={
                    "programme_id": str(dataset.programme_id)}, headers=ministry)]:
            table, closing = parse_csv(response.text)
            assert table == flatten(body)
            assert closing == {"small_cell_threshold": 5,
                               "suppressed_cells": body["suppressed_cells"]}
            check(exact_for_ministry(officer), table)
            assert response.text.endswith(
                f"all,,,,suppressed_cells,{body['suppressed_cells']}\n")


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
        assert ["all", "", "", "", "stays", "11"] in rows
        assert ["all", "", "0", "", "response_rate", "0.7"] in rows
        assert ["all", "", "0", "", "missed", "2"] in rows
        assert ["all", "", "12", "", "due", "0"] in rows
        assert ["gender", "male", "0", "", "abroad_share", "0.5"] in rows
        assert ["sector", "ict", "", "MAD", "support_spend_amount", "3000.00"] in rows
        assert ["destination_country", "BE", "3", "", "open", "1"] in rows
        assert ["origin_country", "unknown", "", "", "businesses_created", "0"] in rows
        assert ["support", "after_return/micro_loan", "", "MAD", "spend_amount", "500.00"] \
            in rows

    async def test_anonymised_follow_up_rows(self, client: httpx.AsyncClient,
                                             dataset: Dataset) -> None:
        params = {"programme_id": str(dataset.programme_id)}
        first = await client.get("/v1/follow-ups/export.csv", params=params)
        assert first.status_code == 200, first.text
        rows = list(csv.DictReader(io.StringIO(first.text)))
        assert list(rows[0]) == [
            "returnee", "gender", "origin_country", "placement_sector", "destination_country",
            "stay_type", "placement_outcome", "return_month", "point_months", "status",
            "employment_status", "job_sector", "job_location", "income_band", "skills_use",
            "satisfaction", "sustainability_economic", "sustainability_social",
            "sustainability_psychosocial", "recorded_via"]
        assert len(rows) == 14  # answered or overdue; not the scheduled ones
        assert len({r["returnee"] for r in rows}) == 9
        assert {r["return_month"] for r in rows} == {"2026-01"}
        assert {r["destination_country"] for r in rows} == {"FR", "BE"}
        assert "Secret Employer" not in first.text and "private" not in first.text
        for name in ("candidate", "case", "placement_id", "employer"):
            assert not any(name in column for column in rows[0] if column != "placement_sector"
                           and column != "placement_outcome"), name
        second = await client.get("/v1/follow-ups/export.csv", params=params)
        again = list(csv.DictReader(io.StringIO(second.text)))
        assert not {r["returnee"] for r in rows} & {r["returnee"] for r in again}
        ordered = [(r["returnee"], r["point_months"]) for r in rows]
        assert ordered == sorted(ordered)

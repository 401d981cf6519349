"""Wage and housing checks in check-ins: each deviation rule at its threshold, the alerts and
events they raise, bad input, who records and who reads them. (The counts per employer are the
employers' standing: tests/placements/employers/test_standing.py.)"""

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.monitoring import checks
from services.placements.monitoring.schemas import HousingCheckCreate, WageCheckCreate
from services.placements.placements.models import Placement
from tests.pages import all_pages
from tests.placements.factories import add_employer, add_placement, add_vacancy, today
from tests.placements.monitoring.test_router import check_in, outbox_incidents

Auth = Callable[..., dict[str, str]]


def month(day: date) -> str:
    """``day``'s month, YYYY-MM."""
    return day.strftime("%Y-%m")


def wage(**overrides: Any) -> dict[str, Any]:
    """A wage check of this month, paid as agreed on a vacancy without a stipend; override any
    field."""
    return {"period": month(today()), "agreed_amount": "1200.00", "paid_amount": "1200.00",
            "currency": "EUR", "deductions": []} | overrides


async def placement_paying(session: AsyncSession, stipend: str | None = "1200.00",
                           currency: str | None = "EUR") -> Placement:
    """An active placement (arrived 30 days ago) on a vacancy with this monthly stipend."""
    programme = uuid.uuid4()
    employer = await add_employer(session, programme_id=programme)
    vacancy = await add_vacancy(session, employer=employer, programme_id=programme,
                                stipend_amount=None if stipend is None else Decimal(stipend),
                                stipend_currency=currency if stipend is not None else None)
    return await add_placement(session, status="active", vacancy=vacancy)


def found(check: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The (kind, severity) of the deviations a check found."""
    return [(d["kind"], d["severity"]) for d in (check or {"deviations": []})["deviations"]]


class TestWageRules:
    @pytest.mark.parametrize(("paid", "expected"), [
        ("1200.00", []), ("1188.00", []),  # exactly 1 % short: within the tolerance
        ("1187.99", [("wage_shortfall", "high")]),
        ("600.00", [("wage_shortfall", "high")]),  # exactly half: not yet critical
        ("599.99", [("wage_shortfall", "critical")]),
        ("0", [("wage_shortfall", "critical")]),
        ("1500.00", []),  # paid more than agreed
    ])
    def test_shortfall(self, paid: str, expected: list[tuple[str, str]]) -> None:
        check = checks.wage_check(WageCheckCreate.model_validate(wage(paid_amount=paid)),
                                  agreed=Decimal("1200.00"), currency="EUR", agreed_from="given")
        assert [(d.kind, d.severity) for d in check.deviations] == expected

    @pytest.mark.parametrize(("deductions", "expected"), [
        ([], []),
        ([("housing", "250.00"), ("food", "110.00")], []),  # 30 % exactly
        ([("housing", "250.00"), ("food", "110.01")], [("excessive_deductions", "high")]),
        ([("recruitment_fee", "50.00")], [("fee_deducted", "high")]),
        ([("recruitment_fee", "0")], []),  # nothing was kept
        ([("recruitment_fee", "300.00"), ("housing", "200.00")],
         [("excessive_deductions", "high"), ("fee_deducted", "high")]),
    ])
    def test_deductions(self, deductions: list[tuple[str, str]],
                        expected: list[tuple[str, str]]) -> None:
        data = WageCheckCreate.model_validate(wage(deductions=[
            {"kind": kind, "amount": amount} for kind, amount in deductions]))
        check = checks.wage_check(data, agreed=Decimal("1200.00"), currency="EUR",
                                  agreed_from="given")
        assert [(d.kind, d.severity) for d in check.deviations] == expected
        assert check.received_amount == check.paid_amount - check.deductions_total

    def test_all_at_once_in_numbers(self) -> None:
        data = WageCheckCreate.model_validate(wage(paid_amount="500.00", deductions=[
            {"kind": "recruitment_fee", "amount": "400.00"},
            {"kind": "housing", "amount": "300.00"}]))
        check = checks.wage_check(data, agreed=Decimal("1200.00"), currency="EUR",
                                  agreed_from="given")
        assert (check.deductions_total, check.received_amount) == (Decimal("700.00"),
                                                                   Decimal("-200.00"))
        details = {d.kind: d.detail for d in check.deviations}
        assert details["wage_shortfall"] == (
            f"Paid 500.00 EUR for {month(today())} of 1200.00 EUR agreed (42 %).")
        assert "58 % of the 1200.00 EUR agreed" in details["excessive_deductions"]
        assert "400.00 EUR" in details["fee_deducted"]


class TestHousingRules:
    @pytest.mark.parametrize(("space", "occupants", "per_occupant", "expected"), [
        ("40", 4, "10.0", []),  # the floor itself
        ("39.9", 4, "10.0", [("overcrowded_housing", "medium")]),  # 9.975 m², shown rounded
        ("20", 4, "5.0", [("overcrowded_housing", "medium")]),  # half the floor exactly
        ("19.5", 4, "4.9", [("overcrowded_housing", "high")]),
        ("9", 1, "9.0", [("overcrowded_housing", "medium")]),
    ])
    def test_space_per_occupant(self, space: str, occupants: int, per_occupant: str,
                                expected: list[tuple[str, str]]) -> None:
        check = checks.housing_check(HousingCheckCreate(
            living_space_m2=Decimal(space), occupants=occupants), condition="ok")
        assert check.space_per_occupant_m2 == Decimal(per_occupant)
        assert [(d.kind, d.severity) for d in check.deviations] == expected

    def test_rent_alone_finds_nothing(self) -> None:
        check = checks.housing_check(HousingCheckCreate(
            rent_amount=Decimal("450"), currency="EUR", deducted_from_wages=True),
            condition="issue")
        assert (check.deviations, check.space_per_occupant_m2, check.condition) == (
            [], None, "issue")


class TestRecorded:
    async def test_agreed_pay_defaults_to_the_vacancys_stipend(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        placement = await placement_paying(session)
        url = f"/v1/placements/{placement.id}/check-ins"
        body = check_in(wage_check={"period": f"{month(today())}-01", "paid_amount": "1150"})
        response = await client.post(url, json=body)
        assert response.status_code == 201, response.text
        recorded = response.json()["wage_check"]
        assert {k: recorded[k] for k in ("period", "agreed_amount", "agreed_from",
                                         "paid_amount", "currency")} == {
            "period": month(today()), "agreed_amount": "1200.00",
            "agreed_from": "vacancy_stipend", "paid_amount": "1150", "currency": "EUR"}
        assert found(recorded) == [("wage_shortfall", "high")]
        [listed] = (await client.get(url)).json()["items"]
        assert listed["wage_check"] == recorded and listed["housing_check"] is None

    async def test_an_agreement_of_its_own_in_another_currency(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        placement = await placement_paying(session)
        response = await client.post(f"/v1/placements/{placement.id}/check-ins", json=check_in(
            wage_check=wage(agreed_amount="5200.00", paid_amount="5200.00", currency="PLN")))
        assert response.status_code == 201, response.text
        recorded = response.json()["wage_check"]
        assert (recorded["agreed_from"], recorded["currency"], found(recorded)) == (
            "given", "PLN", [])

    async def test_the_arrivals_month_counts(self, client: httpx.AsyncClient,
                                             session: AsyncSession) -> None:
        placement = await placement_paying(session)
        assert placement.actual_start_date is not None
        response = await client.post(f"/v1/placements/{placement.id}/check-ins", json=check_in(
            wage_check=wage(period=month(placement.actual_start_date))))
        assert response.status_code == 201, response.text

    async def test_deviations_alert_the_officers_and_publish_no_amounts(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        placement = await placement_paying(session)
        created = (await client.post(f"/v1/placements/{placement.id}/check-ins", json=check_in(
            housing="issue",
            incidents=[{"type": "harassment", "severity": "high"}],
            wage_check={"period": month(today()), "paid_amount": "0",
                        "deductions": [{"kind": "recruitment_fee", "amount": "150.00"}]},
            housing_check={"living_space_m2": "18", "occupants": 6, "rent_amount": "200",
                           "currency": "EUR", "deducted_from_wages": True,
                           "note": "Six beds in one room."}))).json()
        assert found(created["wage_check"]) == [("wage_shortfall", "critical"),
                                                ("fee_deducted", "high")]
        assert found(created["housing_check"]) == [("overcrowded_housing", "high")]
        assert created["housing_check"]["condition"] == "issue"
        alerts = await all_pages(client, "/v1/placements/alerts",
                                 placement_id=str(placement.id))
        assert sorted((a["incident_type"], a["severity"]) for a in alerts) == [
            ("fee_deducted", "high"), ("harassment", "high"),
            ("overcrowded_housing", "high"), ("wage_shortfall", "critical")]
        assert {a["check_in_id"] for a in alerts} == {created["id"]}
        events = await outbox_incidents(session, placement.id)
        assert sorted(e["incident_type"] for e in events) == [
            "fee_deducted", "harassment", "overcrowded_housing", "wage_shortfall"]
        assert {e["alert_id"] for e in events} == {a["id"] for a in alerts}
        # No amount and no note in any value (ids are left out: a random id may hold "150").
        said = [str(v) for e in events for k, v in e.items() if k != "id" and not k.endswith("_id")]
        assert not any("150" in v or "200" in v or "Six beds" in v for v in said), said

    async def test_medium_overcrowding_alerts_too_and_is_acknowledged(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        placement = await placement_paying(session)
        await client.post(f"/v1/placements/{placement.id}/check-ins", json=check_in(
            housing_check={"living_space_m2": "25", "occupants": 3}))
        [alert] = (await client.get("/v1/placements/alerts", params={
            "placement_id": str(placement.id), "severity": "medium"})).json()["items"]
        assert alert["incident_type"] == "overcrowded_housing"
        url = f"/v1/placements/alerts/{alert['id']}/acknowledge"
        assert (await client.post(url)).json()["acknowledged_at"] is not None
        assert (await client.get("/v1/placements/alerts", params={
            "placement_id": str(placement.id), "acknowledged": "false"})).json()["items"] == []

    async def test_a_check_as_agreed_raises_nothing(self, client: httpx.AsyncClient,
                                                    session: AsyncSession) -> None:
        placement = await placement_paying(session)
        created = (await client.post(f"/v1/placements/{placement.id}/check-ins", json=check_in(
            wage_check={"period": month(today()), "paid_amount": "1200.00",
                        "deductions": [{"kind": "housing", "amount": "300.00"}]},
            housing_check={"living_space_m2": "24", "occupants": 2}))).json()
        assert found(created["wage_check"]) == found(created["housing_check"]) == []
        assert created["wage_check"]["received_amount"] == "900.00"
        assert created["housing_check"]["space_per_occupant_m2"] == "12.0"
        assert (await client.get("/v1/placements/alerts", params={
            "placement_id": str(placement.id)})).json()["items"] == []
        assert await outbox_incidents(session, placement.id) == []


DROP = object()  # a field left out of the wage check


def body_with(check: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A check-in whose ``check`` (wage_check: :func:`wage` with ``fields``, DROP leaving one
    out; housing_check: ``fields``) is built now, when the test runs."""
    if check == "wage_check":
        fields = {k: v for k, v in (wage() | fields).items() if v is not DROP}
    return check_in(**{check: fields})


class TestBadInput:
    async def _refused(self, client: httpx.AsyncClient, session: AsyncSession,
                       body: dict[str, Any]) -> list[dict[str, Any]]:
        """The errors of a 422 to ``body``, after checking that nothing was stored."""
        placement = await placement_paying(session)
        url = f"/v1/placements/{placement.id}/check-ins"
        response = await client.post(url, json=body)
        assert response.status_code == 422, response.text
        assert (await client.get(url)).json()["items"] == []
        return list(response.json()["errors"])

    @pytest.mark.parametrize(("check", "fields", "named"), [
        ("wage_check", {"paid_amount": "-1"}, "paid_amount"),
        ("wage_check", {"agreed_amount": "-0.01"}, "agreed_amount"),
        ("wage_check", {"paid_amount": "12.345"}, "paid_amount"),
        ("wage_check", {"paid_amount": "ten"}, "paid_amount"),
        ("wage_check", {"currency": "EURO"}, "currency"),
        ("wage_check", {"currency": "XYZ"}, "currency"),
        ("wage_check", {"period": "2026-13"}, "period"),
        ("wage_check", {"period": "2026-10-15"}, "period"),
        ("wage_check", {"period": "0000-01"}, "period"),
        ("wage_check", {"period": DROP}, "period"),
        ("wage_check", {"paid_amount": DROP}, "paid_amount"),
        ("wage_check", {"deductions": [{"kind": "tax", "amount": "10"}]}, "kind"),
        ("wage_check", {"deductions": [{"kind": "food", "amount": "-5"}]}, "amount"),
        ("wage_check", {"bonus": "100"}, "bonus"),
        ("housing_check", {"living_space_m2": "0", "occupants": 1}, "living_space_m2"),
        ("housing_check", {"living_space_m2": "20", "occupants": 0}, "occupants"),
        ("housing_check", {"rent_amount": "-10", "currency": "EUR"}, "rent_amount"),
        ("housing_check", {"rent_amount": "300", "currency": "EUR", "condition": "bad"},
         "condition"),
    ])
    async def test_a_field_is_422_naming_it(self, client: httpx.AsyncClient,
                                            session: AsyncSession, check: str,
                                            fields: dict[str, Any], named: str) -> None:
        errors = await self._refused(client, session, body_with(check, fields))
        assert named in [str(part) for e in errors for part in e["loc"]]

    @pytest.mark.parametrize(("body", "named"), [
        ({"housing_check": {"rent_amount": "300"}}, "currency"),
        ({"housing_check": {"living_space_m2": "20"}}, "occupants"),
        ({"housing_check": {"occupants": 3}}, "living_space_m2"),
        ({"housing_check": {}}, "rent_amount"),
        ({"housing_check": {"living_space_m2": "20", "occupants": 2,
                            "deducted_from_wages": True}}, "deducted_from_wages"),
        ({"housing": "ok", "housing_check": {"living_space_m2": "20", "occupants": 2,
                                             "condition": "issue"}}, "housing_check.condition"),
    ])
    async def test_fields_that_go_together(self, client: httpx.AsyncClient,
                                           session: AsyncSession, body: dict[str, Any],
                                           named: str) -> None:
        errors = await self._refused(client, session, check_in(**body))
        assert named in " ".join(e["msg"] for e in errors)

    @pytest.mark.parametrize(("stipend", "fields", "problem", "named"), [
        (None, {"agreed_amount": DROP, "currency": DROP}, "invalid-check", "agreed_amount"),
        (None, {"currency": DROP}, "invalid-check", "currency"),
        ("0.00", {"agreed_amount": DROP}, "invalid-check", "agreed_amount"),
        ("1200.00", {"agreed_amount": "0"}, "invalid-check", "agreed_amount"),
        ("1200.00", {"agreed_amount": DROP, "currency": "GBP"}, "invalid-check", "currency"),
        ("1200.00", {"period": 31}, "invalid-dates", "period"),  # next month
        ("1200.00", {"period": -62}, "invalid-dates", "period"),  # before the arrival's
    ])
    async def test_what_cannot_be_compared_is_422(
            self, client: httpx.AsyncClient, session: AsyncSession, stipend: str | None,
            fields: dict[str, Any], problem: str, named: str) -> None:
        placement = await placement_paying(session, stipend=stipend)
        url = f"/v1/placements/{placement.id}/check-ins"
        if isinstance(days := fields.get("period"), int):  # a month so many days from today
            fields = fields | {"period": month(today() + timedelta(days=days))}
        response = await client.post(url, json=body_with("wage_check", fields))
        assert response.status_code == 422, response.text
        assert response.json()["type"] == f"/problems/{problem}"
        assert [e["loc"] for e in response.json()["errors"]] == [["body", "wage_check", named]]
        assert (await client.get(url)).json()["items"] == []
        assert (await client.get("/v1/placements/alerts", params={
            "placement_id": str(placement.id)})).json()["items"] == []

    async def test_a_period_before_a_later_check_in_date(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        # The check-in's own date bounds the period, not today.
        placement = await placement_paying(session)
        assert placement.actual_start_date is not None
        day = placement.actual_start_date
        response = await client.post(f"/v1/placements/{placement.id}/check-ins", json=check_in(
            check_in_date=day.isoformat(),
            wage_check=wage(period=month(day + timedelta(days=31)))))
        assert response.json()["type"] == "/problems/invalid-dates"


class TestTheTraineeReports:
    async def test_their_own_reports_are_for_officers_not_their_employer(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await placement_paying(session)
        url = f"/v1/placements/{placement.id}/check-ins"
        trainee = auth("candidate", candidate_id=placement.candidate_id)
        employer = auth("employer", employer_id=placement.employer_id)
        officer = auth("officer", programme_ids=(placement.programme_id,))
        theirs = await client.post(url, headers=trainee, json=check_in(
            wage_check={"period": month(today()), "paid_amount": "700.00"},
            housing_check={"living_space_m2": "30", "occupants": 5}))
        assert theirs.status_code == 201, theirs.text
        assert theirs.json()["recorded_by_role"] == "candidate"
        hosts = await client.post(url, headers=employer, json=check_in(
            wage_check={"period": month(today()), "paid_amount": "1200.00"}))
        assert hosts.status_code == 201, hosts.text

        async def ids(headers: dict[str, str]) -> list[str]:
            response = await client.get(url, headers=headers)
            assert response.status_code == 200, response.text
            return [c["id"] for c in response.json()["items"]]

        assert await ids(officer) == [theirs.json()["id"], hosts.json()["id"]]
        assert await ids(employer) == [hosts.json()["id"]]
        assert await ids(trainee) == [theirs.json()["id"]]
        alerts = (await client.get("/v1/placements/alerts", headers=officer)).json()["items"]
        assert sorted(a["incident_type"] for a in alerts) == ["overcrowded_housing",
                                                              "wage_shortfall"]

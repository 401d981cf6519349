"""An employer's standing and a programme's report of its employers' standing: the evidence
counted (grievances, wage and housing checks and the fees charged to workers included), who
reads what, and a ministry's aggregate under disclosure control, which stays quick with many
employers."""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, get_args

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.employers.models import Employer
from services.placements.grievances.models import CATEGORIES, Grievance
from services.placements.monitoring.models import WAGE_DEVIATIONS, CheckIn, Evaluation
from services.placements.monitoring.schemas import DeviationKind
from services.placements.placements.models import Placement
from services.placements.recruitment_costs.models import CATEGORIES as COST_CATEGORIES
from services.placements.recruitment_costs.models import RecruitmentCost
from tests.linear_system import Key, Sum, recoverable, zeros_by_sign
from tests.placements.factories import (
    add_employer,
    add_placement,
    add_vacancy,
    placement_row,
    today,
)
from tests.placements.grievances.conftest import act, file
from tests.placements.monitoring.test_checks import month
from tests.placements.monitoring.test_router import check_in

Auth = Callable[..., dict[str, str]]
NO_GRIEVANCE = {"total": 0, "by_category": dict.fromkeys(CATEGORIES, 0),
                "by_outcome": dict.fromkeys(("upheld", "partly_upheld", "not_upheld",
                                             "withdrawn", "unresolved"), 0)}
NO_WAGE_CHECK = {"done": 0, "with_deviation": 0,
                 "by_deviation_kind": dict.fromkeys(WAGE_DEVIATIONS, 0)}
NO_FEE = {"workers_who_paid": 0, "by_category": dict.fromkeys(COST_CATEGORIES, 0)}


async def _host(session: AsyncSession, programme: uuid.UUID, *, name: str,
                statuses: list[str], housing_issues: int = 0,
                ratings: tuple[tuple[int, bool], ...] = ()) -> Employer:
    """An employer of ``programme`` with a placement in each of ``statuses``, one check-in per
    placement (the first ``housing_issues`` of them with a housing issue and a housing
    incident) and an evaluation per ``ratings`` entry (every rating the same, would host
    again)."""
    employer = await add_employer(session, programme_id=programme, name=name)
    vacancy = await add_vacancy(session, employer=employer, programme_id=programme, seats=20)
    for i, status in enumerate(statuses):
        placement = await add_placement(session, status=status, vacancy=vacancy)
        issue = i < housing_issues
        session.add(CheckIn(
            placement_id=placement.id, check_in_date=today(), wellbeing=3,
            housing="issue" if issue else "ok", health_flag=False,
            incidents=[{"type": "housing", "severity": "medium", "description": "Mould."}]
            if issue else [], recorded_by="officer-1", recorded_by_role="officer"))
        if i < len(ratings):
            rating, again = ratings[i]
            session.add(Evaluation(placement_id=placement.id, technical_skills=rating,
                                   communication=rating, teamwork=rating, reliability=rating,
                                   would_host_again=again, evaluator="employer-1"))
    await session.flush()
    return employer


def _counts(evidence: dict[str, Any]) -> Iterator[tuple[Key, int | None]]:
    """Every count of people (or of events about them) in an evidence, by (section, figure) or
    (section, figure, category): all but the evaluations' means and share."""
    for section, figures in evidence.items():
        for figure, value in figures.items():
            if section == "evaluations" and figure != "count":
                continue
            if isinstance(value, dict):
                yield from (((section, figure, key), count) for key, count in value.items())
            else:
                yield (section, figure), value


def _people(evidence: dict[str, Any]) -> Iterator[int | None]:
    """Every count of people in an evidence section."""
    return (value for _, value in _counts(evidence))


def _aggregate(report: dict[str, Any]) -> dict[Key, int | None]:
    """Every count of a programme report's own evidence (the programme's, over its
    employers)."""
    return dict(_counts(report["evidence"]))


def _documented_sums(cells: dict[Key, Any]) -> list[Sum]:
    """What the report documents of the programme's evidence: the placements' total is the
    sum of their statuses, the grievances' total that of their categories and that of their
    outcomes."""
    return [((section, total), tuple(key for key in cells if key[:2] == (section, breakdown)))
            for section, total, breakdowns in (("placements", "total", ("by_status",)),
                                               ("grievances", "total",
                                                ("by_category", "by_outcome")))
            for breakdown in breakdowns]


@dataclass(frozen=True)
class Reports:
    """A programme's report as its officer and as its ministry read it."""

    exact: dict[str, Any]
    seen: dict[str, Any]
    text: str  # the ministry's, as sent


async def _reports(client: httpx.AsyncClient, auth: Auth, programme_id: uuid.UUID) -> Reports:
    """The programme's report, read by its officer and by its ministry."""
    found = []
    for role in ("officer", "ministry"):
        response = await client.get("/v1/employer-standing",
                                    params={"programme_id": str(programme_id)},
                                    headers=auth(role, programme_ids=(programme_id,)))
        assert response.status_code == 200, response.text
        found.append(response)
    exact, seen = found
    return Reports(exact.json(), seen.json(), seen.text)


def _withheld_for_good(exact: dict[str, Any], seen: dict[str, Any]) -> set[Key]:
    """The counts of the programme's evidence a ministry reads withheld (``seen``, against the
    officer's ``exact`` report), checked: every small count is withheld, every other shown as
    it is, and none can be recomputed from what is shown."""
    values, shown = _aggregate(exact), _aggregate(seen)
    assert set(shown) == set(values)
    hidden = {key for key, value in shown.items() if value is None}
    assert all(shown[key] == values[key] for key in values if key not in hidden)
    assert {key for key, value in values.items() if value and value < 5} <= hidden
    sums = _documented_sums(values)
    assert not recoverable(sums, hidden - zeros_by_sign(values, sums, hidden))
    assert seen["suppressed_cells"] >= len(hidden)  # rating sums: means
    assert all(line["evidence"] is None for line in seen["employers"])
    return hidden


async def _standing_line(client: httpx.AsyncClient, employer_id: uuid.UUID,
                         headers: dict[str, str] | None = None) -> tuple[dict[str, Any], str]:
    """The employer's standing in its one programme as the bearer of ``headers`` (default an
    admin) reads it, and the response's text (to look for what it must not say)."""
    response = await client.get(f"/v1/employers/{employer_id}/standing", headers=headers)
    assert response.status_code == 200, response.text
    [line] = response.json()["programmes"]
    return line, response.text


@pytest.fixture
async def programme(session: AsyncSession) -> tuple[uuid.UUID, Employer, Employer]:
    """A programme with a large host (six placements: five completed, one active; two housing
    issues; five evaluations, four would host again) and a small one (two active)."""
    pid = uuid.uuid4()
    large = await _host(session, pid, name="Large host", housing_issues=2,
                        statuses=["completed"] * 5 + ["active"],
                        ratings=((4, True), (5, True), (3, True), (4, True), (4, False)))
    small = await _host(session, pid, name="Small host", statuses=["active", "active"])
    return pid, large, small


@dataclass(frozen=True)
class Checked:
    """The programme of :func:`programme` with the large host's grievances and checks."""

    programme_id: uuid.UUID
    large: Employer
    small: Employer
    candidate_ids: frozenset[uuid.UUID]


def wage_check(paid: str) -> dict[str, Any]:
    """This month's wage check of a vacancy without a stipend: 1200 EUR agreed, ``paid``."""
    return {"period": month(today()), "agreed_amount": "1200.00", "paid_amount": paid,
            "currency": "EUR"}


@pytest.fixture
async def checked(client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
                  programme: tuple[uuid.UUID, Employer, Employer]) -> Checked:
    """:func:`programme` where the large host's workers filed seven grievances (five about
    wages, upheld; two about housing, unresolved), and six wage checks were made on its active
    placement: one by the trainee (a shortfall, with an overcrowded dwelling), five by the
    officer (one a shortfall)."""
    pid, large, small = programme
    placements = list((await session.scalars(select(Placement).where(
        Placement.employer_id == large.id).order_by(Placement.status, Placement.id))).all())
    active = next(p for p in placements if p.status == "active")
    officer = auth("officer", programme_ids=(pid,))
    for n, placement in enumerate([*placements, placements[0]]):
        worker = auth("candidate", candidate_id=placement.candidate_id)
        grievance = await file(client, worker, placement.id,
                               category="wages" if n < 5 else "housing")
        if n < 5:
            await act(client, grievance, "resolve", officer,
                      json={"outcome": "upheld", "resolution": "Back pay paid."})
    url = f"/v1/placements/{active.id}/check-ins"
    trainee = auth("candidate", candidate_id=active.candidate_id)
    for headers, body in [
            (trainee, check_in(wage_check=wage_check("900.00"),
                               housing_check={"living_space_m2": "12", "occupants": 3})),
            (officer, check_in(wage_check=wage_check("900.00"))),
            *((officer, check_in(wage_check=wage_check("1200.00"))) for _ in range(4))]:
        response = await client.post(url, json=body, headers=headers)
        assert response.status_code == 201, response.text
    return Checked(pid, large, small, frozenset(p.candidate_id for p in placements))


class TestEmployerStanding:
    async def test_the_evidence_per_programme(
            self, client: httpx.AsyncClient,
            programme: tuple[uuid.UUID, Employer, Employer]) -> None:
        pid, large, _ = programme
        standing = (await client.get(f"/v1/employers/{large.id}/standing")).json()
        assert (standing["name"], standing["standing"]) == ("Large host", "active")
        [line] = standing["programmes"]
        assert (line["programme_id"], line["agreement_signed_date"], line["suspension"],
                line["suspensions"]) == (str(pid), "2026-01-10", None, 0)
        assert line["evidence"] == {
            "placements": {"total": 6, "by_status": {"active": 1, "completed": 5}},
            "check_ins": {"total": 6, "with_housing_issue": 2,
                          "incidents_by_type": {"housing": 2}},
            "wage_checks": NO_WAGE_CHECK, "housing_checks": {"done": 0, "with_deviation": 0},
            "evaluations": {"count": 5, "mean_ratings": dict.fromkeys(
                ("technical_skills", "communication", "teamwork", "reliability"), 4.0),
                "would_host_again_share": 0.8},
            "grievances": NO_GRIEVANCE, "fees_charged": NO_FEE,
        }

    async def test_grievances_and_checks_counted_for_an_officer(
            self, client: httpx.AsyncClient, auth: Auth, checked: Checked) -> None:
        officer = auth("officer", programme_ids=(checked.programme_id,))
        line, text = await _standing_line(client, checked.large.id, officer)
        evidence = line["evidence"]
        assert evidence["grievances"] == {
            "total": 7,
            "by_category": NO_GRIEVANCE["by_category"] | {"wages": 5, "housing": 2},
            "by_outcome": NO_GRIEVANCE["by_outcome"] | {"upheld": 5, "unresolved": 2}}
        assert evidence["wage_checks"] == {
            "done": 6, "with_deviation": 2,
            "by_deviation_kind": NO_WAGE_CHECK["by_deviation_kind"] | {"wage_shortfall": 2}}
        assert evidence["housing_checks"] == {"done": 1, "with_deviation": 1}
        assert evidence["check_ins"]["total"] == 12  # one per placement, six more
        assert not any(str(c) in text for c in checked.candidate_ids)
        # An employer without any: every category, at zero.
        small, _ = await _standing_line(client, checked.small.id, officer)
        assert (small["evidence"]["grievances"], small["evidence"]["wage_checks"],
                small["evidence"]["housing_checks"]) == (
            NO_GRIEVANCE, NO_WAGE_CHECK, {"done": 0, "with_deviation": 0})

    async def test_the_employer_reads_no_check_its_trainee_recorded(
            self, client: httpx.AsyncClient, auth: Auth, checked: Checked) -> None:
        line, text = await _standing_line(
            client, checked.large.id, auth("employer", employer_id=checked.large.id))
        evidence = line["evidence"]
        # The trainee's check-in (a shortfall, an overcrowded dwelling) is the programme's.
        assert evidence["check_ins"]["total"] == 11
        assert evidence["wage_checks"] == {
            "done": 5, "with_deviation": 1,
            "by_deviation_kind": NO_WAGE_CHECK["by_deviation_kind"] | {"wage_shortfall": 1}}
        assert evidence["housing_checks"] == {"done": 0, "with_deviation": 0}
        # The grievances about it it reads anyway (without whose): their counts too.
        assert evidence["grievances"]["total"] == 7
        assert not any(str(c) in text for c in checked.candidate_ids)

    def test_every_wage_deviation_kind_is_listed(self) -> None:
        assert set(get_args(DeviationKind)) == {*WAGE_DEVIATIONS, "overcrowded_housing"}

    async def test_an_employer_without_evidence(self, client: httpx.AsyncClient,
                                                session: AsyncSession) -> None:
        employer = await add_employer(session, programme_id=uuid.uuid4())
        [line] = (await client.get(f"/v1/employers/{employer.id}/standing")).json()[
            "programmes"]
        assert line["evidence"]["placements"] == {"total": 0, "by_status": {}}
        assert line["evidence"]["evaluations"] == {
            "count": 0, "would_host_again_share": None, "mean_ratings": dict.fromkeys(
                ("technical_skills", "communication", "teamwork", "reliability"))}

    async def test_the_employer_reads_its_own_without_anyone_named(
            self, client: httpx.AsyncClient, auth: Auth,
            programme: tuple[uuid.UUID, Employer, Employer]) -> None:
        pid, large, small = programme
        await client.post(f"/v1/employers/{large.id}/suspend", json={
            "programme_id": str(pid), "reason": "Housing below standard."})
        me = auth("employer", employer_id=large.id)
        response = await client.get(f"/v1/employers/{large.id}/standing", headers=me)
        assert response.status_code == 200, response.text
        standing = response.json()
        assert standing["standing"] == "suspended"
        [line] = standing["programmes"]
        assert line["suspension"]["reason"] == "Housing below standard."
        assert line["evidence"]["placements"]["total"] == 6
        assert "candidate" not in response.text
        other = await client.get(f"/v1/employers/{small.id}/standing", headers=me)
        assert other.status_code == 404

    async def test_an_officer_reads_their_programmes_only(
            self, client: httpx.AsyncClient, auth: Auth, session: AsyncSession) -> None:
        mine, theirs = uuid.uuid4(), uuid.uuid4()
        employer = await _host(session, mine, name="Shared host", statuses=["active"])
        await _host(session, theirs, name="Elsewhere", statuses=[])
        vacancy = await add_vacancy(session, employer=employer, programme_id=theirs)
        await add_placement(session, status="active", vacancy=vacancy)
        employer.agreements = [*employer.agreements, {
            "programme_id": str(theirs), "signed_date": "2026-02-01", "obligations": {}}]
        employer.programme_ids = [mine, theirs]
        await session.flush()
        officer = auth("officer", programme_ids=(mine,))
        standing = (await client.get(f"/v1/employers/{employer.id}/standing",
                                     headers=officer)).json()
        assert [p["programme_id"] for p in standing["programmes"]] == [str(mine)]
        everyone = (await client.get(f"/v1/employers/{employer.id}/standing")).json()
        assert {p["programme_id"] for p in everyone["programmes"]} == {str(mine), str(theirs)}
        stranger = auth("officer", programme_ids=(uuid.uuid4(),))
        hidden = await client.get(f"/v1/employers/{employer.id}/standing", headers=stranger)
        assert hidden.status_code == 404

    @pytest.mark.parametrize("role", ["ministry", "candidate", "institution"])
    async def test_other_roles_get_404(self, client: httpx.AsyncClient, auth: Auth,
                                       programme: tuple[uuid.UUID, Employer, Employer],
                                       role: str) -> None:
        pid, large, _ = programme
        response = await client.get(f"/v1/employers/{large.id}/standing",
                                    headers=auth(role, programme_ids=(pid,)))
        assert response.status_code == 404


@dataclass(frozen=True)
class Fees:
    """A programme whose one host's workers paid recruitment costs, and its placements by
    name."""

    programme_id: uuid.UUID
    employer: Employer
    placements: dict[str, uuid.UUID]


async def _cost(client: httpx.AsyncClient, placement_id: uuid.UUID, category: str,
                amount: str = "100.00", **overrides: Any) -> dict[str, Any]:
    """Record a cost line of the placement (as an admin), by default one the worker paid."""
    response = await client.post(f"/v1/placements/{placement_id}/recruitment-costs", json={
        "category": category, "amount": amount, "currency": "EUR",
        "incurred_on": (today() - timedelta(days=30)).isoformat(), "paid_by": "worker",
        **overrides})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
async def fees(client: httpx.AsyncClient, session: AsyncSession) -> Fees:
    """The host's workers: ``agency`` (active) paid a recruitment fee and a visa
    (administrative); ``travel`` (completed) paid a recruitment fee, and had a medical line
    withdrawn, its travel paid by the employer and an insurance line of zero; ``free`` (visa
    pending) paid nothing; ``proposed`` and ``declined`` each paid a fee, and are not among the
    workers SDG 10.7.1 counts."""
    pid = uuid.uuid4()
    employer = await add_employer(session, programme_id=pid, name="Fee host")
    vacancy = await add_vacancy(session, employer=employer, programme_id=pid, seats=10)
    ids = {name: (await add_placement(session, status=status, vacancy=vacancy)).id
           for name, status in (("agency", "active"), ("travel", "completed"),
                                ("free", "visa_pending"), ("proposed", "proposed"),
                                ("declined", "declined"))}
    await _cost(client, ids["agency"], "recruitment_fee", "3000.00", currency="MAD")
    await _cost(client, ids["agency"], "administrative")
    await _cost(client, ids["travel"], "recruitment_fee")
    mistake = await _cost(client, ids["travel"], "medical")
    withdrawn = await client.post(
        f"/v1/placements/{ids['travel']}/recruitment-costs/{mistake['id']}/withdraw",
        json={"reason": "Another worker's receipt."})
    assert withdrawn.status_code == 200, withdrawn.text
    await _cost(client, ids["travel"], "travel_lodging", "800.00", paid_by="employer")
    await _cost(client, ids["travel"], "insurance", "0")
    await _cost(client, ids["proposed"], "recruitment_fee")
    await _cost(client, ids["declined"], "training")
    return Fees(pid, employer, ids)


PAID = {"workers_who_paid": 2, "by_category": NO_FEE["by_category"] | {
    "recruitment_fee": 2, "administrative": 1}}


class TestFeesCharged:
    async def test_counted_for_an_officer_as_sdg_10_7_1_counts_them(
            self, client: httpx.AsyncClient, auth: Auth, fees: Fees) -> None:
        officer = auth("officer", programme_ids=(fees.programme_id,))
        line, _ = await _standing_line(client, fees.employer.id, officer)
        assert line["evidence"]["fees_charged"] == PAID
        params = {"programme_id": str(fees.programme_id)}
        report = (await client.get("/v1/employer-standing", params=params,
                                   headers=officer)).json()
        [employer] = report["employers"]
        assert report["evidence"]["fees_charged"] == employer["evidence"]["fees_charged"] == PAID
        # The same workers as the indicator's: the employers' add up to its paid_any_fee.
        sdg = await client.get("/v1/recruitment-costs/sdg-10-7-1", params=params,
                               headers=officer)
        assert sdg.status_code == 200, sdg.text
        assert sdg.json()["total"]["paid_any_fee"] == PAID["workers_who_paid"]

    async def test_withdrawing_the_last_line_takes_the_worker_out(
            self, client: httpx.AsyncClient, fees: Fees) -> None:
        url = f"/v1/placements/{fees.placements['agency']}/recruitment-costs"
        for line in (await client.get(url)).json()["items"]:
            response = await client.post(f"{url}/{line['id']}/withdraw",
                                         json={"reason": "Recorded twice."})
            assert response.status_code == 200, response.text
        standing, _ = await _standing_line(client, fees.employer.id)
        assert standing["evidence"]["fees_charged"] == {
            "workers_who_paid": 1,
            "by_category": NO_FEE["by_category"] | {"recruitment_fee": 1}}

    async def test_the_employer_reads_none(self, client: httpx.AsyncClient, auth: Auth,
                                           fees: Fees) -> None:
        line, text = await _standing_line(client, fees.employer.id,
                                          auth("employer", employer_id=fees.employer.id))
        assert line["evidence"]["fees_charged"] is None
        assert line["evidence"]["placements"]["total"] == 5
        assert "recruitment_fee" not in text and "administrative" not in text

    async def test_a_ministry_reads_them_in_the_programme_aggregate_withheld(
            self, client: httpx.AsyncClient, auth: Auth, fees: Fees) -> None:
        reports = await _reports(client, auth, fees.programme_id)
        hidden = _withheld_for_good(reports.exact, reports.seen)
        # Two workers paid: withheld, and with them every category, zeros included.
        assert {key for key in _aggregate(reports.exact) if key[0] == "fees_charged"} <= hidden
        assert reports.seen["evidence"]["fees_charged"] == {
            "workers_who_paid": None, "by_category": dict.fromkeys(COST_CATEGORIES)}


class TestProgrammeReport:
    async def test_an_officer_reads_exact_figures(
            self, client: httpx.AsyncClient, auth: Auth,
            programme: tuple[uuid.UUID, Employer, Employer]) -> None:
        pid, _, small = programme
        await client.post(f"/v1/employers/{small.id}/suspend", json={
            "programme_id": str(pid), "reason": "Fees charged to workers.",
            "review_on": today().isoformat()})
        officer = auth("officer", programme_ids=(pid,))
        response = await client.get("/v1/employer-standing", params={"programme_id": str(pid)},
                                    headers=officer)
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["employers_with_agreement"], report["suspended_now"],
                report["suspensions_recorded"], report["suppressed_cells"],
                report["small_cell_threshold"]) == (2, 1, 1, 0, None)
        assert report["evidence"]["placements"] == {
            "total": 8, "by_status": {"active": 3, "completed": 5}}
        assert report["evidence"]["check_ins"]["with_housing_issue"] == 2
        lines = {line["name"]: line for line in report["employers"]}
        assert (lines["Small host"]["standing"], lines["Small host"]["suspended_on"],
                lines["Small host"]["review_on"], lines["Small host"]["suspensions"]) == (
            "suspended", today().isoformat(), today().isoformat(), 1)
        assert lines["Small host"]["evidence"]["placements"]["total"] == 2
        assert lines["Large host"]["standing"] == "active"
        assert "Fees charged" not in response.text and "reason" not in response.text

    async def test_a_ministry_reads_no_small_count(
            self, client: httpx.AsyncClient, auth: Auth,
            programme: tuple[uuid.UUID, Employer, Employer]) -> None:
        pid, _, _ = programme
        ministry = auth("ministry", programme_ids=(pid,))
        response = await client.get("/v1/employer-standing", params={"programme_id": str(pid)},
                                    headers=ministry)
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["small_cell_threshold"] == 5 and report["suppressed_cells"] > 0
        evidence = report["evidence"]
        assert not [n for n in _people(evidence) if n is not None and 0 < n < 5], evidence
        assert evidence["placements"]["total"] == 8
        assert evidence["check_ins"]["with_housing_issue"] is None
        # Five evaluations: shown, with their means; four would host again: withheld.
        evaluations = evidence["evaluations"]
        assert (evaluations["count"], evaluations["mean_ratings"]["teamwork"],
                evaluations["would_host_again_share"]) == (5, 4.0, None)
        # Companies are no one's personal data: named, with their standing; their evidence,
        # counts of a few people each, is the programme's aggregate only.
        assert {line["name"] for line in report["employers"]} == {"Large host", "Small host"}
        assert [line["evidence"] for line in report["employers"]] == [None, None]
        assert {line["suspensions"] for line in report["employers"]} == {0}
        assert "candidate" not in response.text

    async def test_a_ministry_cannot_recompute_withheld_grievances_and_checks(
            self, client: httpx.AsyncClient, auth: Auth, checked: Checked) -> None:
        reports = await _reports(client, auth, checked.programme_id)
        hidden = _withheld_for_good(reports.exact, reports.seen)
        assert {("grievances", "by_category", "housing"),
                ("grievances", "by_outcome", "unresolved"),
                ("wage_checks", "with_deviation"), ("housing_checks", "done"),
                ("housing_checks", "with_deviation")} <= hidden
        # Five wages grievances, two housing: the seven and the five are shown.
        assert reports.seen["evidence"]["grievances"]["total"] == 7
        assert not any(str(c) in reports.text for c in checked.candidate_ids)

    async def test_who_may_read_it(self, client: httpx.AsyncClient, auth: Auth,
                                   programme: tuple[uuid.UUID, Employer, Employer]) -> None:
        pid, large, _ = programme
        params = {"programme_id": str(pid)}
        other = auth("ministry", programme_ids=(uuid.uuid4(),))
        response = await client.get("/v1/employer-standing", params=params, headers=other)
        assert (response.status_code, response.json()["type"]) == (
            404, "/problems/programme-not-found")
        for role, claims in (("employer", {"employer_id": large.id}),
                             ("candidate", {"candidate_id": uuid.uuid4()}),
                             ("institution", {"institution_id": uuid.uuid4()})):
            response = await client.get("/v1/employer-standing", params=params,
                                        headers=auth(role, **claims))
            assert response.status_code == 403, role
        assert (await client.get("/v1/employer-standing")).status_code == 422


def _wage_check(*kinds: str) -> dict[str, Any]:
    """What the standing reads of a wage check: the deviations it found, by kind."""
    return {"deviations": [{"kind": kind, "severity": "high"} for kind in kinds]}


async def _dense_programme(session: AsyncSession, employers: int) -> uuid.UUID:
    """A programme of ``employers`` hosts, each with small counts in several categories,
    inserted as rows at once. Host ``i`` has three placements (active, active, completed; the
    first two hosts' third ended early instead), and:

    - seven grievances: five unresolved in one of wages, hours, housing and health and safety
      and two upheld in the next (by ``i``), so that every host's total is shown and its
      categories and outcomes are small; the first three hosts one more about harassment,
      partly upheld (what made a release of every host's cells re-solve for minutes);
    - two check-ins with a wage check, every tenth host's first finding a shortfall, the first
      two hosts' second a fee deducted; every fifth host's first with a housing check, the
      first three's finding a deviation;
    - a recruitment fee its first worker paid, every third host's also their travel, the first
      two hosts' also a medical; the first three hosts an evaluation.
    """
    pid = uuid.uuid4()
    now = datetime.now(UTC)
    worries = ("wages", "hours", "housing", "health_safety")
    placements: list[Placement] = []
    rows: list[Any] = []
    for i in range(employers):
        employer = await add_employer(session, programme_id=pid, name=f"Host {i:03d}")
        vacancy = await add_vacancy(session, employer=employer, programme_id=pid, seats=3)
        first, second, third = [
            placement_row(vacancy=vacancy, status=status, zero_fee=n > 0)
            for n, status in enumerate(("active", "active",
                                        "ended_early" if i < 2 else "completed"))]
        placements += [first, second, third]
        complaints = [*((worries[i % 4], None),) * 5, *((worries[(i + 1) % 4], "upheld"),) * 2,
                      *([("harassment", "partly_upheld")] if i < 3 else [])]
        for category, outcome in complaints:
            resolved = outcome is not None
            rows.append(Grievance(
                placement_id=second.id, programme_id=pid, employer_id=employer.id,
                candidate_id=second.candidate_id, category=category, severity="medium",
                description="Overtime unpaid.", share_identity_with_employer=False,
                handled_first_by="programme", on_behalf=False, filed_by="worker",
                filed_by_role="candidate", filed_at=now, level="programme",
                status="resolved" if resolved else "open", due_at=now + timedelta(days=10),
                outcome=outcome, resolved_at=now if resolved else None))
        for n in range(2):
            found = (["wage_shortfall"] if n == 0 and i % 10 == 0 else []) \
                + (["fee_deducted"] if n == 1 and i < 2 else [])
            housing = ({"deviations": [{"kind": "overcrowded_housing"}] if i < 3 else []}
                       if n == 0 and i % 5 == 0 else None)
            rows.append(CheckIn(
                placement_id=first.id, check_in_date=today(), wellbeing=3, housing="ok",
                health_flag=False, incidents=[], wage_check=_wage_check(*found),
                housing_check=housing, recorded_by="officer-1", recorded_by_role="officer"))
        paid = ["recruitment_fee", *(["travel_lodging"] if i % 3 == 0 else []),
                *(["medical"] if i < 2 else [])]
        rows += [RecruitmentCost(
            placement_id=first.id, programme_id=pid, category=category, amount=Decimal(300),
            currency="EUR", incurred_on=today(), paid_by="worker", recorded_by="officer-1",
            recorded_by_role="officer") for category in paid]
        if i < 3:
            rows.append(Evaluation(placement_id=third.id, technical_skills=4, communication=4,
                                   teamwork=4, reliability=4, would_host_again=True,
                                   evaluator="employer-1"))
    session.add_all(placements)
    await session.flush()
    session.add_all(rows)
    await session.flush()
    return pid


class TestManyEmployers:
    async def test_a_ministry_report_over_150_employers_answers_the_aggregate(
            self, client: httpx.AsyncClient, auth: Auth, session: AsyncSession) -> None:
        reports = await _reports(client, auth, await _dense_programme(session, 150))
        report = reports.seen
        assert len(report["employers"]) == report["employers_with_agreement"] == 150
        hidden = _withheld_for_good(reports.exact, report)
        assert {("placements", "by_status", "ended_early"),
                ("grievances", "by_category", "harassment"),
                ("grievances", "by_outcome", "partly_upheld"),
                ("wage_checks", "by_deviation_kind", "fee_deducted"),
                ("housing_checks", "with_deviation"),
                ("fees_charged", "by_category", "medical"),
                ("evaluations", "count")} <= hidden
        evidence = report["evidence"]
        assert (evidence["placements"]["total"], evidence["grievances"]["total"],
                evidence["check_ins"]["total"], evidence["wage_checks"]["with_deviation"],
                evidence["fees_charged"]["workers_who_paid"],
                evidence["fees_charged"]["by_category"]["travel_lodging"]) == (
            450, 1053, 300, 17, 150, 50)
        assert set(evidence["evaluations"]["mean_ratings"].values()) == {None}
        # Officers read every employer's evidence, exactly.
        lines = {line["name"]: line["evidence"] for line in reports.exact["employers"]}
        assert lines["Host 000"]["fees_charged"] == {
            "workers_who_paid": 1, "by_category": NO_FEE["by_category"] | {
                "recruitment_fee": 1, "travel_lodging": 1, "medical": 1}}
        assert lines["Host 001"]["grievances"]["by_category"]["harassment"] == 1
        assert reports.exact["suppressed_cells"] == 0

"""An employer's standing and a programme's report of its employers' standing: the evidence
counted (grievances and wage and housing checks included), who reads what, and a ministry's
counts under disclosure control."""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, get_args

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.employers.models import Employer
from services.placements.grievances.models import CATEGORIES
from services.placements.monitoring.models import WAGE_DEVIATIONS, CheckIn, Evaluation
from services.placements.monitoring.schemas import DeviationKind
from services.placements.placements.models import Placement
from tests.linear_system import Key, Sum, recoverable, zeros_by_sign
from tests.placements.factories import add_employer, add_placement, add_vacancy, today
from tests.placements.grievances.conftest import act, file
from tests.placements.monitoring.test_checks import month
from tests.placements.monitoring.test_router import check_in

Auth = Callable[..., dict[str, str]]
NO_GRIEVANCE = {"total": 0, "by_category": dict.fromkeys(CATEGORIES, 0),
                "by_outcome": dict.fromkeys(("upheld", "partly_upheld", "not_upheld",
                                             "withdrawn", "unresolved"), 0)}
NO_WAGE_CHECK = {"done": 0, "with_deviation": 0,
                 "by_deviation_kind": dict.fromkeys(WAGE_DEVIATIONS, 0)}


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


def _report_cells(report: dict[str, Any]) -> dict[Key, int | None]:
    """Every count of a programme's report, keyed by its scope ("all" or the employer's id)."""
    scopes = [("all", report["evidence"]),
              *((line["employer_id"], line["evidence"]) for line in report["employers"])]
    return {(scope, *key): value for scope, evidence in scopes
            for key, value in _counts(evidence)}


def _documented_sums(cells: dict[Key, Any]) -> list[Sum]:
    """What the report documents: in each scope, the placements' total is the sum of their
    statuses, the grievances' total that of their categories and that of their outcomes; each
    programme count is the sum of the employers'."""
    sums: list[Sum] = []
    scopes = {key[0] for key in cells}
    for scope in scopes:
        for section, total, breakdowns in (("placements", "total", ("by_status",)),
                                           ("grievances", "total",
                                            ("by_category", "by_outcome"))):
            for breakdown in breakdowns:
                sums.append(((scope, section, total), tuple(
                    key for key in cells if key[:3] == (scope, section, breakdown))))
    for key in cells:
        if key[0] == "all":
            sums.append((key, tuple((scope, *key[1:]) for scope in scopes - {"all"}
                                    if (scope, *key[1:]) in cells)))
    return sums


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
            "grievances": NO_GRIEVANCE,
        }

    async def test_grievances_and_checks_counted_for_an_officer(
            self, client: httpx.AsyncClient, auth: Auth, checked: Checked) -> None:
        officer = auth("officer", programme_ids=(checked.programme_id,))
        response = await client.get(f"/v1/employers/{checked.large.id}/standing",
                                    headers=officer)
        assert response.status_code == 200, response.text
        [line] = response.json()["programmes"]
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
        assert not any(str(c) in response.text for c in checked.candidate_ids)
        # An employer without any: every category, at zero.
        [small] = (await client.get(f"/v1/employers/{checked.small.id}/standing",
                                    headers=officer)).json()["programmes"]
        assert (small["evidence"]["grievances"], small["evidence"]["wage_checks"],
                small["evidence"]["housing_checks"]) == (
            NO_GRIEVANCE, NO_WAGE_CHECK, {"done": 0, "with_deviation": 0})

    async def test_the_employer_reads_no_check_its_trainee_recorded(
            self, client: httpx.AsyncClient, auth: Auth, checked: Checked) -> None:
        me = auth("employer", employer_id=checked.large.id)
        response = await client.get(f"/v1/employers/{checked.large.id}/standing", headers=me)
        assert response.status_code == 200, response.text
        [line] = response.json()["programmes"]
        evidence = line["evidence"]
        # The trainee's check-in (a shortfall, an overcrowded dwelling) is the programme's.
        assert evidence["check_ins"]["total"] == 11
        assert evidence["wage_checks"] == {
            "done": 5, "with_deviation": 1,
            "by_deviation_kind": NO_WAGE_CHECK["by_deviation_kind"] | {"wage_shortfall": 1}}
        assert evidence["housing_checks"] == {"done": 0, "with_deviation": 0}
        # The grievances about it it reads anyway (without whose): their counts too.
        assert evidence["grievances"]["total"] == 7
        assert not any(str(c) in response.text for c in checked.candidate_ids)

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
        sections = [report["evidence"], *(line["evidence"] for line in report["employers"])]
        for evidence in sections:
            assert not [n for n in _people(evidence) if n is not None and 0 < n < 5], evidence
            evaluations = evidence["evaluations"]
            if evaluations["count"] is None:
                assert set(evaluations["mean_ratings"].values()) == {None}
                assert evaluations["would_host_again_share"] is None
        small = next(line for line in report["employers"] if line["name"] == "Small host")
        assert small["evidence"]["placements"]["total"] is None
        assert report["evidence"]["check_ins"]["with_housing_issue"] is None
        # Companies are no one's personal data: named, with their standing.
        assert {line["name"] for line in report["employers"]} == {"Large host", "Small host"}
        assert "candidate" not in response.text

    async def test_a_ministry_cannot_recompute_withheld_grievances_and_checks(
            self, client: httpx.AsyncClient, auth: Auth, checked: Checked) -> None:
        params = {"programme_id": str(checked.programme_id)}
        exact = await client.get("/v1/employer-standing", params=params,
                                 headers=auth("officer", programme_ids=(checked.programme_id,)))
        response = await client.get("/v1/employer-standing", params=params,
                                    headers=auth("ministry",
                                                 programme_ids=(checked.programme_id,)))
        assert response.status_code == 200, response.text
        values, seen = _report_cells(exact.json()), _report_cells(response.json())
        assert set(seen) == set(values)
        hidden = {key for key, value in seen.items() if value is None}
        assert all(seen[key] == values[key] for key in values if key not in hidden)
        assert {key for key, value in values.items() if value and value < 5} <= hidden
        sums = _documented_sums(values)
        assert not recoverable(sums, hidden - zeros_by_sign(values, sums, hidden))
        assert response.json()["suppressed_cells"] >= len(hidden)  # rating sums: means
        large = str(checked.large.id)
        assert {(large, "grievances", "by_category", "housing"),
                (large, "grievances", "by_outcome", "unresolved"),
                (large, "wage_checks", "with_deviation"),
                (large, "housing_checks", "done")} <= hidden
        # The small host's check-ins are two: their checks go with them, zeros included.
        small = str(checked.small.id)
        assert (small, "wage_checks", "done") in hidden
        assert (small, "housing_checks", "with_deviation") in hidden
        assert not any(str(c) in response.text for c in checked.candidate_ids)

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

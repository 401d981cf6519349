"""An employer's standing and a programme's report of its employers' standing: the evidence
counted, who reads what, and a ministry's counts under disclosure control."""

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.employers.models import Employer
from services.placements.monitoring.models import CheckIn, Evaluation
from tests.placements.factories import add_employer, add_placement, add_vacancy, today

Auth = Callable[..., dict[str, str]]


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


def _people(evidence: dict[str, Any]) -> Iterator[int | None]:
    """Every count of people in an evidence section."""
    yield evidence["placements"]["total"]
    yield from evidence["placements"]["by_status"].values()
    yield evidence["check_ins"]["total"]
    yield evidence["check_ins"]["with_housing_issue"]
    yield from evidence["check_ins"]["incidents_by_type"].values()
    yield evidence["evaluations"]["count"]


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
            "evaluations": {"count": 5, "mean_ratings": dict.fromkeys(
                ("technical_skills", "communication", "teamwork", "reliability"), 4.0),
                "would_host_again_share": 0.8},
        }

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

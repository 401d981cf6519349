"""A programme's grievance statistics: exact for its officers, under disclosure control for its
ministry (small counts withheld, and whatever would give them away), nobody else's. (The counts
per employer are the employers' standing: tests/placements/employers/test_standing.py.)"""

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.grievances.disclosure import release
from services.placements.grievances.disclosure import suppress as apply
from services.placements.grievances.escalation import escalate_due
from services.placements.grievances.schemas import GrievanceStatistics
from shared.disclosure import suppress
from tests.linear_system import recoverable
from tests.placements.factories import add_placement
from tests.placements.grievances.conftest import Auth, Clock, act, file, parties

OUTCOMES = ("upheld", "upheld", "upheld", "not_upheld", "not_upheld")
RATINGS = (4, 4, 5, 3, 4)


async def _programme(client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
                     clock: Clock) -> tuple[Any, Any]:
    """Seven grievances in one programme: six about wages (five resolved two days after
    filing, with their outcomes and ratings; one open), one critical harassment escalated to
    the ministry."""
    placement = await add_placement(session, status="active")
    who = parties(auth, placement)
    assert clock.now is not None
    filed_at = clock.now
    wages = [await file(client, who.worker, placement.id, category="wages", severity="medium")
             for _ in range(6)]
    harassment = await file(client, who.worker, placement.id, category="harassment",
                            severity="critical")
    clock.now = filed_at + timedelta(days=2)
    for grievance, outcome, rating in zip(wages, OUTCOMES, RATINGS, strict=False):
        await act(client, grievance, "resolve", who.officer,
                  json={"outcome": outcome, "resolution": "Settled with the employer."})
        await act(client, grievance, "satisfaction", who.worker, json={"satisfaction": rating})
    # The harassment (2 days) escalates to the ministry, due there 2 days later.
    assert await escalate_due(session, now=filed_at + timedelta(days=3)) == 1
    assert harassment
    clock.now = filed_at + timedelta(days=4)
    return placement, who


async def _statistics(client: httpx.AsyncClient, headers: dict[str, str],
                      programme_id: Any, expect: int = 200) -> dict[str, Any]:
    response = await client.get("/v1/grievances/statistics",
                                params={"programme_id": str(programme_id)}, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


class TestStatistics:
    async def test_officers_read_every_figure(self, client: httpx.AsyncClient,
                                              session: AsyncSession, auth: Auth,
                                              clock: Clock) -> None:
        placement, who = await _programme(client, session, auth, clock)
        found = await _statistics(client, who.officer, placement.programme_id)
        assert found["total"] == 7
        assert found["by_category"] == {
            "wages": 6, "hours": 0, "housing": 0, "health_safety": 0, "harassment": 1,
            "discrimination": 0, "contract_substitution": 0, "document_retention": 0,
            "fees_charged": 0, "other": 0}
        assert found["by_severity"] == {"low": 0, "medium": 6, "high": 0, "critical": 1}
        assert found["by_status"] == {"open": 2, "in_progress": 0, "resolved": 5}
        assert found["by_outcome"] == {"upheld": 3, "partly_upheld": 0, "not_upheld": 2,
                                       "withdrawn": 0}
        assert found["unresolved_by_level"] == {"employer": 0, "programme": 1, "ministry": 1}
        assert found["escalated_to_ministry_unresolved"] == 1
        assert found["overdue"] == 0  # the ministry's deadline is a day ahead
        assert found["mean_days_to_resolution"] == 2.0
        assert (found["satisfaction_responses"], found["satisfaction_mean"]) == (5, 4.0)
        assert (found["suppressed_cells"], found["small_cell_threshold"]) == (0, None)

    async def test_the_ministry_reads_them_under_disclosure_control(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            clock: Clock) -> None:
        placement, who = await _programme(client, session, auth, clock)
        exact = await _statistics(client, who.officer, placement.programme_id)
        shown = await _statistics(client, who.ministry, placement.programme_id)
        assert shown["small_cell_threshold"] == 5 and shown["suppressed_cells"] > 0
        assert shown["by_category"]["harassment"] is None
        assert shown["by_severity"]["critical"] is None
        assert shown["escalated_to_ministry_unresolved"] is None
        # Every count of 1 to 4 is withheld; what is shown is exact.
        for name in ("by_category", "by_severity", "by_status", "by_outcome",
                     "unresolved_by_level"):
            for key, count in exact[name].items():
                if 0 < count < 5:
                    assert shown[name][key] is None, (name, key)
                elif shown[name][key] is not None:
                    assert shown[name][key] == count

    @pytest.mark.parametrize("role", ["employer", "candidate", "institution", "visa_authority"])
    async def test_no_one_else_reads_them(self, client: httpx.AsyncClient,
                                          session: AsyncSession, auth: Auth, role: str) -> None:
        placement = await add_placement(session, status="active")
        headers = auth(role, programme_ids=(placement.programme_id,),
                       employer_id=placement.employer_id,
                       candidate_id=placement.candidate_id, country="IT")
        await _statistics(client, headers, placement.programme_id, expect=403)

    async def test_another_programme_is_404(self, client: httpx.AsyncClient,
                                            session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        who = parties(auth, placement)
        for headers in (who.officer, who.ministry):
            problem = await _statistics(client, headers, uuid.uuid4(), expect=404)
            assert problem["type"] == "/problems/programme-not-found"
        await _statistics(client, auth("admin"), uuid.uuid4())  # zeros


def _statistics_of(**cells: Any) -> GrievanceStatistics:
    categories = dict.fromkeys(("wages", "hours", "housing", "health_safety", "harassment",
                                "discrimination", "contract_substitution",
                                "document_retention", "fees_charged", "other"), 0)
    defaults: dict[str, Any] = {
        "programme_id": uuid.uuid4(), "computed_at": "2026-12-01T00:00:00Z", "total": 40,
        "by_category": categories | {"wages": 20, "housing": 17, "harassment": 3},
        "by_severity": {"low": 10, "medium": 20, "high": 8, "critical": 2},
        "by_status": {"open": 6, "in_progress": 4, "resolved": 30},
        "by_outcome": {"upheld": 12, "partly_upheld": 9, "not_upheld": 8, "withdrawn": 1},
        "unresolved_by_level": {"employer": 1, "programme": 6, "ministry": 3},
        "escalated_to_ministry_unresolved": 3, "overdue": 2, "mean_days_to_resolution": 6.5,
        "satisfaction_responses": 21, "satisfaction_mean": 3.8}
    return GrievanceStatistics(**(defaults | cells))


class TestRelease:
    @pytest.mark.parametrize("cells", [{}, {"by_status": {"open": 9, "in_progress": 1,
                                                          "resolved": 30}},
                                       {"satisfaction_responses": 4}])
    async def test_no_withheld_figure_can_be_derived(self, cells: dict[str, Any]) -> None:
        found = release(_statistics_of(**cells))
        withheld = suppress(found)
        assert withheld.primary  # something is small in each case
        assert not recoverable(found.sums, withheld.hidden, found.equations)

    async def test_few_grievances_withhold_everything(self) -> None:
        few = _statistics_of(
            total=3, by_category=dict.fromkeys(("wages", "hours"), 0) | {"wages": 3},
            by_severity={"low": 0, "medium": 3, "high": 0, "critical": 0},
            by_status={"open": 0, "in_progress": 0, "resolved": 3},
            by_outcome={"upheld": 3, "partly_upheld": 0, "not_upheld": 0, "withdrawn": 0},
            unresolved_by_level={"employer": 0, "programme": 0, "ministry": 0},
            escalated_to_ministry_unresolved=0, overdue=0, satisfaction_responses=3)
        withheld = suppress(release(few))
        assert withheld.hidden == frozenset(release(few).cells)

    async def test_a_mean_goes_with_its_count(self) -> None:
        statistics = _statistics_of(satisfaction_responses=3)
        apply(statistics)
        assert (statistics.satisfaction_responses, statistics.satisfaction_mean) == (None, None)
        assert statistics.mean_days_to_resolution == 6.5

"""A matching run's fairness report: the arithmetic (pure), and the report of a real run over
HTTP with both apps, which adds up to the run's result whatever became of its proposals."""

import math
import random
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.matching import fairness
from services.placements.matching.execution import MatchingJobs
from services.placements.matching.fairness import UNKNOWN, Groups, Outcome
from shared.events.signing import Signer
from tests.placements.conftest import post_erased
from tests.placements.factories import act
from tests.placements.matching.helpers import PROPERTY
from tests.placements.matching.runs import Cohort, cohort, proposals_of, run_matching

Auth = Callable[..., dict[str, str]]
COUNTS = ("pool", "selected", "placed", "accepted", "declined", "awaiting")
SHARED = ("pool", "selected", "placed")


def _figures(report: fairness.Report, dimension: str) -> dict[str, dict[str, Any]]:
    """A dimension's figures by group, as plain dicts (properties included)."""
    return {f.group: {name: getattr(f, name) for name in (
        *COUNTS, *(f"{c}_share" for c in SHARED), "selection_rate", "acceptance_rate")}
        for f in report.dimensions[dimension]}


def adds_up(dimensions: dict[str, list[dict[str, Any]]], totals: dict[str, Any]) -> None:
    """Every dimension's groups add up to the totals, and its shares to 1 (or are null)."""
    for dimension, groups in dimensions.items():
        for column in COUNTS:
            assert sum(g[column] for g in groups) == totals[column], (dimension, column)
        assert all(g["placed"] == g["accepted"] + g["declined"] + g["awaiting"]
                   for g in groups), dimension
        for column in SHARED:
            shares = [g[f"{column}_share"] for g in groups]
            if totals[column]:
                assert math.isclose(sum(shares), 1.0), (dimension, column)
            else:
                assert shares == [None] * len(groups), (dimension, column)


class TestComposition:
    def test_counts_and_shares_of_the_pool_and_the_proposals(self) -> None:
        pool = [Groups("female", "MA", "18-24"), Groups("male", "TN", "25-34"),
                Groups("female", "MA", None), Groups("undisclosed", "MA", "45+")]
        recorded = fairness.composition(pool, pool[:2])
        assert recorded["gender"] == [
            {"group": "female", "pool": 2, "pool_share": 0.5, "selected": 1,
             "selected_share": 0.5},
            {"group": "male", "pool": 1, "pool_share": 0.25, "selected": 1,
             "selected_share": 0.5},
            {"group": "undisclosed", "pool": 1, "pool_share": 0.25, "selected": 0,
             "selected_share": 0.0}]
        assert [(g["group"], g["pool"], g["selected"]) for g in recorded["nationality"]] == [
            ("MA", 3, 1), ("TN", 1, 1)]
        # Bands in their order, missing ones last as unknown.
        assert [(g["group"], g["pool"]) for g in recorded["age_band"]] == [
            ("18-24", 1), ("25-34", 1), ("45+", 1), (UNKNOWN, 1)]

    def test_an_empty_run_has_no_shares(self) -> None:
        recorded = fairness.composition([Groups("male", "SN", "35-44")], [])
        assert recorded["gender"] == [{"group": "male", "pool": 1, "pool_share": 1.0,
                                       "selected": 0, "selected_share": None}]
        assert fairness.composition([], []) == {d: [] for d in fairness.DIMENSIONS}


POOL = (Groups("female", "MA", "18-24"), Groups("female", "TN", "25-34"),
        Groups("male", "MA", "25-34"), Groups("male", "MA", None),
        Groups("other", "NG", "35-44"))


class TestReport:
    def _report(self, outcomes: list[Outcome]) -> fairness.Report:
        recorded = fairness.composition(POOL, [o.groups for o in outcomes
                                                    for _ in range(o.proposals)])
        return fairness.report(fairness.pool_counts(recorded), outcomes)

    def test_every_figure_of_a_group(self) -> None:
        report = self._report([
            Outcome(Groups("female", "MA", "18-24"), "accepted", 1),
            Outcome(Groups("female", "TN", "25-34"), "declined", 1),
            Outcome(Groups("male", "MA", "25-34"), "awaiting", 1),
            Outcome(Groups("male", "MA", None), None, 1)])
        gender = _figures(report, "gender")
        assert list(gender) == ["female", "male", "other"]
        assert gender["female"] == {
            "pool": 2, "selected": 2, "placed": 2, "accepted": 1, "declined": 1,
            "awaiting": 0, "pool_share": 0.4, "selected_share": 0.5, "placed_share": 2 / 3,
            "selection_rate": 1.0, "acceptance_rate": 0.5}
        assert gender["male"] == {
            "pool": 2, "selected": 2, "placed": 1, "accepted": 0, "declined": 0,
            "awaiting": 1, "pool_share": 0.4, "selected_share": 0.5, "placed_share": 1 / 3,
            "selection_rate": 1.0, "acceptance_rate": 0.0}
        # In the pool, never proposed: no acceptance rate to speak of.
        assert gender["other"] == {
            "pool": 1, "selected": 0, "placed": 0, "accepted": 0, "declined": 0,
            "awaiting": 0, "pool_share": 0.2, "selected_share": 0.0, "placed_share": 0.0,
            "selection_rate": 0.0, "acceptance_rate": None}
        assert list(_figures(report, "age_band")) == ["18-24", "25-34", "35-44", UNKNOWN]
        assert _figures(report, "nationality")["MA"]["placed"] == 2
        totals = report.totals
        assert (totals.pool, totals.selected, totals.placed, totals.accepted, totals.declined,
                totals.awaiting) == (5, 4, 3, 1, 1, 1)

    def test_before_confirming_nothing_is_placed(self) -> None:
        report = self._report([Outcome(Groups("female", "MA", "18-24"), None, 1)])
        assert all(f["placed"] == 0 and f["placed_share"] is None
                   for f in _figures(report, "gender").values())

    def test_a_proposal_erased_since_is_unknown_and_the_totals_still_add_up(self) -> None:
        recorded = fairness.composition(POOL, [POOL[0]])
        report = fairness.report(fairness.pool_counts(recorded),
                                 [Outcome(Groups(None, None, None), "accepted", 1)])
        gender = _figures(report, "gender")
        assert (gender["female"]["selected"], gender[UNKNOWN]["selected"]) == (0, 1)
        assert (gender[UNKNOWN]["pool"], gender[UNKNOWN]["selection_rate"]) == (0, None)
        assert list(gender)[-1] == UNKNOWN
        assert report.totals.selected == 1 and report.totals.pool == 5

    @PROPERTY
    @given(st.integers(0, 2**32 - 1))
    def test_every_dimension_adds_up_to_the_run(self, seed: int) -> None:
        rng = random.Random(seed)
        values = {"gender": ("female", "male", "other", "undisclosed"),
                  "nationality": ("MA", "TN", "NG", "SN"),
                  "age_band": (*fairness.AGE_BANDS, None)}
        pool = [Groups(*(rng.choice(values[d]) for d in fairness.DIMENSIONS))
                for _ in range(rng.randint(0, 30))]
        chosen = rng.sample(pool, k=rng.randint(0, len(pool)))
        outcomes = Counter((g, rng.choice((None, "accepted", "declined", "awaiting")))
                           for g in chosen)
        report = fairness.report(
            fairness.pool_counts(fairness.composition(pool, chosen)),
            [Outcome(g, placement, n) for (g, placement), n in outcomes.items()])
        placed = sum(n for (_, placement), n in outcomes.items() if placement)
        totals = {"pool": len(pool), "selected": len(chosen), "placed": placed,
                  "accepted": sum(n for (_, p), n in outcomes.items() if p == "accepted"),
                  "declined": sum(n for (_, p), n in outcomes.items() if p == "declined")}
        totals["awaiting"] = placed - totals["accepted"] - totals["declined"]
        assert {c: getattr(report.totals, c) for c in COUNTS} == totals
        adds_up({d: list(_figures(report, d).values()) for d in fairness.DIMENSIONS}, totals)


# --- a real run, over HTTP --------------------------------------------------------------------


def _born(years_ago: int) -> date:
    """A birth date that many years before today (1 January: whole years, give or take one)."""
    return date(datetime.now(UTC).year - years_ago, 1, 1)


@pytest.fixture
async def pools(client: httpx.AsyncClient, candidates: httpx.AsyncClient,
                candidates_session: AsyncSession) -> Cohort:
    """The runs helper's cohort, with ages: amina and sara 18-24, omar 35-44, youssef 45+."""
    found = await cohort(client, candidates, candidates_session)
    for name, years in (("amina", 21), ("sara", 22), ("omar", 40), ("youssef", 50)):
        await candidates_session.execute(
            text("UPDATE candidates.candidate SET date_of_birth = :d WHERE id = :i"),
            {"d": _born(years), "i": found.candidates[name]})
    return found


async def _report(client: httpx.AsyncClient, run: dict[str, Any], *,
                  expect: int = 200, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = await client.get(f"/v1/matching-runs/{run['id']}/fairness", headers=headers)
    assert response.status_code == expect, response.text
    body: dict[str, Any] = response.json()
    return body


def _groups(report: dict[str, Any], dimension: str, *columns: str) -> dict[str, tuple[Any, ...]]:
    return {g["group"]: tuple(g[c] for c in columns) for g in report[dimension]}


def adds_up_to_the_run(report: dict[str, Any], run: dict[str, Any],
                       proposals: list[dict[str, Any]]) -> None:
    """The report's totals are the run's, and every dimension adds up to them."""
    totals = report["totals"]
    assert totals["pool"] == run["summary"]["candidates"]
    assert totals["selected"] == run["summary"]["proposals"] == len(proposals)
    assert totals["placed"] == (run["confirmation"] or {"created": 0})["created"] == len(
        [p for p in proposals if p["status"] == "confirmed"])
    adds_up({d: report[d] for d in fairness.DIMENSIONS}, totals)


class TestRunReport:
    async def test_adds_up_to_the_run_from_proposals_to_acceptances_and_erasure(
            self, client: httpx.AsyncClient, auth: Auth, jobs: MatchingJobs, signed: Signer,
            pools: Cohort) -> None:
        c = pools.candidates
        run = await run_matching(client, jobs, pools)
        # amina (F, MA, 18-24) and omar (M, TN, 35-44) to net, sara (F, MA, 18-24) to java;
        # youssef (M, MA, 45+) has no option.
        proposals = await proposals_of(client, run)
        assert {p["candidate_id"] for p in proposals} == {
            str(c["amina"]), str(c["omar"]), str(c["sara"])}
        report = await _report(client, run)
        assert (report["run_id"], report["programme_id"], report["run_status"]) == (
            run["id"], pools.programme_id, "completed")
        adds_up_to_the_run(report, run, proposals)
        assert _groups(report, "gender", "pool", "selected", "selection_rate") == {
            "female": (2, 2, 1.0), "male": (2, 1, 0.5)}
        assert _groups(report, "nationality", "pool", "pool_share", "selected",
                       "selected_share") == {"MA": (3, 0.75, 2, 2 / 3), "TN": (1, 0.25, 1, 1 / 3)}
        assert _groups(report, "age_band", "pool", "selected", "acceptance_rate") == {
            "18-24": (2, 2, 0.0), "35-44": (1, 1, 0.0), "45+": (1, 0, None)}
        # The run's summary reports the pool against the proposals, as the report does.
        assert run["summary"]["fairness"] == {
            d: [{k: g[k] for k in ("group", "pool", "pool_share", "selected",
                                   "selected_share")} for g in report[d]]
            for d in fairness.DIMENSIONS}

        confirmed = (await client.post(f"/v1/matching-runs/{run['id']}/confirm")).json()["run"]
        placements = {p["candidate_id"]: p for p in (await client.get(
            "/v1/placements", params={"programme_id": pools.programme_id})).json()["items"]}
        amina, omar = placements[str(c["amina"])], placements[str(c["omar"])]
        employer = auth("employer", employer_id=uuid.UUID(amina["employer_id"]))
        await act(client, amina, "accept-employer", headers=employer)
        await act(client, amina, "accept-candidate",
                  headers=auth("candidate", candidate_id=c["amina"]))
        await act(client, omar, "decline", headers=employer, json={"reason": "Filled."})
        report = await _report(client, run)
        assert report["run_status"] == "confirmed"
        adds_up_to_the_run(report, confirmed, await proposals_of(client, run))
        assert _groups(report, "gender", "placed", "accepted", "declined", "awaiting",
                       "acceptance_rate") == {"female": (2, 1, 0, 1, 0.5),
                                              "male": (1, 0, 1, 0, 0.0)}
        assert report["totals"] == {"pool": 4, "selected": 3, "placed": 3, "accepted": 1,
                                    "declined": 1, "awaiting": 1}

        # Erasing amina blanks what her proposal kept: she counts as unknown from then on, in
        # every dimension but the pool (counted on the run's day); everything still adds up.
        assert (await post_erased(client, signed, c["amina"], uuid.uuid4())).status_code == 200
        erased = await _report(client, run)
        adds_up_to_the_run(erased, confirmed, await proposals_of(client, run))
        assert erased["totals"] == report["totals"]
        assert _groups(erased, "gender", "pool", "selected", "accepted") == {
            "female": (2, 1, 0), "male": (2, 1, 0), UNKNOWN: (0, 1, 1)}
        assert _groups(erased, "age_band", "pool", "selected")[UNKNOWN] == (0, 1)

    async def test_who_may_read_it(self, client: httpx.AsyncClient, auth: Auth,
                                   jobs: MatchingJobs, pools: Cohort) -> None:
        run = await run_matching(client, jobs, pools)
        programme = uuid.UUID(pools.programme_id)
        tokens = {
            "admin": auth("admin"), "service": auth("service"),
            "officer": auth("officer", programme_ids=(programme,)),
            "other officer": auth("officer", programme_ids=(uuid.uuid4(),)),
            "employer": auth("employer", employer_id=uuid.UUID(pools.employers["net"]["id"])),
            "candidate": auth("candidate", candidate_id=pools.candidates["amina"]),
            "ministry": auth("ministry", programme_ids=(programme,)),
            "institution": auth("institution", institution_id=uuid.uuid4()),
        }
        url = f"/v1/matching-runs/{run['id']}/fairness"
        statuses = {who: (await client.get(url, headers=headers)).status_code
                    for who, headers in tokens.items()}
        assert statuses == {"admin": 200, "service": 200, "officer": 200,
                            "other officer": 404, "employer": 403, "candidate": 403,
                            "ministry": 403, "institution": 403}
        assert (await client.get(f"/v1/matching-runs/{uuid.uuid4()}/fairness")
                ).status_code == 404

    async def test_only_for_a_run_that_completed_with_its_pool_recorded(
            self, client: httpx.AsyncClient, session: AsyncSession, placements_app: FastAPI,
            jobs: MatchingJobs, pools: Cohort) -> None:
        candidates = placements_app.state.candidates_client.http
        placements_app.state.candidates_client.http = httpx.AsyncClient(
            transport=httpx.MockTransport(lambda _: httpx.Response(503)), base_url="http://c")
        failed = await run_matching(client, jobs, pools)
        placements_app.state.candidates_client.http = candidates
        problem = await _report(client, failed, expect=409)
        assert problem["type"] == "/problems/fairness-unavailable"
        assert "failed" in problem["detail"]
        run = await run_matching(client, jobs, pools)
        # A run completed before runs recorded their pool's composition.
        await session.execute(text(
            "UPDATE placements.matching_run SET summary = summary - 'fairness' WHERE id = :i"),
            {"i": run["id"]})
        assert (await client.get(f"/v1/matching-runs/{run['id']}")).json()["summary"][
            "fairness"] is None
        problem = await _report(client, run, expect=409)
        assert problem["type"] == "/problems/fairness-unavailable"

"""Reintegration indicators of one programme over 1,000,000 follow-ups of 200,000 cases.

The data (:func:`load`, fixed seed), written with COPY into the reintegration schema: 200,000
returnee cases of one programme, returned over the two years before the run, five follow-ups
each (at return, 1, 3, 6, 12 months) in the state the service would have them in today: a
follow-up whose window closed was answered (about 82 %) or marked overdue by the periodic job,
one in its window is answered or still open, one not due yet is scheduled; answers spread over
every employment status; 50,000 support measures, the grants and loans with money. The
indicators' counts (``indicator_*`` tables) are filled from those rows as the migration fills
them, then ``VACUUM ANALYZE``, as autovacuum would do to tables that size.

Measured, best of :data:`ROUNDS` (caches warm, as for an endpoint asked again and again):

- **indicators**: the statements of ``services.reintegration.indicators`` (the programme's
  counts kept by its writes, and its follow-ups open or missed as of now) and the shaping of
  their cells — everything ``GET /v1/indicators`` does but HTTP. Goal: under
  :data:`GOAL_MS` ms.
- **baseline**: ``SELECT count(*)`` of the same programme's follow-ups, through the same index:
  the least any statement reading those rows can cost.
- for information, ``COPY`` out of those follow-up rows (what loading them into Python would
  start with).
- **over HTTP** (``python -m bench`` only): ``GET /v1/indicators`` of the same programme from a
  real reintegration process (one uvicorn worker, its overdue job off), best of
  :data:`ROUNDS`, against the statements alone above. Goal: under :data:`GOAL_MS` ms too.

The plan of each statement (``EXPLAIN (ANALYZE, BUFFERS)``) is printed, with the scans it uses.

``python -m bench indicators`` runs it into the report; ``python -m bench.indicators`` runs it
alone on a throwaway database and prints the figures without touching the report.
"""

import asyncio
import os
import random
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from bench.environment import alone, uvicorn_process
from bench.figures import best_ms, figure, print_figures
from services.reintegration.indicators import repository, service
from services.reintegration.schedules.service import add_months, closes_at, opens_at
from shared.settings import role_url

CASES = 200_000
POINTS = (0, 1, 3, 6, 12)  # five follow-ups a case: 1,000,000
MEASURES = 50_000
ROUNDS = 7
SEED = 11
GOAL_MS = 50
RETURNED_OVER_DAYS = 730  # cases returned over the two years before the run
ANSWERED = 0.82  # of the follow-ups whose window closed (the others were marked overdue)
WINDOW_DAYS = 30
GENDERS = ("female", "male", "female", "male", "other", None)
COUNTRIES = ("MA", "TN", "NG", "SN", "EG", None)
SECTORS = ("ict", "electrical_engineering", "logistics", "agriculture", "hospitality",
           "construction", "healthcare", "green_energy", None)
ANSWERS = ("employed_host_company", "employed_other_employer", "self_employed", "in_education",
           "seeking_work", "not_seeking_work", "unreachable")
WORKING = ANSWERS[:3]
KINDS = ("entrepreneurship_training", "micro_grant", "micro_loan", "job_referral", "mentoring",
         "psychosocial_support")

_CASE_COLUMNS = ("id", "placement_id", "candidate_id", "programme_id", "origin_country",
                 "destination_country", "gender", "sector", "return_date", "placement_outcome")
# One stay per case, with the case's id (stays are a table of their own).
_STAY_COLUMNS = ("id", "case_id", "programme_id", "placement_id", "destination_country",
                 "sector", "return_date", "placement_outcome")
_FOLLOW_UP_COLUMNS = ("id", "case_id", "stay_id", "programme_id", "point_months", "due_date",
                      "window_closes_at", "status", "completed_at", "answered_on",
                      "overdue_at", "recorded_via",
                      "employment_status", "job_sector", "job_location", "income_band",
                      "skills_use", "satisfaction", "sustainability_economic",
                      "sustainability_social", "sustainability_psychosocial")
INDICATOR_TABLES = ("indicator_returnees", "indicator_point", "indicator_spend",
                    "indicator_support", "indicator_support_money", "indicator_clock")
_MEASURE_COLUMNS = ("id", "case_id", "candidate_id", "programme_id", "stage", "kind", "status",
                    "amount", "currency", "disbursed_date", "created_by")


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def cases_of(today: date, seed: int = SEED) -> tuple[uuid.UUID, list[tuple[Any, ...]]]:
    """The programme and its case rows, returned before ``today`` (same seed, same rows)."""
    rng = random.Random(seed)
    programme = _uuid(rng)
    cases = [(_uuid(rng), _uuid(rng), _uuid(rng), programme,
              rng.choice(COUNTRIES), "FR", rng.choice(GENDERS), rng.choice(SECTORS),
              today - timedelta(days=1 + rng.randrange(RETURNED_OVER_DAYS)),
              rng.choice(("completed", "completed", "ended_early"))) for _ in range(CASES)]
    return programme, cases


def _answer(rng: random.Random, answered_at: datetime) -> tuple[Any, ...]:
    employment = rng.choice(ANSWERS)
    reached, working = employment != "unreachable", employment in WORKING
    return (answered_at, "caseworker", employment,
            rng.choice(SECTORS[:-1]) if working else None,
            rng.choice(("origin_country",) * 4 + ("abroad",)) if working else None,
            rng.choice(("under_200", "200_499", "500_999")) if reached else None,
            rng.choice(("a_little", "a_lot")) if reached else None,
            rng.randint(1, 5) if reached else None,
            *((Decimal(rng.randrange(1001)) / 1000 for _ in range(3)) if reached
              else (None, None, None)))


def _status(rng: random.Random, now: datetime, due: date, closes: datetime) -> str:
    """What a follow-up due on ``due`` is by ``now``, its overdue job having run."""
    if closes <= now:
        return "completed" if rng.random() < ANSWERED else "overdue"
    if due <= now.date():
        return "completed" if rng.random() < 0.5 else "scheduled"
    return "scheduled"


def follow_ups_of(cases: list[tuple[Any, ...]], now: datetime,
                  seed: int = SEED) -> Iterator[tuple[Any, ...]]:
    """The follow-up rows of ``cases`` as of ``now``, one at a time (a million of them)."""
    rng = random.Random(seed + 1)
    for case_id, _, _, programme, *_, returned, _ in cases:
        for point in POINTS:
            due = add_months(returned, point)
            closes = closes_at(due, WINDOW_DAYS)
            status = _status(rng, now, due, closes)
            answered_at = min(now, opens_at(due) + timedelta(
                days=rng.randrange(WINDOW_DAYS), hours=12))
            answer = _answer(rng, answered_at) if status == "completed" else (None,) * 11
            yield (_uuid(rng), case_id, case_id, programme, point, due, closes,
                   status, answer[0], answer[0] and answer[0].date(),
                   closes if status == "overdue" else None, *answer[1:])


def measures_of(cases: list[tuple[Any, ...]], seed: int = SEED) -> list[tuple[Any, ...]]:
    """Support measures for a quarter of ``cases``; grants and loans carry money."""
    rng = random.Random(seed + 2)
    measures = []
    for case in rng.sample(cases, MEASURES):
        kind = rng.choice(KINDS)
        money = kind in ("micro_grant", "micro_loan")
        measures.append((_uuid(rng), case[0], case[2], case[3], "after_return", kind,
                         "completed",
                         Decimal(rng.randrange(200, 5000)) if money else None,
                         rng.choice(("EUR", "MAD")) if money else None,
                         case[8] + timedelta(days=30) if money else None, "bench"))
    return measures


async def load(connection: asyncpg.Connection, now: datetime) -> uuid.UUID:
    """Write the generated rows with COPY, then VACUUM ANALYZE; the programme."""
    programme, cases = cases_of(now.date())
    stays = [(case[0], case[0], case[3], case[1], case[5], case[7], case[8], case[9])
             for case in cases]
    for table, columns, rows in (("returnee_case", _CASE_COLUMNS, cases),
                                 ("returnee_stay", _STAY_COLUMNS, stays),
                                 ("follow_up", _FOLLOW_UP_COLUMNS, follow_ups_of(cases, now)),
                                 ("support_measure", _MEASURE_COLUMNS, measures_of(cases))):
        await connection.copy_records_to_table(table, schema_name="reintegration",
                                               columns=columns, records=rows)
    # As the overdue job does each round: the scheduled follow-ups counted as of now.
    await connection.execute("SELECT reintegration.indicator_advance($1)", now)
    for table in ("returnee_case", "returnee_stay", "follow_up", "support_measure",
                  *INDICATOR_TABLES):
        await connection.execute(f"VACUUM ANALYZE reintegration.{table}")
    return programme


def _scans(plan: list[str]) -> Iterator[str]:
    """The lines of a plan that say how rows are read and grouped, and what it cost."""
    for line in plan:
        text = line.strip().removeprefix("->  ")
        if text.startswith(("Heap Fetches", "Execution Time", "Planning Time")):
            yield f"  {text}" if text.startswith("Heap") else text
        elif "Scan" in text or "Aggregate" in text:
            actual = text.split("(actual ")[1].split(")")[0] if "(actual " in text else ""
            yield f"{text.split('  (')[0]}  ({actual})"


async def explain(connection: asyncpg.Connection, programme: uuid.UUID) -> dict[str, list[str]]:
    """The scans and times of each indicator statement's plan, as Postgres ran it."""
    plans = {}
    now = datetime.now(UTC)
    for name, sql, arguments in (
            ("returnees", repository.RETURNEES, ()),
            ("points", repository.POINTS, (now, now.date())),
            ("spend", repository.SPEND, ()), ("support", repository.SUPPORT, ())):
        rows = await connection.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", programme,
                                      *arguments)
        plans[name] = list(_scans([r[0] for r in rows]))
    return plans


async def measure(url: str) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Load the data on ``url`` (the reintegration role's), time, explain."""
    connection = await asyncpg.connect(url)
    try:
        started, now = time.perf_counter(), datetime.now(UTC)
        programme = await load(connection, now)
        print(f"   loaded {CASES:,} cases, {CASES * len(POINTS):,} follow-ups and {MEASURES:,} "
              f"measures in {time.perf_counter() - started:.1f} s", flush=True)
        rows = await connection.fetchval(
            "SELECT count(*) FROM reintegration.follow_up WHERE programme_id = $1", programme)

        async def indicators() -> None:
            service.shape(programme, await repository.cells(connection, programme, now=now,
                                                            today=now.date()), now=now)

        async def count() -> None:
            await connection.fetchval(
                "SELECT count(*) FROM reintegration.follow_up WHERE programme_id = $1",
                programme)

        async def copy_out() -> None:
            async def drop(_: bytes) -> None:
                return None

            await connection.copy_from_query(
                "SELECT * FROM reintegration.follow_up WHERE programme_id = $1", programme,
                output=drop)

        # In turns, so that load from other work on the machine weighs on each alike.
        best: dict[str, float] = {}
        for _ in range(2):
            for name, run in (("indicators", indicators), ("count", count),
                              ("copy", copy_out)):
                best[name] = min(best.get(name, float("inf")), await best_ms(run, ROUNDS))
        plans = await explain(connection, programme)
    finally:
        await connection.close()
    figures = [figure(
        f"indicators of one programme ({rows:,} follow-ups)",
        unit="ms", value=round(best["indicators"], 1), baseline=round(best["count"], 1),
        baseline_name="SELECT count(*) of its follow-ups, same index",
        goal=f"< {GOAL_MS:,} ms", met=best["indicators"] < GOAL_MS,
        copy_out_ms=round(best["copy"], 1), plans=plans, programme_id=str(programme))]
    return figures, plans


def _print(figures: list[dict[str, Any]], plans: dict[str, list[str]]) -> None:
    for name, lines in plans.items():
        print(f"   plan of {name}:", flush=True)
        for line in lines:
            print(f"     {line}", flush=True)
    print(f"   COPY out of the same follow-up rows: {figures[0]['copy_out_ms']} ms (for "
          "information)", flush=True)


async def over_http(url: str, statements: dict[str, Any]) -> dict[str, Any]:
    """``GET /v1/indicators`` of the programme measured, from a real reintegration process."""
    env = {"REINTEGRATION_DATABASE_URL": url, "REINTEGRATION_LOG_LEVEL": "WARNING",
           # Required; the indicators never call it.
           "REINTEGRATION_CANDIDATES_URL": "http://candidates.invalid",
           # Its periodic job would write to the very follow-ups being read.
           "REINTEGRATION_OVERDUE_JOB": "false"}
    with uvicorn_process("services.reintegration.main:create_app", env=env) as service:
        async with httpx.AsyncClient(base_url=service, timeout=120) as http:
            async def get() -> None:
                response = await http.get("/v1/indicators",
                                          params={"programme_id": statements["programme_id"]})
                response.raise_for_status()

            best = await best_ms(get, ROUNDS)
    return figure("GET /v1/indicators of that programme (reintegration process, HTTP)",
                  unit="ms", value=round(best, 1), baseline=statements["value"],
                  baseline_name="its three statements and shaping alone (above)",
                  goal=f"< {GOAL_MS:,} ms", met=best < GOAL_MS)


async def run(candidates_url: str) -> list[dict[str, Any]]:
    """The figures, for ``python -m bench``: the data goes to the reintegration schema of the
    benchmark's database, then a reintegration process serves them."""
    url = role_url(candidates_url, role="pathways_reintegration",
                   password=os.environ.get("REINTEGRATION_DATABASE_PASSWORD"))
    figures, plans = await measure(url)
    _print(figures, plans)
    return [*figures, await over_http(url, figures[0])]


def main() -> int:
    """Run alone on a throwaway database; print, leave the report as it is."""
    with alone("reintegration") as url:
        figures, plans = asyncio.run(measure(url))
    _print(figures, plans)
    print_figures(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The indicator queries: aggregates computed by Postgres, and the anonymised row export.

Each statement is one pass over one programme's rows grouped several ways at once with
GROUPING SETS; Python only receives the cells. The programme's cases come from
``ix_returnee_case_programme``, their stays from ``ix_returnee_stay_programme`` and their
follow-ups from ``ix_follow_up_programme_point``, each covering what the queries read, so
Postgres answers from the indexes alone (an index-only scan once the table is vacuumed). A
gender, origin country, sector or destination nobody gave is ``unknown``. A returnee is one
case: they count under their latest stay's sector and destination.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from services.reintegration.schedules.models import DEFAULT_POINTS

# GROUPING(c.gender, c.origin_country, c.sector, c.destination_country): a set bit is a
# rolled-up column.
BREAKDOWNS = {0b1111: None, 0b0111: "gender", 0b1011: "origin_country", 0b1101: "sector",
              0b1110: "destination_country"}

_CASES = """
    SELECT id,
           coalesce(gender, 'unknown') AS gender,
           coalesce(origin_country, 'unknown') AS origin_country,
           coalesce(sector, 'unknown') AS sector,
           coalesce(destination_country, 'unknown') AS destination_country
    FROM reintegration.returnee_case
    WHERE programme_id = $1
"""
_COLUMNS = "gender, origin_country, sector, destination_country"
_SETS = "(gender), (origin_country), (sector), (destination_country)"

# Each statement first counts the programme's rows by every combination of the breakdown
# columns (a few hundred cells at most), then rolls those cells up by GROUPING SETS: the rows
# are aggregated once, not once per breakdown. (A returnee is in one combination only, so
# summing the cells counts each once.)
RETURNEES = f"""
    WITH c AS ({_CASES}),
    stays AS (
        SELECT case_id, count(*) AS stays FROM reintegration.returnee_stay
        WHERE programme_id = $1 GROUP BY case_id
    ),
    business AS (
        SELECT DISTINCT case_id FROM reintegration.follow_up
        WHERE programme_id = $1 AND status = 'completed'
          AND employment_status = 'self_employed'
    ),
    cells AS (
        SELECT c.gender, c.origin_country, c.sector, c.destination_country,
               count(*) AS people, coalesce(sum(stays.stays), 0) AS stays,
               count(business.case_id) AS businesses_created
        FROM c LEFT JOIN stays ON stays.case_id = c.id
               LEFT JOIN business ON business.case_id = c.id
        GROUP BY 1, 2, 3, 4
    )
    SELECT {_COLUMNS},
           coalesce(sum(people), 0)::bigint AS people,
           coalesce(sum(stays), 0)::bigint AS stays,
           coalesce(sum(businesses_created), 0)::bigint AS businesses_created,
           GROUPING({_COLUMNS}) AS grouping
    FROM cells
    GROUP BY GROUPING SETS ((), {_SETS})
"""

# Per follow-up ($2: now, $3: today in UTC), cancelled ones left out. Missed: the window
# passed without an answer (marked overdue by the job, or about to be). Due: answered or
# missed. Open: answerable now. Pending: not due yet. Responded: answered by someone reached.
POINTS = f"""
    WITH c AS ({_CASES}),
    f AS (
        SELECT case_id, point_months, status, employment_status, job_location, due_date,
               (status = 'overdue' OR (status = 'scheduled' AND window_closes_at <= $2))
                   AS missed
        FROM reintegration.follow_up
        WHERE programme_id = $1 AND status <> 'cancelled'
    ),
    cells AS (
        SELECT f.point_months, c.gender, c.origin_country, c.sector, c.destination_country,
               count(*) FILTER (WHERE f.status = 'completed' OR f.missed) AS due,
               count(*) FILTER (WHERE f.status = 'completed') AS answered,
               count(*) FILTER (WHERE f.employment_status = 'unreachable') AS unreachable,
               count(*) FILTER (WHERE f.missed) AS missed,
               count(*) FILTER (WHERE f.status = 'scheduled' AND NOT f.missed
                                  AND f.due_date <= $3) AS open,
               count(*) FILTER (WHERE f.status = 'scheduled' AND f.due_date > $3) AS pending,
               count(*) FILTER (WHERE f.employment_status IN
                   ('employed_host_company', 'employed_other_employer', 'self_employed'))
                   AS working,
               count(*) FILTER (WHERE f.employment_status = 'employed_host_company')
                   AS host_company,
               count(*) FILTER (WHERE f.job_location = 'abroad') AS abroad
        FROM f JOIN c ON c.id = f.case_id
        GROUP BY 1, 2, 3, 4, 5
    )
    SELECT point_months, {_COLUMNS},
           sum(due)::bigint AS due, sum(answered)::bigint AS answered,
           sum(unreachable)::bigint AS unreachable, sum(missed)::bigint AS missed,
           sum(open)::bigint AS open, sum(pending)::bigint AS pending,
           sum(working)::bigint AS working, sum(host_company)::bigint AS host_company,
           sum(abroad)::bigint AS abroad,
           GROUPING({_COLUMNS}) AS grouping
    FROM cells
    GROUP BY GROUPING SETS ((point_months), (point_months, gender),
                            (point_months, origin_country), (point_months, sector),
                            (point_months, destination_country))
"""

# Spend: what was paid out to returnees (a disbursement date on a measure of their case), per
# currency, whatever became of the measure. People are counted per cell, so these rows are
# rolled up directly (a case's measures are few).
SPEND = f"""
    WITH c AS ({_CASES})
    SELECT s.currency, c.gender, c.origin_country, c.sector, c.destination_country,
           sum(s.amount) AS amount, count(*) AS measures, count(DISTINCT s.case_id) AS people,
           GROUPING(c.gender, c.origin_country, c.sector, c.destination_country) AS grouping
    FROM reintegration.support_measure AS s
    JOIN c ON c.id = s.case_id
    WHERE s.programme_id = $1 AND s.disbursed_date IS NOT NULL
    GROUP BY GROUPING SETS ((s.currency), (s.currency, c.gender),
                            (s.currency, c.origin_country), (s.currency, c.sector),
                            (s.currency, c.destination_country))
"""

# Every measure of the programme, case or not, by stage and kind (``by_currency`` 0) and the
# money disbursed in them by currency too (``by_currency`` 1 is the stage-and-kind row).
# Measures and people leave cancelled measures out; money paid out counts whatever became of
# its measure, as in SPEND.
SUPPORT = """
    SELECT stage, kind, currency,
           count(*) FILTER (WHERE status <> 'cancelled') AS measures,
           count(DISTINCT candidate_id) FILTER (WHERE status <> 'cancelled') AS people,
           sum(amount) FILTER (WHERE disbursed_date IS NOT NULL) AS amount,
           GROUPING(currency) AS by_currency
    FROM reintegration.support_measure
    WHERE programme_id = $1
    GROUP BY GROUPING SETS ((stage, kind), (stage, kind, currency))
"""

SCHEDULE = """
    SELECT points_months FROM reintegration.follow_up_schedule WHERE programme_id = $1
"""


@dataclass(frozen=True, slots=True)
class Cells:
    """The rows of the queries, and the points of the programme's schedule."""

    returnees: list[asyncpg.Record]
    points: list[asyncpg.Record]
    spend: list[asyncpg.Record]
    support: list[asyncpg.Record]
    schedule: list[int]


async def cells(connection: asyncpg.Connection, programme_id: uuid.UUID, *,
                now: datetime, today: date) -> Cells:
    """Every indicator cell of the programme as of ``now`` (``today``: its UTC date)."""
    schedule = await connection.fetchval(SCHEDULE, programme_id)
    return Cells(returnees=await connection.fetch(RETURNEES, programme_id),
                 points=await connection.fetch(POINTS, programme_id, now, today),
                 spend=await connection.fetch(SPEND, programme_id),
                 support=await connection.fetch(SUPPORT, programme_id),
                 schedule=list(schedule if schedule is not None else DEFAULT_POINTS))


# One row per follow-up answered or overdue: no candidate, case, placement or employer id, no
# free text, the return month rather than its day; the placement columns are those of the stay
# the follow-up follows. ``returnee`` is a pseudonym made with a salt drawn for this export
# alone: rows of one returnee (all their stays) link within the export, never across two
# exports. Ordered by it, so that the order says nothing about when cases opened.
EXPORT = """
    SELECT left(encode(sha256(convert_to($2 || c.id::text, 'UTF8')), 'hex'), 16) AS returnee,
           coalesce(c.gender, 'unknown') AS gender,
           coalesce(c.origin_country, 'unknown') AS origin_country,
           coalesce(s.sector, 'unknown') AS placement_sector,
           coalesce(s.destination_country, 'unknown') AS destination_country,
           s.stay_type, s.placement_outcome, to_char(s.return_date, 'YYYY-MM') AS return_month,
           f.point_months, f.status, f.employment_status, f.job_sector, f.job_location,
           f.income_band, f.skills_use, f.satisfaction, f.sustainability_economic,
           f.sustainability_social, f.sustainability_psychosocial, f.recorded_via
    FROM reintegration.follow_up AS f
    JOIN reintegration.returnee_case AS c ON c.id = f.case_id
    JOIN reintegration.returnee_stay AS s ON s.id = f.stay_id
    WHERE f.programme_id = $1 AND f.status IN ('completed', 'overdue')
      AND NOT (c.candidate_id = ANY($3::uuid[]))
    ORDER BY returnee, return_month, f.point_months
"""
# The people the export would list (each is asked about their consent first).
EXPORT_PEOPLE = """
    SELECT DISTINCT c.candidate_id
    FROM reintegration.follow_up AS f
    JOIN reintegration.returnee_case AS c ON c.id = f.case_id
    WHERE f.programme_id = $1 AND f.status IN ('completed', 'overdue')
"""


async def export_people(connection: asyncpg.Connection,
                        programme_id: uuid.UUID) -> list[uuid.UUID]:
    """The candidates the programme's follow-up export would list."""
    return [row[0] for row in await connection.fetch(EXPORT_PEOPLE, programme_id)]


async def export_rows(connection: asyncpg.Connection, programme_id: uuid.UUID,
                      salt: str, left_out: Sequence[uuid.UUID] = ()) -> bytes:
    """The programme's anonymised follow-up rows as CSV with a header, written by Postgres,
    but for the people ``left_out``."""
    chunks: list[bytes] = []

    async def collect(chunk: bytes) -> None:
        chunks.append(chunk)

    await connection.copy_from_query(EXPORT, programme_id, salt, list(left_out),
                                     output=collect,
                                     format="csv", header=True)
    return b"".join(chunks)

"""The indicators computed straight from the rows, as the service computed them before it kept
counts: every case, stay, follow-up and support measure of the programme read and grouped by
Postgres. The counts kept by the writes must give exactly these cells."""

import uuid
from datetime import datetime

import asyncpg

from services.reintegration.indicators.repository import POINT_ROLLUP, SCHEDULE, Cells
from services.reintegration.schedules.models import DEFAULT_POINTS

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
    {POINT_ROLLUP}"""

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


async def cells(connection: asyncpg.Connection, programme_id: uuid.UUID,
                now: datetime) -> Cells:
    """Every indicator cell of the programme as of ``now``, from the rows."""
    schedule = await connection.fetchval(SCHEDULE, programme_id)
    return Cells(returnees=await connection.fetch(RETURNEES, programme_id),
                 points=await connection.fetch(POINTS, programme_id, now, now.date()),
                 spend=await connection.fetch(SPEND, programme_id),
                 support=await connection.fetch(SUPPORT, programme_id),
                 schedule=list(schedule if schedule is not None else DEFAULT_POINTS))

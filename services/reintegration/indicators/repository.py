"""The indicator queries: aggregates computed by Postgres, and the anonymised row export.

Three statements, each one pass over one programme's rows grouped several ways at once with
GROUPING SETS; Python only receives the cells. The programme's cases come from
``ix_returnee_case_programme`` and its follow-ups from ``ix_follow_up_programme_point``, both
covering what the queries read, so Postgres answers from the indexes alone (an index-only scan
once the table is vacuumed). A gender, origin country or sector nobody gave is ``unknown``.
"""

import uuid
from dataclasses import dataclass

import asyncpg

# GROUPING(c.gender, c.origin_country, c.sector): a set bit is a rolled-up column.
BREAKDOWNS = {0b111: None, 0b011: "gender", 0b101: "origin_country", 0b110: "sector"}

_CASES = """
    SELECT id,
           coalesce(gender, 'unknown') AS gender,
           coalesce(origin_country, 'unknown') AS origin_country,
           coalesce(sector, 'unknown') AS sector
    FROM reintegration.returnee_case
    WHERE programme_id = $1
"""
_SETS = "(gender), (origin_country), (sector)"

# Each statement first counts the programme's rows by every combination of gender, country
# and sector (a few hundred cells at most), then rolls those cells up by GROUPING SETS: the
# rows are aggregated once, not once per breakdown.
RETURNEES = f"""
    WITH c AS ({_CASES}),
    business AS (
        SELECT DISTINCT case_id FROM reintegration.follow_up
        WHERE programme_id = $1 AND status = 'completed'
          AND employment_status = 'self_employed'
    ),
    cells AS (
        SELECT c.gender, c.origin_country, c.sector,
               count(*) AS returnees, count(business.case_id) AS businesses_created
        FROM c LEFT JOIN business ON business.case_id = c.id
        GROUP BY 1, 2, 3
    )
    SELECT gender, origin_country, sector,
           coalesce(sum(returnees), 0)::bigint AS returnees,
           coalesce(sum(businesses_created), 0)::bigint AS businesses_created,
           GROUPING(gender, origin_country, sector) AS grouping
    FROM cells
    GROUP BY GROUPING SETS ((), {_SETS})
"""

# Due: follow-ups answered or overdue (the job marks them once their window closed).
# Responded: answered by someone reached (not "unreachable").
POINTS = f"""
    WITH c AS ({_CASES}),
    cells AS (
        SELECT f.point_months, c.gender, c.origin_country, c.sector,
               count(*) AS due,
               count(*) FILTER (WHERE f.employment_status <> 'unreachable') AS responded,
               count(*) FILTER (WHERE f.employment_status IN
                   ('employed_host_company', 'employed_other_employer', 'self_employed'))
                   AS working,
               count(*) FILTER (WHERE f.employment_status = 'employed_host_company')
                   AS host_company,
               count(*) FILTER (WHERE f.job_location = 'abroad') AS abroad
        FROM reintegration.follow_up AS f
        JOIN c ON c.id = f.case_id
        WHERE f.programme_id = $1 AND f.status IN ('completed', 'overdue')
        GROUP BY 1, 2, 3, 4
    )
    SELECT point_months, gender, origin_country, sector,
           sum(due)::bigint AS due, sum(responded)::bigint AS responded,
           sum(working)::bigint AS working, sum(host_company)::bigint AS host_company,
           sum(abroad)::bigint AS abroad,
           GROUPING(gender, origin_country, sector) AS grouping
    FROM cells
    GROUP BY GROUPING SETS ((point_months), (point_months, gender),
                            (point_months, origin_country), (point_months, sector))
"""

# Spend: what was paid out (a disbursement date), per currency, whatever became of the measure.
# People are counted per cell, so these rows are rolled up directly (a case's measures are few).
SPEND = f"""
    WITH c AS ({_CASES})
    SELECT s.currency, c.gender, c.origin_country, c.sector,
           sum(s.amount) AS amount, count(*) AS measures, count(DISTINCT s.case_id) AS people,
           GROUPING(c.gender, c.origin_country, c.sector) AS grouping
    FROM reintegration.support_measure AS s
    JOIN c ON c.id = s.case_id
    WHERE s.programme_id = $1 AND s.disbursed_date IS NOT NULL
    GROUP BY GROUPING SETS ((s.currency), (s.currency, c.gender),
                            (s.currency, c.origin_country), (s.currency, c.sector))
"""


@dataclass(frozen=True, slots=True)
class Cells:
    """The rows of the three queries."""

    returnees: list[asyncpg.Record]
    points: list[asyncpg.Record]
    spend: list[asyncpg.Record]


async def cells(connection: asyncpg.Connection, programme_id: uuid.UUID) -> Cells:
    """Every indicator cell of the programme, in three statements."""
    return Cells(returnees=await connection.fetch(RETURNEES, programme_id),
                 points=await connection.fetch(POINTS, programme_id),
                 spend=await connection.fetch(SPEND, programme_id))


# One row per follow-up answered or overdue: no candidate, case, placement or employer id, no
# free text, the return month rather than its day. ``returnee`` is a pseudonym made with a
# salt drawn for this export alone: rows of one returnee link within the export, never across
# two exports. Ordered by it, so that the order says nothing about when cases opened.
EXPORT = """
    SELECT left(encode(sha256(convert_to($2 || c.id::text, 'UTF8')), 'hex'), 16) AS returnee,
           coalesce(c.gender, 'unknown') AS gender,
           coalesce(c.origin_country, 'unknown') AS origin_country,
           coalesce(c.sector, 'unknown') AS placement_sector,
           c.placement_outcome, to_char(c.return_date, 'YYYY-MM') AS return_month,
           f.point_months, f.status, f.employment_status, f.job_sector, f.job_location,
           f.income_band, f.skills_use, f.satisfaction, f.sustainability_economic,
           f.sustainability_social, f.sustainability_psychosocial, f.recorded_via
    FROM reintegration.follow_up AS f
    JOIN reintegration.returnee_case AS c ON c.id = f.case_id
    WHERE f.programme_id = $1 AND f.status IN ('completed', 'overdue')
    ORDER BY returnee, f.point_months
"""


async def export_rows(connection: asyncpg.Connection, programme_id: uuid.UUID,
                      salt: str) -> bytes:
    """The programme's anonymised follow-up rows as CSV with a header, written by Postgres."""
    chunks: list[bytes] = []

    async def collect(chunk: bytes) -> None:
        chunks.append(chunk)

    await connection.copy_from_query(EXPORT, programme_id, salt, output=collect,
                                     format="csv", header=True)
    return b"".join(chunks)

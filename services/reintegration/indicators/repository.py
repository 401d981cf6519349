"""The indicator queries: counts kept by the writes, and the anonymised row export.

The programme's counts per group of returnees (gender, origin country, sector, destination;
``unknown`` where nobody gave one) are kept in the ``indicator_*`` tables by triggers on the
rows they count (:mod:`.counts`), so a statement reads a few hundred rows, not the
programme's follow-ups; each rolls them up by GROUPING SETS. A returnee is one case: they count
under their latest stay's sector and destination. What depends on the hour (which follow-ups
still waiting are open or missed now) is asked of those follow-ups alone, from
``ix_follow_up_programme_scheduled_due`` (the ones due by today) and
``ix_follow_up_scheduled_closes`` (any whose window closed but is not due yet).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration.indicators import counts
from services.reintegration.schedules.models import DEFAULT_POINTS

# GROUPING(gender, origin_country, sector, destination_country): a set bit is a rolled-up
# column.
BREAKDOWNS = {0b1111: None, 0b0111: "gender", 0b1011: "origin_country", 0b1101: "sector",
              0b1110: "destination_country"}

_COLUMNS = "gender, origin_country, sector, destination_country"
_SETS = "(gender), (origin_country), (sector), (destination_country)"

# A group counts once it has a returnee (its rows stay when their counts fall back to zero).
RETURNEES = f"""
    SELECT {_COLUMNS},
           coalesce(sum(people), 0)::bigint AS people,
           coalesce(sum(stays), 0)::bigint AS stays,
           coalesce(sum(businesses_created), 0)::bigint AS businesses_created,
           GROUPING({_COLUMNS}) AS grouping
    FROM reintegration.indicator_returnees
    WHERE programme_id = $1 AND people > 0
    GROUP BY GROUPING SETS ((), {_SETS})
"""

# A point's counts of every group (``cells``) rolled up by point, and by point and each column.
POINT_ROLLUP = f"""
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

# Per follow-up ($2: now, $3: today in UTC), cancelled ones left out. Missed: the window
# passed without an answer (marked overdue by the job, or about to be). Due: answered or
# missed. Open: answerable now. Pending: not due yet. Responded: answered by someone reached.
# The counts say which scheduled follow-ups were due, open or missed as of the clock's instant;
# those falling due or closing between it and now (a few, the overdue job moving the clock on)
# are counted again as of now.
_COUNTED_AT = "(SELECT as_of FROM reintegration.indicator_clock)"
_COUNTED_ON = "(SELECT (as_of AT TIME ZONE 'UTC')::date FROM reintegration.indicator_clock)"
POINTS = f"""
    WITH moved AS (
        SELECT f.point_months,
               coalesce(c.gender, 'unknown') AS gender,
               coalesce(c.origin_country, 'unknown') AS origin_country,
               coalesce(c.sector, 'unknown') AS sector,
               coalesce(c.destination_country, 'unknown') AS destination_country,
               {counts.moved_on(then=_COUNTED_AT, then_date=_COUNTED_ON,
                                now="$2::timestamptz", now_date="$3::date")}
        FROM ({counts.crossing(then=_COUNTED_AT, then_date=_COUNTED_ON, now="$2::timestamptz",
                               now_date="$3::date", where="AND f.programme_id = $1")}) AS f
        JOIN reintegration.returnee_case AS c ON c.id = f.case_id AND c.programme_id = $1
        GROUP BY 1, 2, 3, 4, 5
    ),
    cells AS (
        SELECT p.point_months, p.gender, p.origin_country, p.sector, p.destination_country,
               p.completed + p.overdue + p.waiting_missed + coalesce(m.missed, 0) AS due,
               p.completed AS answered, p.unreachable,
               p.overdue + p.waiting_missed + coalesce(m.missed, 0) AS missed,
               p.waiting_open + coalesce(m.open, 0) AS open,
               p.scheduled - p.waiting_started - coalesce(m.started, 0) AS pending,
               p.working, p.host_company, p.abroad
        FROM reintegration.indicator_point AS p
        LEFT JOIN moved AS m USING (point_months, {_COLUMNS})
        WHERE p.programme_id = $1 AND p.completed + p.overdue + p.scheduled > 0
    )
    {POINT_ROLLUP}"""

# Spend: what was paid out to returnees (a disbursement date on a measure of their case), per
# currency, whatever became of the measure. People: the cases paid in that currency (each in
# one group, so the groups' sum counts each once).
SPEND = f"""
    SELECT currency, {_COLUMNS},
           sum(amount) AS amount, sum(measures)::bigint AS measures,
           sum(people)::bigint AS people,
           GROUPING({_COLUMNS}) AS grouping
    FROM reintegration.indicator_spend
    WHERE programme_id = $1 AND measures > 0
    GROUP BY GROUPING SETS ((currency), (currency, gender),
                            (currency, origin_country), (currency, sector),
                            (currency, destination_country))
"""

# Every measure of the programme, case or not, by stage and kind (``by_currency`` 1) and the
# money disbursed in them by currency (``by_currency`` 0). Measures and people leave cancelled
# measures out; money paid out counts whatever became of its measure, as in SPEND.
SUPPORT = """
    SELECT stage, kind, NULL::text AS currency, measures, people, NULL::numeric AS amount,
           1 AS by_currency
    FROM reintegration.indicator_support
    WHERE programme_id = $1 AND recorded > 0
    UNION ALL
    SELECT stage, kind, currency, NULL, NULL, amount, 0
    FROM reintegration.indicator_support_money
    WHERE programme_id = $1 AND disbursed > 0
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


_ADVANCE = text("SELECT reintegration.indicator_advance(:now)")


async def advance(session: AsyncSession, now: datetime) -> None:
    """Count the scheduled follow-ups as of ``now`` (if later than the clock's instant): those
    due or closing since move from pending to open to missed. In a transaction of its own: it
    waits for every transaction counting follow-ups to end, and they wait for it."""
    await session.execute(_ADVANCE, {"now": now})


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

"""Every query of recruitment costs, earnings at destination, exchange-rate tables and
SDG indicator 10.7.1.

The indicator is one statement over one programme's rows (:data:`SDG_10_7_1`), grouped by
origin, destination, sector and gender at once with GROUPING SETS; Python only receives the
cells. The programme's worker-paid cost lines come from ``ix_recruitment_cost_worker_paid``
(a partial index holding exactly the lines that count, with their currency and amount), read
without touching the table once it is vacuumed.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import Select, exists, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.placements.models import Placement
from services.placements.recruitment_costs.models import (
    WORKER_PAID,
    ExchangeRateTable,
    PlacementEarnings,
    RecruitmentCost,
)
from services.placements.vacancies.models import Vacancy
from shared import access
from shared.auth import Principal
from shared.db import insert, one_or_none
from shared.pagination import PageParams, keyset

# The placements SDG 10.7.1 counts: every worker who reached "accepted by both" and did not
# fall out before going (declined, visa refused): the stay ahead, under way, or over.
COUNTED_STATUSES = ("accepted_by_candidate", "visa_pending", "visa_granted", "active",
                    "completed", "ended_early")

# --- cost lines -------------------------------------------------------------------------------


async def add(session: AsyncSession, line: RecruitmentCost) -> RecruitmentCost:
    """Insert a cost line."""
    return await insert(session, line)


async def page(session: AsyncSession, params: PageParams, *, placement_id: uuid.UUID,
               withdrawn: bool | None) -> list[RecruitmentCost]:
    """One page (``limit + 1`` rows) of a placement's cost lines, first recorded first;
    ``withdrawn`` True or False keeps only the withdrawn or the standing ones."""
    statement = select(RecruitmentCost).where(RecruitmentCost.placement_id == placement_id)
    if withdrawn is not None:
        statement = statement.where(RecruitmentCost.withdrawn_at.is_not(None) if withdrawn
                                    else RecruitmentCost.withdrawn_at.is_(None))
    statement = keyset(statement, (RecruitmentCost.created_at, RecruitmentCost.id), params)
    return list((await session.scalars(statement)).all())


async def get(session: AsyncSession, *, placement_id: uuid.UUID, line_id: uuid.UUID,
              for_update: bool = False) -> RecruitmentCost | None:
    """The placement's cost line with this id, if it has one; ``for_update`` locks it."""
    return await one_or_none(session, select(RecruitmentCost).where(
        RecruitmentCost.id == line_id, RecruitmentCost.placement_id == placement_id),
        for_update=for_update)


async def withdraw(session: AsyncSession, line_id: uuid.UUID, *, at: datetime, by: str,
                   reason: str) -> RecruitmentCost:
    """Mark the line withdrawn at ``at`` by ``by``, for ``reason``."""
    return (await session.execute(
        update(RecruitmentCost).where(RecruitmentCost.id == line_id)
        .values(withdrawn_at=at, withdrawn_by=by, withdrawal_reason=reason)
        .returning(RecruitmentCost).execution_options(populate_existing=True))).scalar_one()


def _worker_paid(placement_id: Any) -> Any:
    """Whether the placement has a standing cost line borne by the worker, above zero
    (:data:`WORKER_PAID`: in the subquery its unqualified columns are the cost line's)."""
    return exists().where(RecruitmentCost.placement_id == placement_id, text(WORKER_PAID))


async def refresh_zero_fee(session: AsyncSession, placement_id: uuid.UUID) -> None:
    """Set the placement's ``zero_fee`` from its cost lines, bumping its version (its ETag)
    only when the flag changes. The caller holds the placement's row lock, so two requests on
    one placement's lines cannot leave a stale flag."""
    fee_free = ~_worker_paid(Placement.id)
    await session.execute(
        update(Placement).where(Placement.id == placement_id,
                                Placement.zero_fee.is_distinct_from(fee_free))
        .values(zero_fee=fee_free, version=Placement.version + 1)
        .execution_options(synchronize_session=False))


# --- earnings at destination -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Earnings:
    """What is known of a placement's monthly earnings: as reported, and the vacancy's
    stipend."""

    reported: PlacementEarnings | None
    stipend: Vacancy


async def earnings(session: AsyncSession, placement_id: uuid.UUID, *,
                   for_update: bool = False) -> Earnings:
    """The placement's reported earnings (if any; ``for_update`` locks them) and its
    vacancy."""
    reported = await one_or_none(session, select(PlacementEarnings).where(
        PlacementEarnings.placement_id == placement_id), for_update=for_update)
    vacancy = (await session.execute(
        select(Vacancy).join(Placement, Placement.vacancy_id == Vacancy.id)
        .where(Placement.id == placement_id))).scalar_one()
    return Earnings(reported=reported, stipend=vacancy)


async def put_earnings(session: AsyncSession, row: PlacementEarnings) -> PlacementEarnings:
    """Insert or replace the placement's reported earnings, bumping their version."""
    values = {"placement_id": row.placement_id, "monthly_amount": row.monthly_amount,
              "currency": row.currency, "as_of": row.as_of, "reported_by": row.reported_by,
              "recorded_by": row.recorded_by}
    statement = pg_insert(PlacementEarnings).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[PlacementEarnings.placement_id],
        set_={**{k: statement.excluded[k] for k in values if k != "placement_id"},
              "version": PlacementEarnings.version + 1, "updated_at": func.now()})
    return (await session.execute(
        statement.returning(PlacementEarnings)
        .execution_options(populate_existing=True))).scalar_one()


# --- exchange rates ------------------------------------------------------------------------


def readable_rate_tables(principal: Principal) -> Select[ExchangeRateTable]:
    """The rate tables of the programmes ``principal`` is related to: every list and lookup of
    one for a caller starts here."""
    return select(ExchangeRateTable).where(
        *access.conditions(principal, programme=ExchangeRateTable.programme_id))


async def add_rate_table(session: AsyncSession, table: ExchangeRateTable) -> ExchangeRateTable:
    """Insert a rate table."""
    return await insert(session, table)


async def rate_tables(session: AsyncSession, params: PageParams, *, principal: Principal,
                      programme_id: uuid.UUID) -> list[ExchangeRateTable]:
    """One page (``limit + 1`` rows) of the programme's rate tables, first supplied first."""
    statement = readable_rate_tables(principal).where(
        ExchangeRateTable.programme_id == programme_id)
    statement = keyset(statement, (ExchangeRateTable.created_at, ExchangeRateTable.id), params)
    return list((await session.scalars(statement)).all())


async def latest_rate_table(session: AsyncSession,
                            programme_id: uuid.UUID) -> ExchangeRateTable | None:
    """The programme's rate table valid on the latest date (the last supplied of that date):
    the one SDG 10.7.1 converts with."""
    return (await session.execute(
        select(ExchangeRateTable).where(ExchangeRateTable.programme_id == programme_id)
        .order_by(ExchangeRateTable.valid_on.desc(), ExchangeRateTable.created_at.desc(),
                  ExchangeRateTable.id.desc()).limit(1))).scalar_one_or_none()


# --- SDG 10.7.1 ------------------------------------------------------------------------------

# GROUPING(gender, origin_country, sector, destination_country): a set bit is a rolled-up
# column.
BREAKDOWNS = {0b1111: None, 0b0111: "gender", 0b1011: "origin_country", 0b1101: "sector",
              0b1110: "destination_country"}
# A worker is one counted placement ($2: COUNTED_STATUSES); $3 is the rate table to convert
# with (None: none). Their monthly earnings are those reported, else the vacancy's stipend (a
# stipend of zero is no earnings). Their costs are the standing lines they paid, above zero.
# Costs and earnings are converted into the reporting currency (``rt``: each code's rate, what
# one unit is worth in it; the reporting currency is 1), and the ratio is the one over the
# other: months of earnings spent on being recruited. A worker with a cost, or with costs and
# earnings, in a currency the table lacks has no ratio: "unconverted", never a guessed rate (a
# missing rate is NaN, which poisons the worker's sum). Without costs the ratio is 0: nothing
# to convert.
#
# The plan: the lines are summed per worker straight from ``ix_recruitment_cost_worker_paid``
# in its order (a streaming aggregate, no sort, no hash), then joined to the programme's
# placements (a hash join, each side read once); each worker gets one
# class (without earnings, paid or not; unconverted; the five ratio bands), the workers are
# counted once per combination of the four breakdown columns and class (a few thousand cells),
# and only those cells are rolled up by GROUPING SETS. OFFSET 0 keeps the worker subquery
# whole, so that its ratio is computed once per worker rather than once per use.
SDG_10_7_1 = f"""
    WITH rt AS (
        SELECT array_agg(code ORDER BY code) AS codes, array_agg(rate ORDER BY code) AS rates
        FROM (
            SELECT r.key AS code, r.value::numeric AS rate
            FROM placements.exchange_rate_table AS t, jsonb_each_text(t.rates) AS r
            WHERE t.id = $3 AND r.key <> t.reporting_currency
            UNION ALL
            SELECT reporting_currency, 1 FROM placements.exchange_rate_table WHERE id = $3
        ) AS r
    ),
    costs AS (
        SELECT placement_id,
               sum(amount * coalesce(
                   (SELECT rates FROM rt)[array_position((SELECT codes FROM rt), currency)],
                   'NaN')) AS converted
        FROM placements.recruitment_cost
        WHERE programme_id = $1 AND {WORKER_PAID}
        GROUP BY placement_id
    ),
    worker AS (
        SELECT gender, origin_country, sector, destination_country, ratio,
               CASE WHEN earnings IS NULL THEN CASE WHEN paid THEN 1 ELSE 0 END
                    WHEN ratio IS NULL THEN 2
                    WHEN NOT paid THEN 3
                    WHEN ratio <= 0.5 THEN 4 WHEN ratio <= 1 THEN 5 WHEN ratio <= 2 THEN 6
                    ELSE 7 END AS class
        FROM (
            SELECT coalesce(p.gender, 'unknown') AS gender,
                   coalesce(p.origin_country, 'unknown') AS origin_country,
                   coalesce(p.sector, 'unknown') AS sector, p.destination_country,
                   c.placement_id IS NOT NULL AS paid, p.earnings,
                   CASE WHEN p.earnings IS NULL THEN NULL
                        WHEN c.placement_id IS NULL THEN 0
                        WHEN c.converted <> 'NaN' THEN c.converted / (p.earnings
                            * (SELECT rates FROM rt)[array_position((SELECT codes FROM rt),
                                                                     p.earnings_currency)])
                   END AS ratio
            FROM (
                SELECT p.id, p.gender, p.origin_country, p.sector, p.destination_country,
                       nullif(coalesce(e.monthly_amount, v.stipend_amount), 0) AS earnings,
                       coalesce(e.currency, v.stipend_currency) AS earnings_currency
                FROM placements.placement AS p
                JOIN placements.vacancy AS v ON v.id = p.vacancy_id
                LEFT JOIN placements.placement_earnings AS e ON e.placement_id = p.id
                WHERE p.programme_id = $1 AND p.status = ANY($2::text[])
            ) AS p
            LEFT JOIN costs AS c ON c.placement_id = p.id
            OFFSET 0
        ) AS w
    ),
    cells AS (
        SELECT gender, origin_country, sector, destination_country, class,
               count(*) AS n, sum(ratio) AS ratio_sum, max(ratio) AS max_ratio
        FROM worker
        GROUP BY 1, 2, 3, 4, 5
    )
    SELECT gender, origin_country, sector, destination_country,
           coalesce(sum(n), 0)::bigint AS workers,
           coalesce(sum(n) FILTER (WHERE class NOT IN (0, 3)), 0)::bigint AS paid,
           coalesce(sum(n) FILTER (WHERE class IN (0, 1)), 0)::bigint AS without_earnings,
           coalesce(sum(n) FILTER (WHERE class = 1), 0)::bigint AS without_earnings_paid,
           coalesce(sum(n) FILTER (WHERE class = 2), 0)::bigint AS unconverted,
           coalesce(sum(n) FILTER (WHERE class >= 3), 0)::bigint AS counted,
           coalesce(sum(ratio_sum), 0) AS ratio_sum,
           coalesce(sum(n) FILTER (WHERE class = 3), 0)::bigint AS zero,
           coalesce(sum(n) FILTER (WHERE class = 4), 0)::bigint AS up_to_half_month,
           coalesce(sum(n) FILTER (WHERE class = 5), 0)::bigint AS half_to_one_month,
           coalesce(sum(n) FILTER (WHERE class = 6), 0)::bigint AS one_to_two_months,
           coalesce(sum(n) FILTER (WHERE class = 7), 0)::bigint AS over_two_months,
           max(max_ratio) AS max_ratio,
           GROUPING(gender, origin_country, sector, destination_country) AS grouping
    FROM cells
    GROUP BY GROUPING SETS ((), (gender), (origin_country), (sector), (destination_country))
"""


async def sdg_10_7_1(connection: asyncpg.Connection, programme_id: uuid.UUID,
                     rate_table_id: uuid.UUID | None) -> list[asyncpg.Record]:
    """The programme's SDG 10.7.1 cells, converted with the rate table ``rate_table_id``: the
    total and every group of each breakdown (``grouping``: see :data:`BREAKDOWNS`)."""
    return await connection.fetch(SDG_10_7_1, programme_id, list(COUNTED_STATUSES),
                                  rate_table_id)

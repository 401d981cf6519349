"""Recruitment cost rules: cost lines of a placement (recorded by the placed worker themself or
by an officer of its programme, withdrawn but never deleted), the worker's earnings at
destination, the exchange-rate tables a programme supplies, the placement's ``zero_fee`` and
SDG indicator 10.7.1.

Who may do what on a placement's lines and earnings is the placements policy's
(``record-costs``, ``read-costs``): the candidate on their own placement (another's is a 404),
officers of its programme, admins; an employer never (403), nor a ministry or a visa authority.
A candidate withdraws only the lines they recorded; officers and admins any line.

``zero_fee`` turns false with the first standing line the worker paid above zero, and true
again if every such line is withdrawn: kept on the placement row in the transaction that
records or withdraws a line, under the placement's row lock (taken first), so that a read of a
placement, or of a page of them, carries it without a join.

SDG 10.7.1, for admins, services, officers and ministries (statistics grant) of the programme:
per worker (placement in :data:`repository.COUNTED_STATUSES`), the costs they bore over their
own monthly earnings at destination, both in one currency (:data:`repository.SDG_10_7_1`); a
ministry reads it under the kit's disclosure control (:mod:`.disclosure`).
"""

import uuid
from collections.abc import Sequence
from datetime import datetime

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements import programmes
from services.placements.employers.exceptions import ProgrammeNotFound
from services.placements.erasure import service as erasure_service
from services.placements.placements import service as placement_service
from services.placements.placements.models import Placement
from services.placements.recruitment_costs import repository
from services.placements.recruitment_costs.disclosure import (
    BANDS,
    GROUPINGS,
    TOTAL,
    Cell,
    figures,
    release,
)
from services.placements.recruitment_costs.exceptions import (
    RecruitmentCostNotFound,
    RecruitmentCostWithdrawn,
)
from services.placements.recruitment_costs.models import (
    ExchangeRateTable,
    PlacementEarnings,
    RecruitmentCost,
)
from services.placements.recruitment_costs.schemas import (
    CostCell,
    CostGroup,
    EarningsOut,
    EarningsPut,
    ExchangeRatesCreate,
    RecruitmentCostCreate,
    Sdg1071,
)
from services.placements.upstream import CandidatesAsCaller
from shared import access, concurrency
from shared.auth import Forbidden, Principal
from shared.clock import utc_date
from shared.disclosure import Key, reads_exact, suppress
from shared.i18n import N_, _
from shared.pagination import PageParams

# Who supplies a programme's exchange rates, and who reads them and the indicator.
RATE_SUPPLIERS = access.STAFF
READS_AGGREGATES = frozenset({"admin", "service", "officer", "ministry"})


# --- cost lines -------------------------------------------------------------------------------


async def record(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                 data: RecruitmentCostCreate, now: datetime) -> tuple[Placement, RecruitmentCost]:
    """Record a cost line of the placement (the candidate on their own, officers, admins), in
    any of its states: a fee charged before a placement fell through was still charged. The
    placement and the line."""
    placement = await placement_service.authorize(
        session, principal=principal, placement_id=placement_id, action="record-costs",
        for_update=True)
    placement_service.happened("incurred_on", data.incurred_on, today=utc_date(now))
    await erasure_service.refuse_free_text(session, placement_id=placement_id,
                                           texts=[data.note, data.evidence_reference],
                                           fields="note, evidence_reference")
    line = await repository.add(session, RecruitmentCost(
        **data.model_dump(), placement_id=placement_id, programme_id=placement.programme_id,
        recorded_by=principal.subject, recorded_by_role=principal.role))
    await repository.refresh_zero_fee(session, placement_id)
    return placement, line


async def lines(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                page: PageParams, withdrawn: bool | None) -> tuple[Placement,
                                                                   list[RecruitmentCost]]:
    """The placement and a page of its cost lines, withdrawn ones included unless
    ``withdrawn`` says otherwise."""
    placement = await placement_service.authorize(
        session, principal=principal, placement_id=placement_id, action="read-costs")
    return placement, await repository.page(session, page, placement_id=placement_id,
                                            withdrawn=withdrawn)


async def withdraw(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                   line_id: uuid.UUID, reason: str, now: datetime,
                   ) -> tuple[Placement, RecruitmentCost]:
    """Withdraw a cost line entered by mistake: it stays, marked withdrawn with who and why,
    and no longer counts. A candidate withdraws only the lines they recorded (403 for an
    officer's); twice is a 409. The placement and the line."""
    placement = await placement_service.authorize(
        session, principal=principal, placement_id=placement_id, action="record-costs",
        for_update=True)
    line = await repository.get(session, placement_id=placement_id, line_id=line_id,
                                for_update=True)
    if line is None:
        raise RecruitmentCostNotFound(_("Placement {placement_id} has no recruitment cost "
                                        "{cost_id}.", placement_id=placement_id,
                                        cost_id=line_id))
    if principal.role == "candidate" and line.recorded_by_role != "candidate":
        raise Forbidden(_("A candidate may withdraw only the cost lines they recorded; ask "
                          "the programme's officer to withdraw this one."))
    if line.withdrawn_at is not None:
        raise RecruitmentCostWithdrawn(
            _("Recruitment cost {cost_id} was withdrawn at {at}.", cost_id=line_id,
              at=line.withdrawn_at.isoformat()),
            withdrawn_at=line.withdrawn_at.isoformat())
    await erasure_service.refuse_free_text(session, placement_id=placement_id, texts=[reason],
                                           fields="reason")
    withdrawn = await repository.withdraw(session, line_id, at=now, by=principal.subject,
                                          reason=reason)
    await repository.refresh_zero_fee(session, placement_id)
    return placement, withdrawn


# --- earnings at destination -----------------------------------------------------------------


def _earnings_out(placement_id: uuid.UUID, found: repository.Earnings) -> EarningsOut:
    reported, vacancy = found.reported, found.stipend
    if reported is not None:
        return EarningsOut(placement_id=placement_id, monthly_amount=reported.monthly_amount,
                           currency=reported.currency, as_of=reported.as_of, source="reported",
                           reported_by=reported.reported_by,
                           version=reported.version, updated_at=reported.updated_at)
    # The vacancy's stipend is monthly (Vacancy.stipend); none or zero is no earnings.
    known = vacancy.stipend_amount is not None and vacancy.stipend_amount > 0
    return EarningsOut(placement_id=placement_id,
                       monthly_amount=vacancy.stipend_amount if known else None,
                       currency=vacancy.stipend_currency if known else None, as_of=None,
                       source="vacancy" if known else None, reported_by=None, version=0,
                       updated_at=None)


async def earnings(session: AsyncSession, *, principal: Principal,
                   placement_id: uuid.UUID) -> tuple[Placement, EarningsOut]:
    """The placement and its monthly earnings at destination as SDG 10.7.1 uses them."""
    placement = await placement_service.authorize(
        session, principal=principal, placement_id=placement_id, action="read-costs")
    return placement, _earnings_out(placement_id,
                                    await repository.earnings(session, placement_id))


async def report_earnings(session: AsyncSession, *, principal: Principal,
                          placement_id: uuid.UUID, data: EarningsPut,
                          expected_version: int | None, now: datetime,
                          ) -> tuple[Placement, EarningsOut]:
    """Report the worker's first-month earnings (the worker, officers, admins): they take
    precedence over the vacancy's stipend. ``expected_version`` is that of the earnings read
    (0 while none were reported); a stale one is a 412."""
    placement = await placement_service.authorize(
        session, principal=principal, placement_id=placement_id, action="record-costs",
        for_update=True)
    current = await repository.earnings(session, placement_id, for_update=True)
    version = current.reported.version if current.reported is not None else 0
    concurrency.ensure_version(expected_version, version,
                               N_("The earnings changed since version {version}; read them again."))
    placement_service.happened("as_of", data.as_of, today=utc_date(now))
    reported = await repository.put_earnings(session, PlacementEarnings(
        placement_id=placement_id, **data.model_dump(),
        reported_by="worker" if principal.role == "candidate" else "officer",
        recorded_by=principal.subject))
    return placement, _earnings_out(placement_id, repository.Earnings(
        reported=reported, stipend=current.stipend))


# --- exchange rates --------------------------------------------------------------------------


async def supply_rates(session: AsyncSession, *, principal: Principal,
                       data: ExchangeRatesCreate, now: datetime,
                       candidates: CandidatesAsCaller | None = None) -> ExchangeRateTable:
    """Add a rate table to the programme's (admins, its officers); the candidates service is
    asked, with the caller's token, that the programme exists (404, 503 when it cannot be)."""
    access.ensure_role(principal, RATE_SUPPLIERS, N_("supply exchange rates"))
    access.ensure_programmes_visible(principal, [data.programme_id], ProgrammeNotFound)
    placement_service.happened("valid_on", data.valid_on, today=utc_date(now))
    await programmes.rules(candidates, data.programme_id)
    return await repository.add_rate_table(session, ExchangeRateTable(
        programme_id=data.programme_id, reporting_currency=data.reporting_currency,
        valid_on=data.valid_on, created_by=principal.subject,
        rates={code: str(rate) for code, rate in sorted(data.rates.items())}))


def _ensure_aggregates(principal: Principal, programme_id: uuid.UUID, doing: str) -> None:
    """403 for roles that read no programme figures; 404 for a programme not the caller's."""
    access.ensure_role(principal, READS_AGGREGATES, doing)
    access.ensure_programmes_visible(principal, [programme_id], ProgrammeNotFound)


async def rate_tables(session: AsyncSession, *, principal: Principal, programme_id: uuid.UUID,
                      page: PageParams) -> list[ExchangeRateTable]:
    """A page of the programme's rate tables (admins, services, its officers and
    ministries)."""
    _ensure_aggregates(principal, programme_id, N_("read exchange rates"))
    return await repository.rate_tables(session, page, principal=principal,
                                        programme_id=programme_id)


# --- SDG 10.7.1 ------------------------------------------------------------------------------


def cells_of(rows: Sequence[asyncpg.Record]) -> dict[Key, Cell]:
    """The statement's rows as cells: the total under :data:`TOTAL`, each group under
    ``(breakdown, value)``."""
    cells: dict[Key, Cell] = {}
    for row in rows:
        breakdown = repository.BREAKDOWNS[row["grouping"]]
        key = TOTAL if breakdown is None else (breakdown, row[breakdown])
        cells[key] = Cell(
            workers=row["workers"], paid=row["paid"], without_earnings=row["without_earnings"],
            without_earnings_paid=row["without_earnings_paid"],
            unconverted=row["unconverted"], counted=row["counted"],
            ratio_sum=row["ratio_sum"], bands={name: row[name] for name in BANDS},
            max_ratio=row["max_ratio"])
    cells.setdefault(TOTAL, Cell())
    return cells


async def sdg_10_7_1(session: AsyncSession, connection: asyncpg.Connection, *,
                     principal: Principal, programme_id: uuid.UUID, now: datetime) -> Sdg1071:
    """The programme's SDG 10.7.1 as the caller may read it: every figure for admins,
    services and its officers; under disclosure control for its ministries."""
    _ensure_aggregates(principal, programme_id, N_("read SDG 10.7.1"))
    table = await repository.latest_rate_table(session, programme_id)
    cells = cells_of(await repository.sdg_10_7_1(connection, programme_id,
                                                None if table is None else table.id))
    exact = reads_exact(principal.role)
    withheld = None if exact else suppress(release(cells))

    def groups(name: str) -> list[CostGroup]:
        shown = [CostGroup(value=key[1], **figures(key, cell, withheld))
                 for key, cell in cells.items() if key[0] == name
                 and (withheld is None or withheld.shown((*key, "workers")))]
        return sorted(shown, key=lambda g: (-(g.workers or 0), g.value))

    return Sdg1071(
        programme_id=programme_id, computed_at=now,
        reporting_currency=table.reporting_currency if table else None,
        rates_valid_on=table.valid_on if table else None,
        rate_table_id=table.id if table else None,
        placement_statuses=list(repository.COUNTED_STATUSES),
        small_cell_threshold=None if withheld is None else withheld.threshold,
        suppressed_cells=0 if withheld is None else withheld.count,
        total=CostCell(**figures(TOTAL, cells[TOTAL], withheld)),
        **{f"by_{name}": groups(name) for name in GROUPINGS})

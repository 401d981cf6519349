"""HTTP routes of recruitment costs, earnings at destination, exchange rates and SDG 10.7.1."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.placements.database import AccessRecorderDep
from services.placements.employers.exceptions import ProgrammeNotFound
from services.placements.erasure.exceptions import CandidateErased
from services.placements.placements.exceptions import (
    CandidatesUnavailable,
    InvalidDates,
    PlacementNotFound,
)
from services.placements.recruitment_costs import service
from services.placements.recruitment_costs.exceptions import (
    RecruitmentCostNotFound,
    RecruitmentCostWithdrawn,
)
from services.placements.recruitment_costs.schemas import (
    EarningsOut,
    EarningsPut,
    ExchangeRatesCreate,
    ExchangeRateTableOut,
    RecruitmentCostCreate,
    RecruitmentCostOut,
    RecruitmentCostWithdraw,
    Sdg1071,
)
from services.placements.upstream import CandidatesAsCallerDep
from shared.auth import Forbidden, PrincipalDep
from shared.clock import NowDep
from shared.concurrency import IfMatchRequired, expected_version
from shared.db import SessionDep, driver_connection
from shared.errors import InvalidCursor, PreconditionFailed, responses
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused, InvalidIdempotencyKey
from shared.pagination import Page, PageDep
from shared.responses import json_response, page_response

router = APIRouter(tags=["recruitment costs"])
rates_router = APIRouter(prefix="/v1/exchange-rates", tags=["exchange rates"])
_LINES = "/v1/placements/{placement_id}/recruitment-costs"
_EARNINGS = "/v1/placements/{placement_id}/earnings"
READ_ERRORS = (PlacementNotFound, Forbidden)
ProgrammeQuery = Annotated[uuid.UUID, Query(description="The programme.")]


@router.post(_LINES, status_code=201, response_model=RecruitmentCostOut,
             responses=responses(*READ_ERRORS, InvalidDates, CandidateErased,
                                 IdempotencyKeyReused, InvalidIdempotencyKey))
async def record_recruitment_cost(placement_id: uuid.UUID, data: RecruitmentCostCreate,
                                  session: SessionDep, principal: PrincipalDep, now: NowDep,
                                  idempotency: IdempotencyDep,
                                  recorder: AccessRecorderDep) -> Response:
    """Record a recruitment fee or related cost of the placed worker: its ILO category, amount
    (zero or more) and ISO 4217 currency, the day it was incurred (not in the future), who paid
    it and where the evidence is. The placed candidate records their own (another's placement
    is a 404), officers of the programme and admins anyone's; employers never (403). A line
    the worker paid, above zero, turns the placement's ``zero_fee`` false."""

    async def produce() -> Response:
        placement, line = await service.record(session, principal=principal,
                                               placement_id=placement_id, data=data, now=now)
        recorder.change(placement.candidate_id, "recruitment_cost", line.id)
        return json_response(RecruitmentCostOut.model_validate(line), status_code=201)

    return await idempotency.run(data, produce)


@router.get(_LINES, response_model=Page[RecruitmentCostOut],
            responses=responses(*READ_ERRORS, InvalidCursor))
async def list_recruitment_costs(
    placement_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, page: PageDep,
    recorder: AccessRecorderDep,
    withdrawn: Annotated[bool | None, Query(
        description="true: only the withdrawn lines; false: only those standing.")] = None,
) -> Response:
    """The placement's recruitment cost lines, first recorded first, withdrawn ones included
    (marked) unless ``withdrawn`` says otherwise: for the placed candidate, officers of the
    programme and admins; an employer reads none (403)."""
    placement, rows = await service.lines(session, principal=principal,
                                          placement_id=placement_id, page=page,
                                          withdrawn=withdrawn)
    recorder.read(placement.candidate_id, "recruitment_cost", placement_id)
    return page_response(RecruitmentCostOut, rows, page)


@router.post(f"{_LINES}/{{cost_id}}/withdraw", response_model=RecruitmentCostOut,
             responses=responses(*READ_ERRORS, RecruitmentCostNotFound,
                                 RecruitmentCostWithdrawn, CandidateErased))
async def withdraw_recruitment_cost(placement_id: uuid.UUID, cost_id: uuid.UUID,
                                    data: RecruitmentCostWithdraw, session: SessionDep,
                                    principal: PrincipalDep, now: NowDep,
                                    recorder: AccessRecorderDep) -> Response:
    """Withdraw a cost line entered by mistake, with the reason: it stays in the record,
    marked withdrawn, and no longer counts (nor for ``zero_fee``). The candidate withdraws
    the lines they recorded (403 for an officer's); officers of the programme and admins any;
    a second withdrawal is a 409."""
    placement, line = await service.withdraw(session, principal=principal,
                                             placement_id=placement_id, line_id=cost_id,
                                             reason=data.reason, now=now)
    recorder.change(placement.candidate_id, "recruitment_cost", line.id)
    return json_response(RecruitmentCostOut.model_validate(line))


@router.get(_EARNINGS, response_model=EarningsOut, responses=responses(*READ_ERRORS))
async def get_earnings(placement_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                       recorder: AccessRecorderDep) -> Response:
    """The worker's monthly earnings at destination as SDG 10.7.1 uses them: those reported,
    else the vacancy's monthly stipend. For the placed candidate, officers of the programme
    and admins (an employer: 403). Its ETag (``"0"`` while none were reported) is the
    ``If-Match`` of a report."""
    placement, body = await service.earnings(session, principal=principal,
                                             placement_id=placement_id)
    recorder.read(placement.candidate_id, "earnings", placement_id)
    return json_response(body, version=body.version)


@router.put(_EARNINGS, response_model=EarningsOut,
            responses=responses(*READ_ERRORS, PreconditionFailed, InvalidDates))
async def put_earnings(placement_id: uuid.UUID, data: EarningsPut, session: SessionDep,
                       principal: PrincipalDep, now: NowDep, recorder: AccessRecorderDep,
                       if_match: IfMatchRequired) -> Response:
    """Report the worker's earnings in their first month at destination (the placed
    candidate, officers of the programme, admins): they take precedence over the vacancy's
    stipend. ``If-Match`` names the earnings read (``"0"`` before the first report)."""
    placement, body = await service.report_earnings(
        session, principal=principal, placement_id=placement_id, data=data,
        expected_version=expected_version(if_match), now=now)
    recorder.change(placement.candidate_id, "earnings", placement_id)
    return json_response(body, version=body.version)


@router.get("/v1/recruitment-costs/sdg-10-7-1", response_model=Sdg1071,
            responses=responses(ProgrammeNotFound, Forbidden))
async def sdg_10_7_1(programme_id: ProgrammeQuery, session: SessionDep,
                     principal: PrincipalDep, now: NowDep) -> Response:
    """SDG indicator 10.7.1 of a programme: per worker (a placement from both parties'
    acceptance on, not declined nor refused a visa), the recruitment costs they bore
    themselves (their standing lines paid by the worker) over their own monthly earnings at
    destination (reported, else the vacancy's stipend), in one currency by the programme's
    latest exchange-rate table (its date and reporting currency are given); the mean, the
    maximum and the distribution of the ratio in bands (none, up to half a month's earnings,
    up to one, up to two, more); the workers left out for want of earnings or of a rate
    (``unconverted``: never a guessed rate); the share who paid any fee — overall and by
    origin and destination country, sector and gender.

    Admins, services and officers of the programme read every figure; its ministries
    (statistics grant) read counts of fewer than five workers withheld, totals included, with
    every figure the shown ones would give away (``suppressed_cells``, ``small_cell_threshold``)
    and never a person's (no maximum). Other roles: 403; another's programme: 404."""
    body = await service.sdg_10_7_1(session, await driver_connection(session),
                                    principal=principal, programme_id=programme_id, now=now)
    return json_response(body)


@rates_router.post("", status_code=201, response_model=ExchangeRateTableOut,
                   responses=responses(ProgrammeNotFound, Forbidden, InvalidDates,
                                       CandidatesUnavailable, IdempotencyKeyReused,
                                       InvalidIdempotencyKey))
async def create_exchange_rates(data: ExchangeRatesCreate, session: SessionDep,
                                principal: PrincipalDep, now: NowDep,
                                idempotency: IdempotencyDep,
                                candidates: CandidatesAsCallerDep) -> Response:
    """Supply the programme's exchange rates valid on a date (admins, its officers): what one
    unit of each currency is worth in the reporting currency. Tables are kept: SDG 10.7.1
    converts with the one valid on the latest date."""

    async def produce() -> Response:
        table = await service.supply_rates(session, principal=principal, data=data, now=now,
                                           candidates=candidates)
        return json_response(ExchangeRateTableOut.model_validate(table), status_code=201)

    return await idempotency.run(data, produce)


@rates_router.get("", response_model=Page[ExchangeRateTableOut],
                  responses=responses(ProgrammeNotFound, Forbidden, InvalidCursor))
async def list_exchange_rates(programme_id: ProgrammeQuery, session: SessionDep,
                              principal: PrincipalDep, page: PageDep) -> Response:
    """The programme's exchange-rate tables, first supplied first (admins, services, its
    officers and ministries)."""
    rows = await service.rate_tables(session, principal=principal, programme_id=programme_id,
                                     page=page)
    return page_response(ExchangeRateTableOut, rows, page)

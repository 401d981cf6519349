"""HTTP routes of the outcome indicators and the exports for donors and ministries.

Registered before the follow-ups router: ``/v1/follow-ups/export.csv`` is not a follow-up id.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query
from starlette.responses import Response

from services.reintegration.csv_downloads import csv_response, wants_csv
from services.reintegration.indicators import service
from services.reintegration.indicators.schemas import Indicators
from services.reintegration.schedules.exceptions import ProgrammeNotFound
from shared.auth import AUTH_RESPONSES, Forbidden, PrincipalDep
from shared.clock import NowDep
from shared.db import SessionDep, driver_connection
from shared.errors import responses
from shared.responses import json_response

router = APIRouter(tags=["indicators"], responses=AUTH_RESPONSES)
ProgrammeQuery = Annotated[uuid.UUID, Query(description="The programme.")]
_CSV = {"content": {"text/csv": {"schema": {"type": "string"}}}}


@router.get("/v1/indicators", response_model=Indicators,
            responses={**responses(ProgrammeNotFound, Forbidden), 200: _CSV})
async def indicators(programme_id: ProgrammeQuery, session: SessionDep,
                     principal: PrincipalDep, now: NowDep,
                     accept: Annotated[str | None, Header()] = None) -> Response:
    """A programme's reintegration indicators: returnees (people) and their returns (stays),
    at every point of the follow-up schedule who was due, answered, unreachable, missed the
    window or is not due yet, the share employed or self-employed, employed by the host
    company and working abroad, businesses created, support spend and the follow-up response
    rate — each broken down by gender, origin country, the placement's sector and the
    destination country; and the support measures of every stage by kind, with the people
    reached and the money spent.

    Admins, services, officers and ministries of the programme; a ministry gets the sectors
    of fewer than five returnees taken together as `other`, and cells of fewer than five
    people suppressed. ``Accept: text/csv`` gives the CSV of ``/v1/indicators/export.csv``.
    """
    body = await service.compute(await driver_connection(session), principal=principal,
                                 programme_id=programme_id, now=now)
    if wants_csv(accept):
        return csv_response(service.to_csv(body), filename=f"indicators-{programme_id}.csv")
    return json_response(body)


@router.get("/v1/indicators/export.csv", response_class=Response,
            responses={**responses(ProgrammeNotFound, Forbidden), 200: _CSV})
async def indicators_csv(programme_id: ProgrammeQuery, session: SessionDep,
                         principal: PrincipalDep, now: NowDep) -> Response:
    """The indicators as CSV, one value a line: ``breakdown, group, point_months, currency,
    indicator, value``. Suppressed cells are absent for ministries, as in the JSON."""
    body = await service.compute(await driver_connection(session), principal=principal,
                                 programme_id=programme_id, now=now)
    return csv_response(service.to_csv(body), filename=f"indicators-{programme_id}.csv")


@router.get("/v1/follow-ups/export.csv", response_class=Response,
            responses={**responses(ProgrammeNotFound, Forbidden), 200: _CSV})
async def follow_ups_csv(programme_id: ProgrammeQuery, session: SessionDep,
                         principal: PrincipalDep) -> Response:
    """The programme's follow-ups answered or overdue, anonymised, one a line, for donors:
    no candidate, case or employer id and no free text; ``returnee`` is a pseudonym valid in
    this file only (one returnee's stays share it); the placement columns are the stay's, with
    the return month instead of its day. Admins, services and the programme's officers;
    ministries read aggregates only (403)."""
    body = await service.export_rows(await driver_connection(session), principal=principal,
                                     programme_id=programme_id)
    return csv_response(body, filename=f"follow-ups-{programme_id}.csv")

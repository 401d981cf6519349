"""HTTP routes of the outcome indicators and the exports for donors and ministries.

Registered before the follow-ups router: ``/v1/follow-ups/export.csv`` is not a follow-up id.
"""

import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from starlette.responses import Response

from services.reintegration import consents
from services.reintegration.csv_downloads import csv_response, wants_csv
from services.reintegration.database import AccessRecorderDep
from services.reintegration.indicators import service
from services.reintegration.indicators.schemas import Indicators
from services.reintegration.schedules.exceptions import ProgrammeNotFound
from services.reintegration.support.exceptions import CandidatesUnavailable
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
    of fewer than five returnees taken together as `other`, counts of fewer than five people
    withheld (totals included), and every count the shown ones would give away by the sums
    the response documents withheld too (`suppressed_cells`, `small_cell_threshold`).
    ``Accept: text/csv`` gives the CSV of ``/v1/indicators/export.csv``.
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
    indicator, value``. For ministries withheld counts are blank (or absent with their
    group, point or row) as in the JSON, and the last two lines give the threshold and how
    many counts were withheld."""
    body = await service.compute(await driver_connection(session), principal=principal,
                                 programme_id=programme_id, now=now)
    return csv_response(service.to_csv(body), filename=f"indicators-{programme_id}.csv")


@router.get("/v1/follow-ups/export.csv", response_class=Response,
            responses={**responses(ProgrammeNotFound, Forbidden, CandidatesUnavailable),
                       200: {**_CSV, "headers": {consents.LEFT_OUT_HEADER: {
                           "description": "How many people were left out: their "
                           "data_processing consent is not in force.",
                           "schema": {"type": "integer"}}}}})
async def follow_ups_csv(programme_id: ProgrammeQuery, session: SessionDep,
                         principal: PrincipalDep, request: Request,
                         recorder: AccessRecorderDep) -> Response:
    """The programme's follow-ups answered or overdue, anonymised, one a line, for donors:
    no candidate, case or employer id and no free text; ``returnee`` is a pseudonym valid in
    this file only (one returnee's stays share it); the placement columns are the stay's, with
    the return month instead of its day. Admins, services and the programme's officers;
    ministries read aggregates only (403).

    Only people whose ``data_processing`` consent is in force now are in the file (the
    candidates service is asked at each export; 503 when it cannot be): the
    ``Pathways-Left-Out-For-Consent`` header says how many were left out. Each person in the
    file gets an ``export`` entry in the access record."""

    async def without_consent(people: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        return await consents.without_consent(request.app, people)

    body, left_out, exported = await service.export_rows(
        await driver_connection(session), principal=principal, programme_id=programme_id,
        without_consent=without_consent)
    recorder.export(exported, "follow_ups", programme_id)
    response = csv_response(body, filename=f"follow-ups-{programme_id}.csv")
    response.headers[consents.LEFT_OUT_HEADER] = str(left_out)
    return response

"""HTTP routes of programmes."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.candidates import access
from services.candidates.programmes import service
from services.candidates.programmes.exceptions import (
    InvalidGenderTargets,
    InvalidIntakeWindow,
    ProgrammeCodeTaken,
    ProgrammeNotFound,
)
from services.candidates.programmes.schemas import ProgrammeCreate, ProgrammeOut, ProgrammeUpdate
from services.candidates.vocabulary import CountryCode, Sector
from shared.auth import AUTH_RESPONSES, SIGNED_IN, PrincipalDep
from shared.concurrency import IfMatchHeader, expected_version
from shared.db import SessionDep
from shared.errors import PreconditionFailed, responses
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused
from shared.pagination import Page, PageDep, page_of
from shared.responses import json_response

router = APIRouter(prefix="/v1/programmes", tags=["programmes"], responses=AUTH_RESPONSES)


@router.post("", status_code=201, response_model=ProgrammeOut, dependencies=[access.STAFF],
             responses=responses(ProgrammeCodeTaken, InvalidGenderTargets, IdempotencyKeyReused))
async def create_programme(data: ProgrammeCreate, session: SessionDep,
                           idempotency: IdempotencyDep) -> Response:
    """Open a programme: its countries, intake window, capacity and eligibility rules.

    Admins and officers open programmes. An officer acts on the new programme once their
    token carries it in ``programme_ids`` (the gateway adds it to their account).
    """

    async def produce() -> Response:
        programme = await service.create(session, data=data)
        return json_response(ProgrammeOut.model_validate(programme), status_code=201,
                             version=programme.version,
                             location=f"/v1/programmes/{programme.id}")

    return await idempotency.run(data, produce)


@router.get("", response_model=Page[ProgrammeOut], dependencies=[SIGNED_IN])
async def list_programmes(
    session: SessionDep,
    page: PageDep,
    origin_country: Annotated[CountryCode | None, Query()] = None,
    destination_country: Annotated[CountryCode | None, Query()] = None,
    sector: Annotated[Sector | None, Query()] = None,
    open_for_intake: Annotated[bool | None, Query(
        description="Only programmes whose intake window is open now.")] = None,
) -> Response:
    """List programmes, oldest first, filtered by country, sector or open intake.

    Programmes are public to every signed-in role: candidates choose among them.
    """
    programmes = await service.list_page(
        session, page=page, origin_country=origin_country,
        destination_country=destination_country, sector=sector,
        open_at=datetime.now(UTC) if open_for_intake else None,
    )
    items, next_cursor = page_of(programmes, page)
    return json_response(Page[ProgrammeOut](
        items=[ProgrammeOut.model_validate(p) for p in items], next_cursor=next_cursor))


@router.get("/{programme_id}", response_model=ProgrammeOut, dependencies=[SIGNED_IN],
            responses=responses(ProgrammeNotFound))
async def get_programme(programme_id: uuid.UUID, session: SessionDep) -> Response:
    """One programme, with its ETag for a later PATCH."""
    programme = await service.get(session, programme_id=programme_id)
    return json_response(ProgrammeOut.model_validate(programme), version=programme.version)


@router.patch("/{programme_id}", response_model=ProgrammeOut, dependencies=[access.STAFF],
              responses=responses(ProgrammeNotFound, PreconditionFailed, InvalidIntakeWindow,
                                  InvalidGenderTargets))
async def update_programme(programme_id: uuid.UUID, data: ProgrammeUpdate, session: SessionDep,
                           principal: PrincipalDep, if_match: IfMatchHeader = None) -> Response:
    """Change some fields of a programme; send ``If-Match`` with its ETag to avoid lost updates.

    Admins change any programme; an officer only the programmes they run (another is a 404).
    """
    service.ensure_in_scope(principal, programme_id)
    programme = await service.update(session, programme_id=programme_id, data=data,
                                     expected_version=expected_version(if_match))
    return json_response(ProgrammeOut.model_validate(programme), version=programme.version)

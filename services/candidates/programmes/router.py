"""HTTP routes of programmes."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from services.candidates import access
from services.candidates.applications import service as application_service
from services.candidates.programmes import service
from services.candidates.programmes.exceptions import (
    AlreadySuspended,
    InvalidDates,
    InvalidGenderTargets,
    InvalidIntakeWindow,
    InvalidProgrammeShape,
    NotAnOrigin,
    OriginNotSuspended,
    ProgrammeCodeTaken,
    ProgrammeNotFound,
)
from services.candidates.programmes.schemas import (
    OriginSuspensionCreate,
    OriginSuspensionOut,
    ProgrammeCreate,
    ProgrammeOut,
    ProgrammeUpdate,
)
from services.candidates.vocabulary import CountryCode, Sector
from shared.auth import AUTH_RESPONSES, SIGNED_IN, PrincipalDep
from shared.clock import NowDep, utc_date
from shared.concurrency import IfMatchRequired, expected_version
from shared.db import SessionDep
from shared.errors import PreconditionFailed, responses
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused
from shared.pagination import Page, PageDep, page_of
from shared.responses import json_response

router = APIRouter(prefix="/v1/programmes", tags=["programmes"], responses=AUTH_RESPONSES)


@router.post("", status_code=201, response_model=ProgrammeOut, dependencies=[access.STAFF],
             responses=responses(ProgrammeCodeTaken, InvalidGenderTargets, InvalidProgrammeShape,
                                 IdempotencyKeyReused))
async def create_programme(data: ProgrammeCreate, session: SessionDep,
                           idempotency: IdempotencyDep) -> Response:
    """Open a programme: its countries, intake window, capacity and eligibility rules, and its
    shape: stay types, repeat stays, planned figures, stay limits, regions and seasons.

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
    """One programme, with its ETag for a later PATCH.

    Every signed-in role reads programmes, a ministry included: its suspended origins and
    planned figures are the programme's public facts, not a person's.
    """
    programme = await service.get(session, programme_id=programme_id)
    return json_response(ProgrammeOut.model_validate(programme), version=programme.version)


@router.patch("/{programme_id}", response_model=ProgrammeOut, dependencies=[access.STAFF],
              responses=responses(ProgrammeNotFound, PreconditionFailed, InvalidIntakeWindow,
                                  InvalidGenderTargets, InvalidProgrammeShape))
async def update_programme(programme_id: uuid.UUID, data: ProgrammeUpdate, session: SessionDep,
                           principal: PrincipalDep, if_match: IfMatchRequired) -> Response:
    """Change some fields of a programme; send ``If-Match`` with its ETag to avoid lost updates.

    Admins change any programme; an officer only the programmes they run (another is a 404).
    """
    service.ensure_in_scope(principal, programme_id)
    programme = await service.update(session, programme_id=programme_id, data=data,
                                     expected_version=expected_version(if_match))
    return json_response(ProgrammeOut.model_validate(programme), version=programme.version)


@router.post("/{programme_id}/origin-suspensions", status_code=201,
             response_model=OriginSuspensionOut, dependencies=[access.STAFF],
             responses=responses(ProgrammeNotFound, NotAnOrigin, InvalidDates, AlreadySuspended,
                                 IdempotencyKeyReused))
async def suspend_origin(programme_id: uuid.UUID, data: OriginSuspensionCreate,
                         session: SessionDep, principal: PrincipalDep,
                         idempotency: IdempotencyDep, now: NowDep) -> Response:
    """Suspend one of the programme's origin countries (HOMERe's Egyptian component).

    In the same transaction, every pending application (draft up to waitlisted) of a candidate
    of that nationality is withdrawn, with the reason "origin suspended: <reason>" and the
    events of a withdrawal; ``withdrawn`` says how many. Selected candidates keep their seat.
    From then on a draft or a submission from that nationality is a 422 ``origin-suspended``
    and screening fails it with reason code ``origin_suspended``. Staff of the programme only.
    """
    service.ensure_in_scope(principal, programme_id)

    async def produce() -> Response:
        programme, withdrawn = await application_service.suspend_origin(
            session, programme_id=programme_id, data=data, today=utc_date(now))
        suspension = service.suspension_of(programme, data.country)
        assert suspension is not None  # just recorded
        return json_response(OriginSuspensionOut.model_validate(
            {**suspension, "withdrawn": withdrawn}), status_code=201)

    return await idempotency.run(data, produce)


@router.delete("/{programme_id}/origin-suspensions/{country}", status_code=204,
               dependencies=[access.STAFF],
               responses=responses(ProgrammeNotFound, OriginNotSuspended))
async def lift_origin_suspension(
    programme_id: uuid.UUID,
    country: Annotated[CountryCode, Path(description="The suspended origin country.")],
    session: SessionDep, principal: PrincipalDep,
) -> Response:
    """Lift an origin's suspension: its people may apply again (applications the suspension
    withdrew stay withdrawn). Staff of the programme only."""
    service.ensure_in_scope(principal, programme_id)
    await service.lift_origin(session, programme_id=programme_id, country=country)
    return Response(status_code=204)

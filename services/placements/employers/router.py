"""HTTP routes of employers (host companies)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.placements.employers import service
from services.placements.employers.exceptions import (
    AgreementRequired,
    EmployerInUse,
    EmployerNotFound,
)
from services.placements.employers.schemas import (
    EmployerCreate,
    EmployerKind,
    EmployerOut,
    EmployerSize,
    EmployerUpdate,
)
from services.placements.vocabulary import CountryCode, Sector
from shared.access import FieldNotAllowed
from shared.auth import Forbidden, PrincipalDep
from shared.concurrency import IfMatchRequired, expected_version
from shared.db import SessionDep
from shared.errors import InvalidCursor, PreconditionFailed, responses
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused, InvalidIdempotencyKey
from shared.pagination import Page, PageDep
from shared.responses import page_response, resource_response

router = APIRouter(prefix="/v1/employers", tags=["employers"])
CREATE_ERRORS = (IdempotencyKeyReused, InvalidIdempotencyKey, Forbidden)


def _out(employer: service.EmployerView, *, status_code: int = 200) -> Response:
    return resource_response(EmployerOut, employer, collection=router.prefix,
                             status_code=status_code)


@router.post("", status_code=201, response_model=EmployerOut,
             responses=responses(AgreementRequired, *CREATE_ERRORS))
async def create_employer(data: EmployerCreate, session: SessionDep, principal: PrincipalDep,
                          idempotency: IdempotencyDep) -> Response:
    """Register a host (a company, or a study provider: a university abroad) with its
    contacts and agreements (admins and officers).

    An officer registers employers only under agreements with their own programmes.
    """

    async def produce() -> Response:
        created = await service.create(session, principal=principal, data=data)
        return _out(service.EmployerView(created, []), status_code=201)

    return await idempotency.run(data, produce)


@router.get("", response_model=Page[EmployerOut], responses=responses(InvalidCursor, Forbidden))
async def list_employers(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    country: Annotated[CountryCode | None, Query()] = None,
    sector: Annotated[Sector | None, Query()] = None,
    size: Annotated[EmployerSize | None, Query()] = None,
    kind: Annotated[EmployerKind | None, Query()] = None,
    programme_id: Annotated[uuid.UUID | None, Query(
        description="Employers with an agreement with this programme.")] = None,
) -> Response:
    """List the employers the caller may see, oldest first, filtered by country, sector, size,
    kind or programme. An officer sees those of their programmes, an employer only itself;
    each with its standing in the programmes the caller sees."""
    employers = await service.list_page(session, principal=principal, page=page,
                                        country=country, sector=sector, size=size, kind=kind,
                                        programme_id=programme_id)
    return page_response(EmployerOut, await service.views(session, principal=principal,
                                                          employers=employers), page)


@router.get("/{employer_id}", response_model=EmployerOut,
            responses=responses(EmployerNotFound))
async def get_employer(employer_id: uuid.UUID, session: SessionDep,
                       principal: PrincipalDep) -> Response:
    """One employer, with its ETag for a later PATCH, and its standing: ``suspended`` with the
    suspensions in force in the programmes the caller sees (an officer: their own; admins and
    the employer itself: every one, reason included)."""
    employer = await service.get(session, principal=principal, employer_id=employer_id)
    return _out(await service.view(session, principal=principal, employer=employer))


@router.patch("/{employer_id}", response_model=EmployerOut,
              responses=responses(EmployerNotFound, PreconditionFailed, Forbidden,
                                  FieldNotAllowed, EmployerInUse))
async def update_employer(employer_id: uuid.UUID, data: EmployerUpdate, session: SessionDep,
                          principal: PrincipalDep, if_match: IfMatchRequired) -> Response:
    """Change some fields of an employer; send ``If-Match`` with its ETag.

    An employer may update its own record except ``agreements`` and ``kind`` (422); an officer
    may change the agreements of their own programmes only (403). The kind cannot change while
    the host has vacancies (409).
    """
    employer = await service.update(session, principal=principal, employer_id=employer_id,
                                    data=data, expected_version=expected_version(if_match))
    return _out(await service.view(session, principal=principal, employer=employer))


@router.delete("/{employer_id}", status_code=204,
               responses=responses(EmployerNotFound, EmployerInUse, PreconditionFailed,
                                   Forbidden))
async def delete_employer(employer_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                          if_match: IfMatchRequired) -> Response:
    """Delete an employer that has no vacancies and was never suspended (admins and
    officers)."""
    await service.delete(session, principal=principal, employer_id=employer_id,
                         expected_version=expected_version(if_match))
    return Response(status_code=204)

"""HTTP routes of vacancies and their open/close actions."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.placements.employers.exceptions import (
    EmployerNotFound,
    EmployerSuspended,
    ProgrammeNotFound,
)
from services.placements.placements.exceptions import CandidatesUnavailable
from services.placements.programmes import ProgrammeLimitExceeded
from services.placements.upstream import CandidatesAsCallerDep
from services.placements.vacancies import service
from services.placements.vacancies.exceptions import (
    HostIsStudyProvider,
    HostNotStudyProvider,
    NoAgreement,
    OccupationCodeMismatch,
    SeatsTaken,
    StayFieldsInvalid,
    VacancyInUse,
    VacancyNotFound,
)
from services.placements.vacancies.models import Vacancy
from services.placements.vacancies.schemas import (
    Status,
    VacancyCreate,
    VacancyOut,
    VacancyUpdate,
)
from services.placements.vocabulary import CountryCode, IscoCode, Sector, StayType
from shared.auth import Forbidden, PrincipalDep
from shared.concurrency import IfMatchHeader, IfMatchRequired, expected_version
from shared.db import SessionDep
from shared.errors import IllegalTransition, InvalidCursor, PreconditionFailed, responses
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused, InvalidIdempotencyKey
from shared.pagination import Page, PageDep
from shared.responses import page_response, resource_response

router = APIRouter(prefix="/v1/vacancies", tags=["vacancies"])
CHANGE_ERRORS = (VacancyNotFound, PreconditionFailed, Forbidden)
# What publishing or changing a stay may break: its type's fields, its host, the programme.
STAY_ERRORS = (StayFieldsInvalid, OccupationCodeMismatch, HostNotStudyProvider, HostIsStudyProvider,
               ProgrammeLimitExceeded, ProgrammeNotFound, CandidatesUnavailable)


def _out(vacancy: Vacancy, *, status_code: int = 200) -> Response:
    return resource_response(VacancyOut, vacancy, collection=router.prefix, status_code=status_code)


@router.post("", status_code=201, response_model=VacancyOut,
             responses=responses(EmployerNotFound, NoAgreement, EmployerSuspended, *STAY_ERRORS,
                                 Forbidden, IdempotencyKeyReused, InvalidIdempotencyKey))
async def create_vacancy(data: VacancyCreate, session: SessionDep, principal: PrincipalDep,
                         idempotency: IdempotencyDep,
                         candidates: CandidatesAsCallerDep) -> Response:
    """Publish an open vacancy (admins, officers of its programme, the employer itself).

    The employer must have an agreement with the programme and not be suspended there (409
    ``employer-suspended``). The vacancy is a stay of one type
    with that type's fields (422 ``stay-fields-invalid`` naming each missing or foreign one);
    a study is hosted by a study provider, and a study provider hosts nothing else (422). The
    programme, as the candidates service tells it with the caller's token, must run the stay
    type and allow its length (422 ``programme-limit-exceeded``; 404 if unknown there, 503
    when it cannot be asked). ``status`` is not accepted: use the close and reopen actions.
    """

    async def produce() -> Response:
        return _out(await service.create(session, principal=principal, data=data,
                                         candidates=candidates), status_code=201)

    return await idempotency.run(data, produce)


@router.get("", response_model=Page[VacancyOut], responses=responses(InvalidCursor, Forbidden))
async def list_vacancies(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    programme_id: Annotated[uuid.UUID | None, Query()] = None,
    employer_id: Annotated[uuid.UUID | None, Query()] = None,
    status: Annotated[Status | None, Query()] = None,
    sector: Annotated[Sector | None, Query()] = None,
    country: Annotated[CountryCode | None, Query()] = None,
    occupation_code: Annotated[IscoCode | None, Query()] = None,
    stay_type: Annotated[StayType | None, Query()] = None,
) -> Response:
    """List the vacancies the caller may see, oldest first, filtered by programme, employer,
    status, sector, country, ISCO-08 code or stay type. An employer sees only its own."""
    vacancies = await service.list_page(session, principal=principal, page=page, filters={
        "programme_id": programme_id, "employer_id": employer_id, "status": status,
        "sector": sector, "country": country, "occupation_code": occupation_code,
        "stay_type": stay_type})
    return page_response(VacancyOut, vacancies, page)


@router.get("/{vacancy_id}", response_model=VacancyOut, responses=responses(VacancyNotFound))
async def get_vacancy(vacancy_id: uuid.UUID, session: SessionDep,
                      principal: PrincipalDep) -> Response:
    """One vacancy, with its ETag for a later PATCH or action."""
    return _out(await service.get(session, principal=principal, vacancy_id=vacancy_id))


@router.patch("/{vacancy_id}", response_model=VacancyOut,
              responses=responses(*CHANGE_ERRORS, *STAY_ERRORS, SeatsTaken))
async def update_vacancy(vacancy_id: uuid.UUID, data: VacancyUpdate, session: SessionDep,
                         principal: PrincipalDep, candidates: CandidatesAsCallerDep,
                         if_match: IfMatchRequired) -> Response:
    """Change some fields of a vacancy; send ``If-Match`` with its ETag. The vacancy must still
    fit its stay type and host (422); a new stay type or length is checked against the
    programme's rules as on publishing. Seats cannot drop below the number its placements
    hold."""
    return _out(await service.update(session, principal=principal, vacancy_id=vacancy_id,
                                     data=data, expected_version=expected_version(if_match),
                                     candidates=candidates))


@router.post("/{vacancy_id}/close", response_model=VacancyOut,
             responses=responses(*CHANGE_ERRORS, IllegalTransition))
async def close_vacancy(vacancy_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                        if_match: IfMatchHeader = None) -> Response:
    """Close an open vacancy: matching stops offering it; existing placements go on."""
    return _out(await service.close(session, principal=principal, vacancy_id=vacancy_id,
                                    expected_version=expected_version(if_match)))


@router.post("/{vacancy_id}/reopen", response_model=VacancyOut,
             responses=responses(*CHANGE_ERRORS, IllegalTransition, EmployerSuspended))
async def reopen_vacancy(vacancy_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                         if_match: IfMatchHeader = None) -> Response:
    """Open a closed vacancy again; not while its employer is suspended in the vacancy's
    programme (409 ``employer-suspended``: reinstating reopens nothing by itself)."""
    return _out(await service.reopen(session, principal=principal, vacancy_id=vacancy_id,
                                     expected_version=expected_version(if_match)))


@router.delete("/{vacancy_id}", status_code=204,
               responses=responses(*CHANGE_ERRORS, VacancyInUse))
async def delete_vacancy(vacancy_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                         if_match: IfMatchRequired) -> Response:
    """Delete a vacancy no placement refers to; close it otherwise."""
    await service.delete(session, principal=principal, vacancy_id=vacancy_id,
                         expected_version=expected_version(if_match))
    return Response(status_code=204)

"""HTTP routes of partner institutions and their nominations."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from services.candidates import access
from services.candidates.candidates import service as candidate_service
from services.candidates.database import AccessRecorderDep
from services.candidates.institutions import service
from services.candidates.institutions.exceptions import (
    AlreadyNominated,
    CandidateNotFound,
    InstitutionNotFound,
    NominationConflict,
)
from services.candidates.institutions.schemas import (
    InstitutionCreate,
    InstitutionKind,
    InstitutionOut,
    InstitutionUpdate,
    NominationCreate,
    NominationOut,
)
from services.candidates.programmes import service as programme_service
from services.candidates.programmes.exceptions import ProgrammeNotFound
from services.candidates.vocabulary import CountryCode
from shared.auth import AUTH_RESPONSES, PrincipalDep, require_roles
from shared.concurrency import IfMatchRequired, expected_version
from shared.db import SessionDep
from shared.errors import InvalidCursor, PreconditionFailed, responses
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused, InvalidIdempotencyKey
from shared.pagination import Page, PageDep, page_of
from shared.responses import json_response

router = APIRouter(prefix="/v1/institutions", tags=["institutions"], responses=AUTH_RESPONSES)
# Staff, and an institution for its own record.
STAFF_OR_INSTITUTION = Depends(require_roles("admin", "officer", "institution"))
# Every creating POST takes an Idempotency-Key, and can fail on it.
CREATE_ERRORS = (IdempotencyKeyReused, InvalidIdempotencyKey)


@router.post("", status_code=201, response_model=InstitutionOut, dependencies=[access.STAFF],
             responses=responses(*CREATE_ERRORS))
async def create_institution(data: InstitutionCreate, session: SessionDep,
                             idempotency: IdempotencyDep) -> Response:
    """Register a partner institution: a university, employment agency or training centre, a
    municipality, region or ministry."""

    async def produce() -> Response:
        institution = await service.create(session, data=data)
        return json_response(InstitutionOut.model_validate(institution), status_code=201,
                             version=institution.version,
                             location=f"/v1/institutions/{institution.id}")

    return await idempotency.run(data, produce)


@router.get("", response_model=Page[InstitutionOut], dependencies=[access.READS_INSTITUTIONS],
            responses=responses(InvalidCursor))
async def list_institutions(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    country: Annotated[CountryCode | None, Query()] = None,
    kind: Annotated[InstitutionKind | None, Query()] = None,
) -> Response:
    """List institutions, oldest first, filtered by country or kind.

    Staff see every partner institution; an institution's account sees its own record only.
    """
    institutions = await service.list_page(session, page=page, country=country, kind=kind,
                                           ids=access.institution_ids_scope(principal))
    items, next_cursor = page_of(institutions, page)
    return json_response(Page[InstitutionOut](
        items=[InstitutionOut.model_validate(i) for i in items], next_cursor=next_cursor))


@router.get("/{institution_id}", response_model=InstitutionOut,
            dependencies=[access.READS_INSTITUTIONS], responses=responses(InstitutionNotFound))
async def get_institution(institution_id: uuid.UUID, session: SessionDep,
                          principal: PrincipalDep) -> Response:
    """One institution, with its ETag for a later PATCH; an institution reads its own only."""
    access.ensure_own_institution(principal, institution_id, InstitutionNotFound)
    institution = await service.get(session, institution_id=institution_id)
    return json_response(InstitutionOut.model_validate(institution),
                         version=institution.version)


@router.patch("/{institution_id}", response_model=InstitutionOut,
              dependencies=[access.EDITS_INSTITUTIONS],
              responses=responses(InstitutionNotFound, PreconditionFailed))
async def update_institution(institution_id: uuid.UUID, data: InstitutionUpdate,
                             session: SessionDep, principal: PrincipalDep,
                             if_match: IfMatchRequired) -> Response:
    """Change some fields of an institution; send ``If-Match`` with its ETag.

    Admins change any institution, an institution's account its own record only; officers
    none (an institution is no programme's: 403).
    """
    access.ensure_own_institution(principal, institution_id, InstitutionNotFound)
    institution = await service.update(session, institution_id=institution_id, data=data,
                                       expected_version=expected_version(if_match))
    return json_response(InstitutionOut.model_validate(institution),
                         version=institution.version)


@router.post("/{institution_id}/nominations", status_code=201, response_model=NominationOut,
             dependencies=[STAFF_OR_INSTITUTION],
             responses=responses(InstitutionNotFound, CandidateNotFound, ProgrammeNotFound,
                                 AlreadyNominated, NominationConflict, *CREATE_ERRORS))
async def nominate_candidate(institution_id: uuid.UUID, data: NominationCreate,
                             session: SessionDep, principal: PrincipalDep,
                             idempotency: IdempotencyDep,
                             recorder: AccessRecorderDep) -> Response:
    """Nominate a candidate for a programme on behalf of the institution, once per pair.

    An institution nominates for itself the people it sees (its students and nominees), to any
    programme; an officer the people of their programmes, to the programmes they run. Anything
    else named is a 404, as if missing.
    """
    access.ensure_own_institution(principal, institution_id, InstitutionNotFound)
    programme_service.ensure_in_scope(principal, data.programme_id)
    await candidate_service.ensure_visible(session, principal=principal,
                                           candidate_id=data.candidate_id)

    async def produce() -> Response:
        nomination = await service.nominate(session, institution_id=institution_id, data=data)
        recorder.change(nomination.candidate_id, "nomination", nomination.id)
        # No Location: a nomination is read through its institution's list, not on its own.
        return json_response(NominationOut.model_validate(nomination), status_code=201)

    return await idempotency.run(data, produce)


@router.get("/{institution_id}/nominations", response_model=Page[NominationOut],
            dependencies=[STAFF_OR_INSTITUTION],
            responses=responses(InstitutionNotFound, InvalidCursor))
async def list_nominations(
    institution_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    recorder: AccessRecorderDep,
    programme_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Response:
    """The institution's nominees, oldest nomination first, optionally for one programme.

    An officer sees the nominations for their programmes only.
    """
    access.ensure_own_institution(principal, institution_id, InstitutionNotFound)
    if programme_id is not None:
        programme_service.ensure_in_scope(principal, programme_id)
    nominations = await service.list_nominations(
        session, institution_id=institution_id, page=page, programme_id=programme_id,
        programme_ids=access.programme_ids_scope(principal))
    items, next_cursor = page_of(nominations, page)
    recorder.read([n.candidate_id for n in items], "nomination")
    return json_response(Page[NominationOut](
        items=[NominationOut.model_validate(n) for n in items], next_cursor=next_cursor))

"""HTTP routes of a programme's partnerships: its consortium and its partners' agreements."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from services.candidates import access
from services.candidates.agreements import service
from services.candidates.agreements.exceptions import (
    AgreementNotFound,
    AlreadyMember,
    ConsortiumMemberNotFound,
    InstitutionNotFound,
    NotAParty,
    PartyNotInConsortium,
    ProgrammeNotFound,
)
from services.candidates.agreements.schemas import (
    AgreementCreate,
    AgreementOut,
    ConsortiumMemberCreate,
    ConsortiumMemberOut,
)
from shared.auth import AUTH_RESPONSES, PrincipalDep, require_roles
from shared.db import SessionDep
from shared.errors import InvalidCursor, responses
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused, InvalidIdempotencyKey
from shared.pagination import Page, PageDep, page_of
from shared.responses import json_response

router = APIRouter(tags=["partnerships"], responses=AUTH_RESPONSES)
# Staff of the programme, and the institutions that signed (each its own agreements).
RECORDS_AGREEMENTS = Depends(require_roles("admin", "officer", "institution"))
# Who reads partnerships: staff and the ministry of the programme, and the partners themselves.
READS_PARTNERSHIPS = Depends(require_roles("admin", "service", "officer", "ministry",
                                           "institution"))
# Every creating POST takes an Idempotency-Key, and can fail on it.
CREATE_ERRORS = (IdempotencyKeyReused, InvalidIdempotencyKey)


# --- consortium ----------------------------------------------------------------------------

@router.post("/v1/programmes/{programme_id}/consortium", status_code=201,
             response_model=ConsortiumMemberOut, dependencies=[access.STAFF],
             responses=responses(ProgrammeNotFound, InstitutionNotFound, AlreadyMember,
                                 *CREATE_ERRORS))
async def add_consortium_member(programme_id: uuid.UUID, data: ConsortiumMemberCreate,
                                session: SessionDep, principal: PrincipalDep,
                                idempotency: IdempotencyDep) -> Response:
    """Take a partner institution into the consortium running the programme, as its lead, a
    partner or an associate, from ``joined_on`` (default today, never in the future).

    Admins and the programme's officers; an institution is in a consortium once (409).
    """

    async def produce() -> Response:
        member, institution = await service.add_member(
            session, principal=principal, programme_id=programme_id, data=data)
        return json_response(ConsortiumMemberOut.of(member, institution), status_code=201)

    return await idempotency.run(data, produce)


@router.get("/v1/programmes/{programme_id}/consortium", response_model=Page[ConsortiumMemberOut],
            dependencies=[READS_PARTNERSHIPS],
            responses=responses(ProgrammeNotFound, InvalidCursor))
async def list_consortium(programme_id: uuid.UUID, session: SessionDep,
                          principal: PrincipalDep, page: PageDep) -> Response:
    """The institutions running the programme with it, in the order they were recorded.

    Staff and the ministry of the programme read it, and so do its members (their partners);
    for any other institution the programme has no consortium (404).
    """
    members, institutions = await service.list_members(
        session, principal=principal, programme_id=programme_id, page=page)
    items, next_cursor = page_of(members, page)
    return json_response(Page[ConsortiumMemberOut](
        items=[ConsortiumMemberOut.of(m, institutions[m.institution_id]) for m in items],
        next_cursor=next_cursor))


@router.delete("/v1/programmes/{programme_id}/consortium/{institution_id}", status_code=204,
               dependencies=[access.STAFF],
               responses=responses(ProgrammeNotFound, ConsortiumMemberNotFound))
async def remove_consortium_member(programme_id: uuid.UUID, institution_id: uuid.UUID,
                                   session: SessionDep, principal: PrincipalDep) -> Response:
    """Take an institution out of the programme's consortium; the agreements it signed stay on
    record. Admins and the programme's officers."""
    await service.remove_member(session, principal=principal, programme_id=programme_id,
                                institution_id=institution_id)
    return Response(status_code=204)


# --- agreements ----------------------------------------------------------------------------

@router.post("/v1/agreements", status_code=201, response_model=AgreementOut,
             dependencies=[RECORDS_AGREEMENTS],
             responses=responses(ProgrammeNotFound, InstitutionNotFound, NotAParty,
                                 PartyNotInConsortium, *CREATE_ERRORS))
async def create_agreement(data: AgreementCreate, session: SessionDep, principal: PrincipalDep,
                           idempotency: IdempotencyDep) -> Response:
    """Record an agreement members of the programme's consortium signed: its parties (two or
    more), title, purpose, when it was signed (not in the future) and when it runs.

    Admins and the programme's officers record any; an institution those it is a party to, in
    a programme whose consortium it belongs to, naming as other parties its partners there
    (any other institution is a 404 to it).
    """

    async def produce() -> Response:
        agreement, parties = await service.create_agreement(session, principal=principal,
                                                            data=data)
        return json_response(AgreementOut.of(agreement, parties), status_code=201,
                             location=f"/v1/agreements/{agreement.id}")

    return await idempotency.run(data, produce)


@router.get("/v1/agreements", response_model=Page[AgreementOut],
            dependencies=[READS_PARTNERSHIPS],
            responses=responses(ProgrammeNotFound, InvalidCursor))
async def list_agreements(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    programme_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Response:
    """The agreements the caller may read, oldest record first, optionally of one programme.

    Staff and the ministry read those of their programmes; an institution those it signed.
    """
    agreements, parties = await service.list_agreements(
        session, principal=principal, page=page, programme_id=programme_id)
    items, next_cursor = page_of(agreements, page)
    return json_response(Page[AgreementOut](
        items=[AgreementOut.of(a, parties[a.id]) for a in items], next_cursor=next_cursor))


@router.get("/v1/agreements/{agreement_id}", response_model=AgreementOut,
            dependencies=[READS_PARTNERSHIPS], responses=responses(AgreementNotFound))
async def get_agreement(agreement_id: uuid.UUID, session: SessionDep,
                        principal: PrincipalDep) -> Response:
    """One agreement with its parties: for staff and the ministry of its programme, and for the
    institutions that signed it."""
    agreement, parties = await service.get_agreement(session, principal=principal,
                                                     agreement_id=agreement_id)
    return json_response(AgreementOut.of(agreement, parties))

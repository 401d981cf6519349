"""HTTP routes of returnee cases: list, read, notes, assignment, closing, follow-ups."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from services.reintegration.cases import service
from services.reintegration.cases.exceptions import CandidateErased, CaseNotFound
from services.reintegration.cases.models import ReturneeCase
from services.reintegration.cases.schemas import (
    AssignBody,
    CaseOut,
    CaseStatus,
    CaseUpdate,
    CloseBody,
)
from services.reintegration.database import AccessRecorderDep
from services.reintegration.followups.schemas import FollowUpList, FollowUpOut
from services.reintegration.vocabulary import CountryCode
from shared.access_record import AccessRecorder, Action
from shared.auth import AUTH_RESPONSES, Forbidden, PrincipalDep
from shared.clock import NowDep
from shared.concurrency import IfMatchHeader, IfMatchRequired, expected_version
from shared.db import SessionDep
from shared.errors import IllegalTransition, InvalidCursor, PreconditionFailed, responses
from shared.pagination import Page, PageDep, page_of
from shared.responses import json_response

router = APIRouter(prefix="/v1/returnee-cases", tags=["returnee cases"],
                   responses=AUTH_RESPONSES)
ACTION_ERRORS = (CaseNotFound, Forbidden, PreconditionFailed, IllegalTransition)


async def _out(session: AsyncSession, case: ReturneeCase, recorder: AccessRecorder,
               action: Action) -> Response:
    recorder.record(action, case.candidate_id, "returnee_case", case.id)
    stays = await service.stays(session, [case.id])
    return json_response(CaseOut.of(case, stays[case.id]), version=case.version)


@router.get("", response_model=Page[CaseOut], responses=responses(InvalidCursor, Forbidden))
async def list_cases(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    recorder: AccessRecorderDep,
    programme_id: Annotated[uuid.UUID | None, Query()] = None,
    origin_country: Annotated[CountryCode | None, Query()] = None,
    caseworker: Annotated[str | None, Query(
        max_length=200, description="An officer's subject, or `me` for the caller.")] = None,
    status: Annotated[CaseStatus | None, Query()] = None,
    candidate_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Response:
    """The returnee cases the caller may see, oldest first: officers their programmes', a
    returnee their own; filtered by programme, origin country, caseworker, status or
    candidate."""
    cases = await service.list_page(session, principal=principal, page=page, filters={
        "programme_id": programme_id, "origin_country": origin_country,
        "caseworker_subject": caseworker, "status": status, "candidate_id": candidate_id})
    items, next_cursor = page_of(cases, page)
    for case in items:
        recorder.read(case.candidate_id, "returnee_case", case.id)
    stays = await service.stays(session, [c.id for c in items])
    return json_response(Page[CaseOut](items=[CaseOut.of(c, stays[c.id]) for c in items],
                                       next_cursor=next_cursor))


@router.get("/{case_id}", response_model=CaseOut, responses=responses(CaseNotFound, Forbidden))
async def get_case(case_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                   recorder: AccessRecorderDep) -> Response:
    """One returnee case, with its ETag to send as ``If-Match`` on the next change."""
    case = await service.authorize(session, principal=principal, case_id=case_id)
    return await _out(session, case, recorder, "read")


@router.patch("/{case_id}", response_model=CaseOut,
              responses=responses(*ACTION_ERRORS, CandidateErased))
async def edit_case(case_id: uuid.UUID, data: CaseUpdate, session: SessionDep,
                    principal: PrincipalDep, recorder: AccessRecorderDep,
                    if_match: IfMatchRequired) -> Response:
    """Change the caseworker's notes (admins, officers of the programme)."""
    case = await service.edit(session, principal=principal, case_id=case_id, data=data,
                              expected_version=expected_version(if_match))
    return await _out(session, case, recorder, "change")


@router.post("/{case_id}/assign", response_model=CaseOut, responses=responses(*ACTION_ERRORS))
async def assign_case(case_id: uuid.UUID, data: AssignBody, session: SessionDep,
                      principal: PrincipalDep, recorder: AccessRecorderDep,
                      if_match: IfMatchHeader = None) -> Response:
    """Assign the open case to a caseworker (an officer, by their token's subject), or null
    to unassign it (admins, officers of the programme)."""
    case = await service.assign(session, principal=principal, case_id=case_id,
                                caseworker_subject=data.caseworker_subject,
                                expected_version=expected_version(if_match))
    return await _out(session, case, recorder, "change")


@router.post("/{case_id}/close", response_model=CaseOut, responses=responses(*ACTION_ERRORS))
async def close_case(case_id: uuid.UUID, data: CloseBody, session: SessionDep,
                     principal: PrincipalDep, now: NowDep, recorder: AccessRecorderDep,
                     if_match: IfMatchHeader = None) -> Response:
    """Close the case (admins, officers of the programme): its follow-ups still waiting are
    cancelled. Publishes ``case.closed``."""
    case = await service.close(session, principal=principal, case_id=case_id, data=data,
                               now=now, expected_version=expected_version(if_match))
    return await _out(session, case, recorder, "change")


@router.get("/{case_id}/follow-ups", response_model=FollowUpList,
            responses=responses(CaseNotFound, Forbidden))
async def case_follow_ups(case_id: uuid.UUID, session: SessionDep,
                          principal: PrincipalDep, recorder: AccessRecorderDep) -> Response:
    """The case's follow-ups, earliest due first, with their answers."""
    rows = await service.follow_ups(session, principal=principal, case_id=case_id)
    recorder.read((await service.people_of(session, [case_id])).values(), "follow_up", case_id)
    return json_response(FollowUpList(items=[FollowUpOut.of(r) for r in rows]))

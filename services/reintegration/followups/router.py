"""HTTP routes of follow-ups: the due lists, one follow-up, and its answer."""

import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from services.reintegration.cases import service as case_service
from services.reintegration.cases.exceptions import CandidateErased
from services.reintegration.database import AccessRecorderDep
from services.reintegration.followups import service
from services.reintegration.followups.exceptions import (
    FollowUpNotFound,
    FollowUpNotOpen,
    FollowUpWindowClosed,
    HistoricalEntryForbidden,
    InvalidAnswer,
    InvalidDates,
)
from services.reintegration.followups.models import FollowUp
from services.reintegration.followups.questions import questionnaire
from services.reintegration.followups.schemas import (
    AnswerIn,
    Due,
    FollowUpOut,
    FollowUpPage,
    FollowUpStatus,
    Questionnaire,
)
from services.reintegration.vocabulary import CountryCode
from shared.auth import AUTH_RESPONSES, SIGNED_IN, Forbidden, PrincipalDep
from shared.clock import NowDep
from shared.concurrency import IfMatchHeader, expected_version
from shared.db import SessionDep
from shared.errors import IllegalTransition, InvalidCursor, PreconditionFailed, responses
from shared.pagination import PageDep, page_of
from shared.responses import json_response

router = APIRouter(prefix="/v1/follow-ups", tags=["follow-ups"], responses=AUTH_RESPONSES)
# The soonest to close first (repository.list_page).
CLOSING_ORDER = ("window_closes_at", "id")


async def _people(session: AsyncSession, rows: Sequence[FollowUp]) -> list[uuid.UUID]:
    """Whose these follow-ups are, for the access record (the caller read them)."""
    return list((await case_service.people_of(session, [r.case_id for r in rows])).values())


def _out(follow_up: FollowUp) -> Response:
    return json_response(FollowUpOut.of(follow_up), version=follow_up.version)


@router.get("", response_model=FollowUpPage, responses=responses(InvalidCursor, Forbidden))
async def list_follow_ups(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    now: NowDep,
    recorder: AccessRecorderDep,
    due: Annotated[Due | None, Query(description=(
        "`soon`: waiting for an answer and due within `within_days` (open ones included); "
        "`overdue`: the window passed without an answer."))] = None,
    within_days: Annotated[int, Query(ge=0, le=365)] = 14,
    programme_id: Annotated[uuid.UUID | None, Query()] = None,
    origin_country: Annotated[CountryCode | None, Query()] = None,
    caseworker: Annotated[str | None, Query(
        max_length=200, description="An officer's subject, or `me` for the caller.")] = None,
    case_id: Annotated[uuid.UUID | None, Query()] = None,
    status: Annotated[FollowUpStatus | None, Query()] = None,
) -> Response:
    """The follow-ups the caller may see, the soonest to close first: the due-soon and overdue
    lists of officers and caseworkers, filtered by programme, origin country, caseworker,
    case or status. A returnee sees their own."""
    rows = await service.list_page(
        session, principal=principal, page=page, due=due, within_days=within_days, now=now,
        filters={"programme_id": programme_id, "origin_country": origin_country,
                 "caseworker": caseworker, "case_id": case_id, "status": status})
    items, next_cursor = page_of(rows, page, CLOSING_ORDER)
    recorder.read(await _people(session, items), "follow_up")
    return json_response(FollowUpPage(items=[FollowUpOut.of(r) for r in items],
                                      next_cursor=next_cursor))


# Before /{follow_up_id}, which would take "questions" for an id.
@router.get("/questions", response_model=Questionnaire, dependencies=[SIGNED_IN])
async def follow_up_questions() -> Questionnaire:
    """The questions of every follow-up, one per field of the answer, in the caller's
    language (``Accept-Language``, else the account's saved language; English where a text
    has no translation): what a returnee's app shows before it posts the answer. Codes (the
    fields, the choices) are the same in every language."""
    return questionnaire()


@router.get("/{follow_up_id}", response_model=FollowUpOut,
            responses=responses(FollowUpNotFound, Forbidden))
async def get_follow_up(follow_up_id: uuid.UUID, session: SessionDep,
                        principal: PrincipalDep, recorder: AccessRecorderDep) -> Response:
    """One follow-up with its answer, and its ETag."""
    row = await service.get(session, principal=principal, follow_up_id=follow_up_id)
    recorder.read(await _people(session, [row]), "follow_up", row.id)
    return _out(row)


@router.post("/{follow_up_id}/answer", response_model=FollowUpOut,
             responses=responses(FollowUpNotFound, Forbidden, HistoricalEntryForbidden,
                                 InvalidAnswer, InvalidDates, CandidateErased,
                                 PreconditionFailed, IllegalTransition, FollowUpNotOpen,
                                 FollowUpWindowClosed))
async def answer_follow_up(follow_up_id: uuid.UUID, data: AnswerIn, session: SessionDep,
                           principal: PrincipalDep, now: NowDep, recorder: AccessRecorderDep,
                           if_match: IfMatchHeader = None) -> Response:
    """Answer a follow-up, from its due date until its window closes: the returnee from the
    app (their own), or a caseworker from a call. A caseworker recording an answer given
    earlier sends ``answered_on``, the day it was given: the window is checked against that
    day, and a follow-up the job marked overdue meanwhile takes it. Publishes
    ``followup.completed``."""
    row = await service.answer(session, principal=principal, follow_up_id=follow_up_id,
                               data=data, now=now, expected_version=expected_version(if_match))
    recorder.change(await _people(session, [row]), "follow_up", row.id)
    return _out(row)

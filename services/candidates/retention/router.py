"""HTTP routes of retention: the record of retention erasures, and running a round now."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from services.candidates import access
from services.candidates.retention import job, service
from services.candidates.retention.schemas import RetentionErasureOut, RetentionRoundOut
from shared.auth import AUTH_RESPONSES
from shared.clock import NowDep
from shared.db import SessionDep
from shared.pagination import Page, PageDep, page_of
from shared.responses import json_response

router = APIRouter(prefix="/v1/retention", tags=["retention"], responses=AUTH_RESPONSES)


@router.get("/erasures", response_model=Page[RetentionErasureOut],
            dependencies=[access.PRIVACY_RECORDS])
async def list_retention_erasures(
    session: SessionDep, page: PageDep,
    programme_id: Annotated[uuid.UUID | None, Query(
        description="Only erasures this programme's rule decided.")] = None,
) -> Response:
    """The people erased because their retention expired, oldest erasure first: who (the
    candidate id), which programme's rule decided (the one of their programmes expiring last,
    with its months as they were), when their part ended, when the retention expired and when
    they were erased.

    The admin and the data-protection officer read it; it holds no personal data. Each
    programme declares its rule (``follow_up_months``, ``retention_months``); the retention job
    erases people daily with
    the same erasure as ``POST /v1/candidates/{id}/erase``, so every service hears
    ``candidate.erased``.
    """
    rows = await service.erasures_page(session, page=page, programme_id=programme_id)
    items, next_cursor = page_of(rows, page, columns=("erased_at", "candidate_id"))
    return json_response(Page[RetentionErasureOut](
        items=[RetentionErasureOut.model_validate(r) for r in items], next_cursor=next_cursor))


@router.post("/rounds", response_model=RetentionRoundOut, dependencies=[access.ADMIN])
async def run_retention_round(request: Request, now: NowDep) -> RetentionRoundOut:
    """Run a retention round now instead of waiting for the job's next one: erase everyone
    whose retention expired, each person in a transaction of their own, and answer with the
    erasures this round made (none when nobody expired, or when every expired person was
    being erased by another replica's round at that moment).

    Admin only. Safe to repeat and to run beside the job on every replica: a person is
    erased, and recorded, once.
    """
    state = request.app.state
    erased = await job.run_round(state.database.sessionmaker, now=now,
                                 batch_size=state.settings.retention_batch_size)
    return RetentionRoundOut(erased=[RetentionErasureOut.model_validate(e) for e in erased])

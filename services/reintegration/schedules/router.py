"""HTTP routes of follow-up schedules (one per programme)."""

import uuid

from fastapi import APIRouter
from starlette.responses import Response

from services.reintegration.schedules import service
from services.reintegration.schedules.exceptions import ProgrammeNotFound
from services.reintegration.schedules.schemas import ScheduleIn, ScheduleOut
from shared.auth import AUTH_RESPONSES, PrincipalDep
from shared.concurrency import IfMatchRequired, expected_version
from shared.db import SessionDep
from shared.errors import PreconditionFailed, responses
from shared.responses import json_response

router = APIRouter(prefix="/v1/follow-up-schedules", tags=["follow-up schedules"],
                   responses=AUTH_RESPONSES)


def _out(schedule: ScheduleOut) -> Response:
    return json_response(schedule, version=schedule.version)


@router.get("/{programme_id}", response_model=ScheduleOut,
            responses=responses(ProgrammeNotFound))
async def get_schedule(programme_id: uuid.UUID, session: SessionDep,
                       principal: PrincipalDep) -> Response:
    """The programme's follow-up schedule; the default (at return, then 1, 3, 6 and 12 months
    after, 30 days to answer) until it sets its own."""
    return _out(await service.get(session, principal=principal, programme_id=programme_id))


@router.put("/{programme_id}", response_model=ScheduleOut,
            responses=responses(ProgrammeNotFound, PreconditionFailed))
async def put_schedule(programme_id: uuid.UUID, data: ScheduleIn, session: SessionDep,
                       principal: PrincipalDep, if_match: IfMatchRequired) -> Response:
    """Set the programme's schedule (admins, its officers). Cases opened afterwards are
    scheduled by it; open cases keep the follow-ups they have. ``If-Match`` names the schedule
    read: the default one's ETag is ``"0"``."""
    return _out(await service.put(session, principal=principal, programme_id=programme_id,
                                  data=data, expected_version=expected_version(if_match)))

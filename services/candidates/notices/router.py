"""HTTP routes of notices: a programme's schedule, a person's preferences and notices."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from services.candidates.candidates.exceptions import CandidateNotFound
from services.candidates.database import AccessRecorderDep
from services.candidates.notices import service
from services.candidates.notices.exceptions import DuplicateKinds, EssentialNotice
from services.candidates.notices.schemas import (
    NoticeList,
    NoticeOut,
    PreferencesIn,
    PreferencesOut,
    ScheduleIn,
    ScheduleOut,
)
from services.candidates.programmes.exceptions import ProgrammeNotFound
from shared.auth import AUTH_RESPONSES, PrincipalDep, require_roles
from shared.concurrency import IfMatchRequired, expected_version
from shared.db import SessionDep
from shared.errors import PreconditionFailed, responses
from shared.responses import json_response

# A programme's schedule: its officers (and admins). A person's preferences and notices: the
# person, the officers of their programmes (reading), admins; never an employer.
STAFF = Depends(require_roles("admin", "officer"))
READS = Depends(require_roles("admin", "service", "officer", "candidate"))
WRITES = Depends(require_roles("admin", "candidate"))

router = APIRouter(tags=["notices"], responses=AUTH_RESPONSES)


@router.get("/v1/programmes/{programme_id}/notice-schedule", response_model=ScheduleOut,
            dependencies=[STAFF], responses=responses(ProgrammeNotFound))
async def get_schedule(programme_id: uuid.UUID, session: SessionDep,
                       principal: PrincipalDep) -> Response:
    """When the programme sends each kind of notice, and whether it sends it: its own
    settings, the defaults for the kinds it did not set (follow-up due in 3 days, training
    session in 2, placement start in 7; a visa decision and an overdue follow-up at once)."""
    found = await service.schedule(session, principal=principal, programme_id=programme_id)
    return json_response(found, version=found.version)


@router.put("/v1/programmes/{programme_id}/notice-schedule", response_model=ScheduleOut,
            dependencies=[STAFF],
            responses=responses(ProgrammeNotFound, DuplicateKinds, PreconditionFailed))
async def put_schedule(programme_id: uuid.UUID, data: ScheduleIn, session: SessionDep,
                       principal: PrincipalDep, if_match: IfMatchRequired) -> Response:
    """Set the programme's settings of the kinds given; the others follow the defaults.
    Notices planned from now on fall by these offsets; a kind turned off is withheld when it
    falls due. ``If-Match`` names the schedule read (``"0"`` while all is default)."""
    found = await service.set_schedule(session, principal=principal, programme_id=programme_id,
                                       data=data, expected_version=expected_version(if_match))
    return json_response(found, version=found.version)


@router.get("/v1/candidates/{candidate_id}/notice-preferences", response_model=PreferencesOut,
            dependencies=[READS], responses=responses(CandidateNotFound))
async def get_preferences(candidate_id: uuid.UUID, session: SessionDep,
                          principal: PrincipalDep, recorder: AccessRecorderDep) -> Response:
    """How the person is told: language, channel and the kinds they stopped (the person,
    officers of their programmes, admins)."""
    found = await service.preferences(session, principal=principal, candidate_id=candidate_id)
    recorder.read(candidate_id, "notice_preferences")
    return json_response(found, version=found.version)


@router.put("/v1/candidates/{candidate_id}/notice-preferences", response_model=PreferencesOut,
            dependencies=[WRITES],
            responses=responses(CandidateNotFound, EssentialNotice, PreconditionFailed))
async def put_preferences(candidate_id: uuid.UUID, data: PreferencesIn, session: SessionDep,
                          principal: PrincipalDep, if_match: IfMatchRequired,
                          recorder: AccessRecorderDep) -> Response:
    """The person sets their language (en, fr, ar), channel (sms, whatsapp, email, or none)
    and the kinds they do not want. Essential kinds (a visa decision, an overdue follow-up)
    cannot be stopped: 422 ``essential-notice``, nothing changed. Applies to every notice
    not yet sent. ``If-Match`` names the preferences read (``"0"`` for the defaults)."""
    found = await service.set_preferences(
        session, principal=principal, candidate_id=candidate_id, data=data,
        expected_version=expected_version(if_match))
    recorder.change(candidate_id, "notice_preferences")
    return json_response(found, version=found.version)


@router.get("/v1/candidates/{candidate_id}/notices", response_model=NoticeList,
            dependencies=[READS], responses=responses(CandidateNotFound))
async def list_notices(candidate_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                       recorder: AccessRecorderDep,
                       limit: Annotated[int, Query(ge=1, le=200)] = 50) -> NoticeList:
    """The person's notices, latest due first: pending, sent (when, on which channel, in
    which language) or not sent and why."""
    found = await service.notices(session, principal=principal, candidate_id=candidate_id,
                                  limit=limit)
    recorder.read(candidate_id, "notices")
    return NoticeList(items=[NoticeOut.model_validate(n) for n in found])

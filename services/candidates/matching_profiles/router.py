"""HTTP route of the matching-profile export, made for the placements service's matching."""

import uuid
from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from services.candidates import access
from services.candidates.matching_profiles import repository
from services.candidates.matching_profiles.schemas import MatchingProfile
from services.candidates.programmes import service as programme_service
from services.candidates.programmes.exceptions import ProgrammeNotFound
from shared.auth import AUTH_RESPONSES, PrincipalDep
from shared.db import HotReadsDep, SessionDep
from shared.errors import responses

router = APIRouter(prefix="/v1/programmes", tags=["matching"], responses=AUTH_RESPONSES)

NDJSON = "application/x-ndjson"
MatchableStatus = Literal["selected", "waitlisted", "shortlisted"]


def matchable_statuses(asked: Sequence[str], *, repeat_stays: bool) -> list[str]:
    """The application statuses the export lists for ``asked``: ``selected`` means the
    returnees too where the programme places people again."""
    statuses = list(dict.fromkeys(asked))
    if repeat_stays and "selected" in statuses:
        statuses.append("returned")
    return statuses


@router.get(
    "/{programme_id}/matching-profiles", dependencies=[access.MATCHES],
    response_model=MatchingProfile, responses={
        **responses(ProgrammeNotFound),
        200: {"description": "One MatchingProfile per line (NDJSON), by application id.",
              "content": {NDJSON: {"schema": {"$ref": "#/components/schemas/MatchingProfile"}}}},
    })
async def matching_profiles(
    programme_id: uuid.UUID,
    session: SessionDep,
    hot_reads: HotReadsDep,
    principal: PrincipalDep,
    status: Annotated[list[MatchableStatus] | None, Query(
        description="Application statuses to export; default `selected`.")] = None,
    candidate_id: Annotated[list[uuid.UUID] | None, Query(
        max_length=500, description="Only these candidates (repeat the parameter).")] = None,
) -> StreamingResponse:
    """The programme's candidates as matching sees them, streamed as NDJSON.

    Only what matching needs: skills, languages, education levels and fields, wishes, dates,
    gender (for balance) and nationality (for eligibility); never a name, contact or birth
    date. For the placements service and the officers of the programme, never a ministry.
    In a programme with ``repeat_stays``, ``selected`` also lists the returnees (applications
    ``returned``), who may go again; ``stays_before`` says how many stays each has made.
    """
    programme_service.ensure_in_scope(principal, programme_id)
    programme = await programme_service.get(session, programme_id=programme_id)  # 404 unknown
    lines = repository.profile_lines(
        hot_reads, programme_id=programme_id,
        statuses=matchable_statuses(status or ["selected"], repeat_stays=programme.repeat_stays),
        candidate_ids=candidate_id)
    return StreamingResponse(lines, media_type=NDJSON)


"""HTTP route of the matching-profile export, made for the placements service's matching."""

import uuid
from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from services.candidates import access
from services.candidates.candidates import service
from services.candidates.matching_profiles import repository
from services.candidates.matching_profiles.schemas import MatchingProfile
from services.candidates.programmes import service as programme_service
from services.candidates.programmes.exceptions import ProgrammeNotFound
from shared.auth import AUTH_RESPONSES, PrincipalDep
from shared.clock import NowDep, utc_date
from shared.db import HotReadsDep, SessionDep
from shared.errors import responses

router = APIRouter(prefix="/v1/programmes", tags=["matching"], responses=AUTH_RESPONSES)

NDJSON = "application/x-ndjson"
# How many people of the asked statuses the export left out for want of a consent in force.
LEFT_OUT_HEADER = "pathways-left-out-for-consent"
MatchableStatus = Literal["selected", "waitlisted", "shortlisted"]


def matchable_statuses(asked: Sequence[str], *, repeat_stays: bool) -> list[str]:
    """The application statuses the export lists for ``asked``: ``selected`` means the
    returnees too where the programme places people again."""
    statuses = list(dict.fromkeys(asked))
    if repeat_stays and "selected" in statuses:
        statuses.append("returned")
    return statuses


def matching_purposes(required: Sequence[str]) -> list[str]:
    """The consents matching a person needs: ``data_processing`` (every applicant's) and those
    the programme requires to apply."""
    return list(dict.fromkeys([service.DATA_PROCESSING, *required]))


@router.get(
    "/{programme_id}/matching-profiles", dependencies=[access.MATCHES],
    response_model=MatchingProfile, responses={
        **responses(ProgrammeNotFound),
        200: {"description": "One MatchingProfile per line (NDJSON), by application id.",
              "content": {NDJSON: {"schema": {"$ref": "#/components/schemas/MatchingProfile"}}},
              "headers": {LEFT_OUT_HEADER: {
                  "description": "How many people the export left out because a consent "
                  "matching needs is not in force.", "schema": {"type": "integer"}}}},
    })
async def matching_profiles(
    programme_id: uuid.UUID,
    session: SessionDep,
    hot_reads: HotReadsDep,
    principal: PrincipalDep,
    now: NowDep,
    status: Annotated[list[MatchableStatus] | None, Query(
        description="Application statuses to export; default `selected`.")] = None,
    candidate_id: Annotated[list[uuid.UUID] | None, Query(
        max_length=500, description="Only these candidates (repeat the parameter).")] = None,
) -> StreamingResponse:
    """The programme's candidates as matching sees them, streamed as NDJSON.

    Only what matching needs: skills, languages, education levels and fields, wishes, dates,
    gender (for balance) and nationality (for eligibility), and the age band on the day of the
    export (for the run's fairness report: never read by a score); never a name, contact or
    birth date. For the placements service and the officers of the programme, never a
    ministry.
    In a programme with ``repeat_stays``, ``selected`` also lists the returnees (applications
    ``returned``), who may go again; ``stays_before`` says how many stays each has made.

    Consent is checked now, at each export: a person is listed only while their
    ``data_processing`` consent and every consent the programme requires are in force (given,
    not withdrawn, not expired). Those left out are only counted, in the
    ``Pathways-Left-Out-For-Consent`` header.
    """
    programme_service.ensure_in_scope(principal, programme_id)
    programme = await programme_service.get(session, programme_id=programme_id)  # 404 unknown
    statuses = matchable_statuses(status or ["selected"], repeat_stays=programme.repeat_stays)
    purposes = matching_purposes(programme.required_consents)
    left_out = await repository.left_out_for_consent(
        hot_reads, programme_id=programme_id, statuses=statuses, purposes=purposes,
        candidate_ids=candidate_id)
    lines = repository.profile_lines(hot_reads, programme_id=programme_id, statuses=statuses,
                                     purposes=purposes, candidate_ids=candidate_id,
                                     on=utc_date(now))
    return StreamingResponse(lines, media_type=NDJSON,
                             headers={LEFT_OUT_HEADER: str(left_out)})


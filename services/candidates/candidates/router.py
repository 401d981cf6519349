"""HTTP routes of candidate profiles and consents.

The two reads (one candidate, the filtered list) run without an ORM session and answer with the
JSON Postgres renders (see ``reads``); ``response_model`` still documents their shape.
"""

import uuid
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.candidates.applications.models import STATUSES
from services.candidates.candidates import service
from services.candidates.candidates.exceptions import (
    CandidateNotFound,
    EmailTaken,
    InvalidAvailability,
)
from services.candidates.candidates.reads import CandidateFilters
from services.candidates.candidates.schemas import (
    CandidateCreate,
    CandidateOut,
    CandidateUpdate,
    ConsentCreate,
    ConsentHistory,
    ConsentOut,
    CurrentConsent,
    Gender,
)
from services.candidates.vocabulary import CountryCode, Sector
from shared.concurrency import IfMatchHeader, etag, expected_version
from shared.db import HotReadsDep, SessionDep
from shared.errors import PreconditionFailed, responses
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused
from shared.pagination import Page, PageDep
from shared.responses import json_response

router = APIRouter(prefix="/v1/candidates", tags=["candidates"])

ApplicationStatus = Literal["draft", "submitted", "eligible", "ineligible", "shortlisted",
                            "selected", "waitlisted", "rejected", "withdrawn"]
# Spelt out for the OpenAPI enum; kept equal to the applications domain's list.
assert set(get_args(ApplicationStatus)) == set(STATUSES)

JSON = "application/json"


@router.post("", status_code=201, response_model=CandidateOut,
             responses=responses(EmailTaken, IdempotencyKeyReused))
async def create_candidate(data: CandidateCreate, session: SessionDep,
                           idempotency: IdempotencyDep) -> Response:
    """Register a candidate profile: identity, education, skills, languages and wishes."""

    async def produce() -> Response:
        candidate = await service.create(session, data=data)
        return json_response(CandidateOut.model_validate(candidate), status_code=201,
                             version=candidate.version,
                             location=f"/v1/candidates/{candidate.id}")

    return await idempotency.run(data, produce)


@router.get("", response_model=Page[CandidateOut])
async def list_candidates(
    hot_reads: HotReadsDep,
    page: PageDep,
    programme_id: Annotated[uuid.UUID | None, Query(
        description="Only candidates with an application to this programme.")] = None,
    status: Annotated[ApplicationStatus | None, Query(
        description="Only candidates with an application in this status (in `programme_id`, "
        "when given).")] = None,
    nationality: Annotated[CountryCode | None, Query()] = None,
    gender: Annotated[Gender | None, Query()] = None,
    sector: Annotated[Sector | None, Query(description="A preferred sector.")] = None,
    skill: Annotated[str | None, Query(
        min_length=1, max_length=500,
        description="A skill label or URI, case-insensitive, matched exactly.")] = None,
    q: Annotated[str | None, Query(
        min_length=1, max_length=200, description="Part of the full name, case-insensitive.",
    )] = None,
) -> Response:
    """List candidates, oldest first, filtered by application, nationality, gender, sector,
    skill or name."""
    filters = CandidateFilters(programme_id=programme_id, status=status,
                               nationality=nationality, gender=gender, sector=sector,
                               skill=skill, q=q)
    body = await service.page_body(hot_reads, page=page, filters=filters)
    return Response(body, media_type=JSON)


@router.get("/{candidate_id}", response_model=CandidateOut,
            responses=responses(CandidateNotFound))
async def get_candidate(candidate_id: uuid.UUID, hot_reads: HotReadsDep) -> Response:
    """One candidate profile, with its ETag for a later PATCH."""
    version, body = await service.document(hot_reads, candidate_id=candidate_id)
    return Response(body, media_type=JSON, headers={"etag": etag(version)})


@router.patch("/{candidate_id}", response_model=CandidateOut,
              responses=responses(CandidateNotFound, PreconditionFailed, EmailTaken,
                                  InvalidAvailability))
async def update_candidate(candidate_id: uuid.UUID, data: CandidateUpdate, session: SessionDep,
                           if_match: IfMatchHeader = None) -> Response:
    """Change some fields of a profile; send ``If-Match`` with its ETag to avoid lost updates.

    Lists (education, skills, languages, preferences) are replaced whole.
    """
    candidate = await service.update(session, candidate_id=candidate_id, data=data,
                                     expected_version=expected_version(if_match))
    return json_response(CandidateOut.model_validate(candidate), version=candidate.version)


@router.post("/{candidate_id}/consents", status_code=201, response_model=ConsentOut,
             responses=responses(CandidateNotFound, IdempotencyKeyReused))
async def record_consent(candidate_id: uuid.UUID, data: ConsentCreate, session: SessionDep,
                         idempotency: IdempotencyDep) -> Response:
    """Record that the candidate gave or withdrew consent for a purpose.

    The record is append-only: a withdrawal is a new event, earlier events are never changed.
    """

    async def produce() -> Response:
        consent = await service.record_consent(session, candidate_id=candidate_id, data=data)
        return json_response(ConsentOut.model_validate(consent), status_code=201)

    return await idempotency.run(data, produce)


@router.get("/{candidate_id}/consents", response_model=ConsentHistory,
            responses=responses(CandidateNotFound))
async def consent_history(candidate_id: uuid.UUID, session: SessionDep) -> Response:
    """Every consent event of the candidate, oldest first, and the one in force per purpose."""
    events, current = await service.consent_history(session, candidate_id=candidate_id)
    return json_response(ConsentHistory(
        items=[ConsentOut.model_validate(event) for event in events],
        current={purpose: CurrentConsent.model_validate(event)
                 for purpose, event in current.items()},
    ))

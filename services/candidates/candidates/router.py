"""HTTP routes of candidate profiles and consents.

The two reads (one candidate, the filtered list) run without an ORM session and answer with the
JSON Postgres renders (see ``reads``); ``response_model`` still documents their shape. They take
their caller as ``access.PeopleReader``, one dependency where a route dependency and
``PrincipalDep`` would be two for FastAPI to resolve on every request.
"""

import uuid
from typing import Annotated, get_args

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.candidates import access
from services.candidates.applications.models import STATUSES
from services.candidates.candidates import service
from services.candidates.candidates.exceptions import (
    CandidateMerged,
    CandidateNotFound,
    ConsentRequired,
    EmailChangeNotAllowed,
    EmailTaken,
    InvalidAvailability,
    InvalidConsent,
    ProfileExists,
    ProgrammeRequired,
)
from services.candidates.candidates.models import Consent
from services.candidates.candidates.schemas import (
    ApplicationStatus,
    CandidateListQuery,
    CandidateOut,
    CandidateRegistration,
    CandidateUpdate,
    ConsentCreate,
    ConsentHistory,
    ConsentOut,
    ConsentQuery,
    ConsentsInForce,
    CurrentConsent,
    VisaIdentityOut,
)
from services.candidates.database import AccessRecorderDep
from services.candidates.institutions.exceptions import InstitutionNotFound
from services.candidates.programmes.exceptions import ProgrammeNotFound
from shared.access_record import AccessRecorder
from shared.auth import AUTH_RESPONSES, Principal, PrincipalDep
from shared.concurrency import IfMatchRequired, etag, expected_version
from shared.db import HotReads, HotReadsDep, SessionDep
from shared.errors import PreconditionFailed, responses
from shared.events.signed_calls import VerifiedBody, parse
from shared.idempotency import IdempotencyDep, IdempotencyKeyReused
from shared.pagination import Page
from shared.responses import json_response

router = APIRouter(prefix="/v1/candidates", tags=["candidates"], responses=AUTH_RESPONSES)

# Spelt out for the OpenAPI enum; kept equal to the applications domain's list.
assert set(get_args(ApplicationStatus)) == set(STATUSES)

JSON = "application/json"


@router.post("", status_code=201, response_model=CandidateOut,
             dependencies=[access.CREATES_PEOPLE],
             responses={**responses(EmailTaken, ProfileExists, ProgrammeRequired,
                                    ProgrammeNotFound, InstitutionNotFound,
                                    IdempotencyKeyReused),
                        204: {"description": "With `validate_only`: the profile would be "
                              "taken; nothing was created."}})
async def create_candidate(data: CandidateRegistration, session: SessionDep,
                           principal: PrincipalDep, idempotency: IdempotencyDep,
                           recorder: AccessRecorderDep,
                           validate_only: Annotated[bool, Query(
                               description="Only check the body and the links it names: 204, "
                               "nothing created (the sign-up checks a profile this way when "
                               "its e-mail is registered, so that its answer cannot tell)."
                           )] = False) -> Response:
    """Register a candidate profile: identity, education, skills, languages and wishes.

    - A candidate account without a profile creates its own, once (then ``profile-exists``);
      it sees the profile at once, before its token names it.
    - An officer registers a person for one of their programmes: ``programme_id`` is required
      (``programme-required``; another programme is ``programme-not-found``).
    - An institution registers its own students; they are then among the people it sees.
    - An admin may name a ``programme_id``, an ``institution_id``, both or neither.
    """
    links = service.registration(principal, programme_id=data.programme_id,
                                 institution_id=data.institution_id)
    if validate_only:
        await service.ensure_registration_links(session, links=links)
        return Response(status_code=204)

    async def produce() -> Response:
        candidate = await service.create(session, data=data, links=links)
        recorder.change(candidate.id, "candidate", candidate.id)
        return json_response(CandidateOut.model_validate(candidate), status_code=201,
                             version=candidate.version,
                             location=f"/v1/candidates/{candidate.id}")

    return await idempotency.run(data, produce)


@router.get("", response_model=Page[CandidateOut])
async def list_candidates(hot_reads: HotReadsDep, principal: access.PeopleReader,
                          recorder: AccessRecorderDep,
                          query: Annotated[CandidateListQuery, Query()]) -> Response:
    """List the candidates the caller may see, oldest first, filtered by application,
    nationality, gender, sector, skill or name.

    An officer sees the people of their programmes (applied, nominated or registered), an
    institution its nominees and the students it registered, a candidate themselves.
    """
    return Response(await candidate_page(hot_reads, principal, query, recorder),
                    media_type=JSON)


async def candidate_page(hot_reads: HotReads, principal: Principal, query: CandidateListQuery,
                         recorder: AccessRecorder) -> bytes:
    """The list's page for ``principal``, each person on it recorded as read (the route's
    answer, and its express lane's)."""
    body, shown = await service.page_body(hot_reads, page=query.page(), filters=query.filters(),
                                          scope=service.hot_read_scope(principal))
    recorder.read(shown, "candidate")
    return body


@router.get("/{candidate_id}", response_model=CandidateOut,
            responses=responses(CandidateNotFound, CandidateMerged))
async def get_candidate(candidate_id: uuid.UUID, hot_reads: HotReadsDep,
                        principal: access.PeopleReader, recorder: AccessRecorderDep) -> Response:
    """One candidate profile, with its ETag for a later PATCH.

    A record an officer merged into another record of the same person answers 404
    ``candidate-merged`` with ``merged_into``, the record kept.
    """
    version, body = await candidate_document(hot_reads, principal, candidate_id, recorder)
    return Response(body, media_type=JSON, headers={"etag": etag(version)})


async def candidate_document(hot_reads: HotReads, principal: Principal, candidate_id: uuid.UUID,
                             recorder: AccessRecorder) -> tuple[int, str]:
    """The profile's version and JSON for ``principal``, recorded as read (the route's answer,
    and its express lane's)."""
    version, body = await service.document(hot_reads, candidate_id=candidate_id,
                                           scope=service.hot_read_scope(principal))
    recorder.read(candidate_id, "candidate", candidate_id)
    return version, body


@router.patch("/{candidate_id}", response_model=CandidateOut,
              dependencies=[access.WRITES_PEOPLE],
              responses=responses(CandidateNotFound, PreconditionFailed, EmailTaken,
                                  InvalidAvailability, EmailChangeNotAllowed))
async def update_candidate(candidate_id: uuid.UUID, data: CandidateUpdate, session: SessionDep,
                           principal: PrincipalDep, recorder: AccessRecorderDep,
                           if_match: IfMatchRequired) -> Response:
    """Change some fields of a profile; send ``If-Match`` with its ETag to avoid lost updates.

    Lists (education, skills, languages, preferences) are replaced whole. A candidate edits
    their own profile, an officer those of their programmes. A candidate's own e-mail is
    changed by staff (``email-change-not-allowed``, whatever the address: the answer never
    tells whether someone else has it); staff are told when it is taken.
    """
    await service.ensure_visible(session, principal=principal, candidate_id=candidate_id)
    candidate = await service.update(session, candidate_id=candidate_id, data=data,
                                     expected_version=expected_version(if_match),
                                     may_change_email=principal.role != "candidate")
    recorder.change(candidate_id, "candidate", candidate_id)
    return json_response(CandidateOut.model_validate(candidate), version=candidate.version)


def _consent_out(event: Consent, state: str) -> ConsentOut:
    return ConsentOut.model_validate({
        "id": event.id, "purpose": event.purpose, "legal_basis": event.legal_basis,
        "text_version": event.text_version, "action": event.action, "state": state,
        "expires_at": event.expires_at,
        "given_by": {"kind": service.given_by_kind(event.given_by_role),
                     "subject": event.given_by_subject, "role": event.given_by_role},
        "on_behalf_of": event.candidate_id, "jurisdiction": event.jurisdiction,
        "method": event.method, "recorded_at": event.recorded_at})


@router.post("/{candidate_id}/consents", status_code=201, response_model=ConsentOut,
             dependencies=[access.WRITES_PEOPLE],
             responses=responses(CandidateNotFound, InvalidConsent, IdempotencyKeyReused))
async def record_consent(candidate_id: uuid.UUID, data: ConsentCreate, session: SessionDep,
                         principal: PrincipalDep, idempotency: IdempotencyDep,
                         recorder: AccessRecorderDep) -> Response:
    """Record that the candidate gave or withdrew consent for a purpose: an ISO/IEC TS 27560
    consent record.

    The record is append-only: a withdrawal is a new event, earlier events are never changed,
    and it takes effect on the next use (matching, the visa file, exports, partner deliveries
    check the consent in force when they use the data). The candidate records their own
    (``method`` ``online_form``); an officer may enter a consent given on a paper form
    (``paper_form``, the default for staff), recorded as given by a representative on the
    person's behalf. A given consent may carry ``expires_at``: past it, it is ``expired``
    without anyone writing. Left out, ``legal_basis`` is ``consent`` and ``jurisdiction`` the
    person's country of residence.
    """
    await service.ensure_visible(session, principal=principal, candidate_id=candidate_id)

    async def produce() -> Response:
        consent = await service.record_consent(session, candidate_id=candidate_id, data=data,
                                               principal=principal)
        recorder.change(candidate_id, "consent", consent.id)
        return json_response(_consent_out(consent, service.state_now(consent)),
                             status_code=201)

    return await idempotency.run(data, produce)


@router.get("/{candidate_id}/visa-identity", response_model=VisaIdentityOut,
            dependencies=[access.READS_PEOPLE],
            responses=responses(CandidateNotFound, ConsentRequired))
async def visa_identity(candidate_id: uuid.UUID, session: SessionDep,
                        principal: PrincipalDep, recorder: AccessRecorderDep) -> Response:
    """The identity the candidate's visa application needs (name, date of birth, nationality,
    gender), only while their ``visa_file_sharing`` consent is given (``consent-required``
    otherwise). Placements asks it, with the officer's token, when the visa is requested."""
    await service.ensure_visible(session, principal=principal, candidate_id=candidate_id)
    candidate = await service.visa_identity(session, candidate_id=candidate_id)
    recorder.read(candidate_id, "visa_identity", candidate_id)
    return json_response(VisaIdentityOut(
        candidate_id=candidate.id, given_name=candidate.given_name,
        family_name=candidate.family_name, date_of_birth=candidate.date_of_birth,
        nationality=candidate.nationality, gender=candidate.gender))


@router.get("/{candidate_id}/consents", response_model=ConsentHistory,
            dependencies=[access.READS_PEOPLE], responses=responses(CandidateNotFound))
async def consent_history(candidate_id: uuid.UUID, session: SessionDep,
                          principal: PrincipalDep, recorder: AccessRecorderDep) -> Response:
    """Every consent record of the candidate, oldest first, each with its state now (a given
    consent past its ``expires_at`` is ``expired``), and the one in force per purpose."""
    await service.ensure_visible(session, principal=principal, candidate_id=candidate_id)
    events, current = await service.consent_history(session, candidate_id=candidate_id)
    recorder.read(candidate_id, "consent")
    return json_response(ConsentHistory(
        items=[_consent_out(event, state) for event, state in events],
        current={purpose: CurrentConsent.model_validate({
            "action": event.action, "state": state, "legal_basis": event.legal_basis,
            "text_version": event.text_version, "expires_at": event.expires_at,
            "recorded_at": event.recorded_at}) for purpose, (event, state) in current.items()},
    ))


# --- for the other services -----------------------------------------------------------------
internal_router = APIRouter(tags=["internal"], include_in_schema=False)


@internal_router.post("/internal/consents/in-force", response_model=ConsentsInForce)
async def consents_in_force(body: VerifiedBody, session: SessionDep) -> ConsentsInForce:
    """Each named candidate's consent for the purpose now (``given``: in force; ``withdrawn``,
    ``expired``, ``missing``): asked by the other services at the moment they use a person's
    data (a visa file read by the visa authority, a confirmation, an export, a partner
    delivery), signed with the internal events secret (the gateway never routes
    ``/internal/``). It answers about ids the caller already holds, nothing else."""
    data = parse(ConsentQuery, body)
    return ConsentsInForce(purpose=data.purpose, states=await service.consent_states(
        session, candidate_ids=data.candidate_ids, purpose=data.purpose))

"""Placement rules: creation (from a matching proposal or by an officer), the lifecycle
actions, who may do each, and the events they publish.

Every status change goes through :mod:`state` and is recorded as a ``placement_transition``
row in the same transaction, bumping the version; creation publishes ``placement.confirmed``
and arrive, extend, complete and end-early publish their events (:data:`ACTION_EVENTS`),
all through the outbox in the change's transaction. Nothing here commits.

Actions record what happened on the day it happened (operators enter data afterwards): the
visa request's ``requested_on``, the decision's ``decision_date``, the arrival and the end each
default to today, are never in the future and never before what they follow (422
``invalid-dates`` naming the field). A placement's own dates and its extensions stay within
the programme's ``max_stay_months`` and ``max_extension_months``
(:mod:`services.placements.programmes`).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.placements import programmes
from services.placements.employers import repository as employer_repository
from services.placements.employers import service as employer_service
from services.placements.employers.exceptions import EmployerSuspended
from services.placements.employers.models import Employer
from services.placements.erasure import service as erasure_service
from services.placements.events import (
    ACTION_EVENTS,
    PLACEMENT_CONFIRMED,
    PlacementEvent,
    outbox,
)
from services.placements.placements import repository, state
from services.placements.placements.exceptions import (
    CandidateAlreadyPlaced,
    CandidateNotFound,
    InvalidDates,
    PlacementNotFound,
    ProposalConflict,
)
from services.placements.placements.models import (
    Placement,
    PlacementExtension,
    PlacementTransition,
)
from services.placements.placements.repository import Move
from services.placements.placements.schemas import (
    ArriveBody,
    EndEarlyBody,
    ExtendBody,
    PlacementCreate,
    VisaDecisionBody,
)
from services.placements.upstream import CandidatesAsCaller
from services.placements.vacancies import service as vacancy_service
from services.placements.vacancies.exceptions import (
    StayFieldsInvalid,
    VacancyNotFound,
    VacancyUnavailable,
)
from services.placements.vacancies.models import Vacancy
from shared import access
from shared.access import Owners, Policy
from shared.auth import Principal
from shared.clock import utc_today
from shared.events.outbox import NewEvent
from shared.i18n import N_, _
from shared.pagination import PageParams

if TYPE_CHECKING:
    from services.placements.matching.profiles import CandidatesClient, MatchingProfile

_PARTIES = frozenset({"admin", "officer", "employer"})  # the host's side
_READERS = frozenset({"admin", "service", "officer", "employer", "candidate"})
# Roles that never see a person's placement: a ministry holds a statistics grant (aggregates
# only); a visa authority reads only the visa file (read-visa-file) and posts the decision.
NO_PERSON = frozenset({"ministry", "visa_authority"})
VISA_DESK = frozenset({"admin", "service", "officer", "visa_authority"})
# The states whose visa file a visa authority sees: from the request on (before it, the
# placement is none of its business).
VISA_FILE_STATES = ("visa_pending", "visa_granted", "visa_refused", "active", "completed",
                    "ended_early")
# The states in which the candidate sees their host employer's name and address: once the
# employer accepted them (not while merely proposed, nor once declined).
HOST_SHOWN_STATES = frozenset({"accepted_by_employer", "accepted_by_candidate", "visa_pending",
                               "visa_granted", "visa_refused", "active", "completed",
                               "ended_early"})
COST_RECORDERS = frozenset({"admin", "officer", "candidate"})
# Who creates placements from matching proposals when the caller names nobody.
MATCHING = Principal(subject="matching", role="service")


def owners(placement: Placement) -> Owners:
    """Whom the placement belongs to: its programme, employer, candidate and destination."""
    return Owners(programme_ids=(placement.programme_id,), employer_id=placement.employer_id,
                  candidate_id=placement.candidate_id, country=placement.destination_country)


POLICY: Policy[Placement] = Policy(
    name="placement", not_found=PlacementNotFound, owners=owners,
    read=_READERS,
    refuses=NO_PERSON,
    actions={
        "accept-employer": _PARTIES,
        "accept-candidate": frozenset({"admin", "officer", "candidate"}),
        "decline": _PARTIES | {"candidate"},
        "request-visa": access.STAFF,
        # The destination's visa desk decides; officers may record a decision they received.
        "visa-decision": access.STAFF | {"visa_authority"},
        "arrive": access.STAFF,
        # The employer records its own offer; officers may record it for them.
        "extend": _PARTIES,
        "complete": access.STAFF,
        "end-early": access.STAFF,
        # What hangs off a placement (history, services.placements.monitoring):
        "read-history": _READERS,
        "read-mentors": _READERS,
        "name-mentor": _PARTIES,
        # The trainee reports their own pay and dwelling too; which check-ins each reads is
        # monitoring.repository.readable_check_ins.
        "check-in": _PARTIES | {"candidate"},
        "read-check-ins": _PARTIES | {"service", "candidate"},
        "evaluate": _PARTIES,
        "read-evaluation": _PARTIES | {"service"},
        # A grievance about the placement (services.placements.grievances): its worker, the
        # employer's mentor on their behalf, officers on their behalf.
        "file-grievance": _PARTIES | {"candidate"},
        # The proposal's pseudonymised profile (services.placements.matching); an employer
        # sees it only until it accepts.
        "read-candidate-profile": frozenset({"admin", "officer", "employer", "candidate"}),
        # The minimum a visa decision needs (GET /v1/placements/{id}/visa-file).
        "read-visa-file": VISA_DESK,
        # Recruitment costs and earnings at destination, and the placement's zero_fee
        # (services.placements.recruitment_costs): the worker records their own, officers
        # theirs. Never the employer: a worker reporting a fee it or its agent charged must not
        # be exposed to it.
        "record-costs": COST_RECORDERS,
        "read-costs": COST_RECORDERS | {"service"},
        # The proof-of-skills credential (services.placements.credentials): the returnee
        # downloads their own; the programme's officers revoke one.
        "download-credential": frozenset({"candidate"}),
        "revoke-credential": access.STAFF,
    },
)


def happened(field: str, day: date | None, *, today: date) -> date:
    """The day something happened: ``day``, default ``today``, never after it (InvalidDates
    naming ``field``)."""
    found = day or today
    if found > today:
        raise InvalidDates.of(field, _("is in the future"), found)
    return found


def _happened(field: str, day: date | None) -> date:
    """:func:`happened` by the API's calendar today."""
    return happened(field, day, today=utc_today())


def _event(event_type: str, placement: Placement, previous_status: str | None) -> NewEvent:
    payload = PlacementEvent(
        placement_id=placement.id, candidate_id=placement.candidate_id,
        programme_id=placement.programme_id, vacancy_id=placement.vacancy_id,
        employer_id=placement.employer_id, matching_run_id=placement.matching_run_id,
        proposal_id=placement.proposal_id, status=placement.status,
        previous_status=previous_status, start_date=placement.start_date,
        end_date=placement.end_date, actual_start_date=placement.actual_start_date,
        actual_end_date=placement.actual_end_date, end_reason=placement.end_reason,
        origin_country=placement.origin_country,
        destination_country=placement.destination_country, gender=placement.gender,
        sector=placement.sector, stay_type=placement.stay_type, season=placement.season,
        region=placement.region, visa_decision=placement.visa_decision,
        visa_decision_date=placement.visa_decision_date)
    return NewEvent(type=event_type, subject_id=placement.id,
                    payload=payload.model_dump(mode="json"))


async def _emit(session: AsyncSession, event_type: str, placement: Placement,
                previous_status: str | None) -> None:
    await outbox.record_many(session, [_event(event_type, placement, previous_status)])


# --- reads ----------------------------------------------------------------------------------


async def get(session: AsyncSession, *, principal: Principal,
              placement_id: uuid.UUID) -> Placement:
    """The placement, or PlacementNotFound (also for one the caller may not see)."""
    return POLICY.check(await repository.get(session, placement_id, principal=principal),
                        principal=principal,
                        object_id=placement_id)


async def authorize(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                    action: str, for_update: bool = False,
                    expected_version: int | None = None) -> Placement:
    """Load the placement for ``action`` and check, in this order: it exists for the caller
    (404), their role may do the action (403), If-Match (412), the action is legal from its
    state (409, lifecycle actions only). ``for_update`` locks its row."""
    placement = POLICY.check(await repository.get(session, placement_id, principal=principal,
                                                  for_update=for_update),
                             principal=principal, object_id=placement_id, action=action,
                             expected_version=expected_version)
    if action in state.TRANSITIONS:
        state.check(action, placement.status)
    return placement


async def list_page(session: AsyncSession, *, principal: Principal, page: PageParams,
                    filters: dict[str, Any]) -> list[Placement]:
    """A page of the placements the caller may see; ``filters``: column -> value or None."""
    POLICY.ensure_lists(principal)
    return await repository.list_page(session, page, principal=principal,
                                      filters=filters)


async def transitions(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                      ) -> tuple[Placement, list[PlacementTransition]]:
    """The placement and its status history, oldest first."""
    placement = await authorize(session, principal=principal, placement_id=placement_id,
                                action="read-history")
    return placement, await repository.transitions(session, placement_id)


async def extensions(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                     ) -> tuple[Placement, list[PlacementExtension]]:
    """The placement and its extensions, oldest first."""
    placement = await authorize(session, principal=principal, placement_id=placement_id,
                                action="read-history")
    return placement, await repository.extensions(session, placement_id)


@dataclass(frozen=True, slots=True)
class VisaFile:
    """What a visa decision needs: the placement, its employer and its vacancy; and, when the
    identity it holds is not shown because the candidate's ``visa_file_sharing`` consent is not
    in force now, that consent's state (``withdrawn``, ``expired``, ``missing``)."""

    placement: Placement
    employer: Employer
    vacancy: Vacancy
    identity_withheld: str | None = None

    @property
    def identity(self) -> dict[str, Any] | None:
        """The identity the file shows: the one copied at the request, while consented."""
        return None if self.identity_withheld else self.placement.visa_identity

    @property
    def id(self) -> uuid.UUID:
        """The placement's id (the page's cursor)."""
        return self.placement.id

    @property
    def created_at(self) -> datetime:
        """The placement's creation (the page's cursor)."""
        return self.placement.created_at


# The consent a visa file's identity needs in force when the file is read (candidates' purpose).
VISA_FILE_SHARING = "visa_file_sharing"


async def _consented(files: list[VisaFile],
                     consents: "CandidatesClient | None") -> list[VisaFile]:
    """``files`` with the identity of each withheld unless the candidate's
    ``visa_file_sharing`` consent is in force now, asked of the candidates service at this
    read (CandidatesUnavailable when it cannot be asked: an identity is never shown unchecked).
    ``consents`` None: no candidates service to ask (the service run alone): every identity is
    withheld."""
    holding = [f.placement.candidate_id for f in files if f.placement.visa_identity is not None]
    if not holding:
        return files
    states = ({} if consents is None
              else await consents.consent_states(VISA_FILE_SHARING, holding))
    return [f if f.placement.visa_identity is None
            or (state := states.get(f.placement.candidate_id, "unchecked")) == "given"
            else replace(f, identity_withheld=state) for f in files]


async def visa_file(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                    consents: "CandidatesClient | None" = None) -> VisaFile:
    """The placement's visa file: for the visa authority of its programme and destination
    country once the visa is requested (404 before), for officers and admins always; its
    identity only while the candidate's ``visa_file_sharing`` consent is in force now."""
    placement = await authorize(session, principal=principal, placement_id=placement_id,
                                action="read-visa-file")
    if principal.role == "visa_authority" and placement.status not in VISA_FILE_STATES:
        raise POLICY.not_found(_("No placement {placement_id}.", placement_id=placement_id))
    found = await repository.visa_file(session, placement.id)
    assert found is not None  # the placement's employer and vacancy are kept (RESTRICT)
    [checked] = await _consented([VisaFile(*found)], consents)
    return checked


async def visa_requests(session: AsyncSession, *, principal: Principal, page: PageParams,
                        statuses: Sequence[str],
                        consents: "CandidatesClient | None" = None) -> list[VisaFile]:
    """A page of the visa files the caller may see (a visa authority: its programmes' in its
    country), in ``statuses`` (a subset of :data:`VISA_FILE_STATES`), oldest first; each
    identity only while the candidate's ``visa_file_sharing`` consent is in force now."""
    access.ensure_role(principal, VISA_DESK, N_("read visa requests"))
    rows = await repository.visa_files_page(session, page, principal=principal,
                                            statuses=statuses)
    return await _consented([VisaFile(*row) for row in rows], consents)


async def host_of(session: AsyncSession, *, principal: Principal,
                  placement: Placement) -> Employer | None:
    """The host employer a candidate sees on their own placement once the employer accepted
    them (None otherwise, and for every other role: they read the employer itself)."""
    if principal.role != "candidate" or placement.status not in HOST_SHOWN_STATES:
        return None
    return await employer_repository.get(session, placement.employer_id)


# --- creation -------------------------------------------------------------------------------


def _new(vacancy: Vacancy, candidate_id: uuid.UUID, *, origin_country: str | None,
         gender: str | None, start_date: date | None = None, end_date: date | None = None,
         matching_run_id: uuid.UUID | None = None, proposal_id: uuid.UUID | None = None,
         score: Decimal | None = None) -> Placement:
    """A new placement on ``vacancy``: its dates unless others are given."""
    return Placement(
        candidate_id=candidate_id, vacancy_id=vacancy.id, employer_id=vacancy.employer_id,
        programme_id=vacancy.programme_id, destination_country=vacancy.country,
        sector=vacancy.sector, stay_type=vacancy.stay_type, season=vacancy.season,
        region=vacancy.region, start_date=start_date or vacancy.start_date,
        end_date=end_date or vacancy.end_date, origin_country=origin_country, gender=gender,
        matching_run_id=matching_run_id, proposal_id=proposal_id, score=score)


async def _create(session: AsyncSession, *, placement: Placement, actor: Principal,
                  reason: str) -> Placement | None:
    """Insert a proposed placement on a reserved vacancy and publish ``placement.confirmed``;
    None when a unique constraint refused it (see :func:`repository.add`)."""
    created = await repository.add(session, placement, Move(
        "create", None, "proposed", actor.subject, actor.role, reason))
    if created is not None:
        await _emit(session, PLACEMENT_CONFIRMED, created, None)
    return created


def _already_placed(existing: uuid.UUID | None, candidate_id: uuid.UUID,
                    programme_id: uuid.UUID) -> CandidateAlreadyPlaced:
    return CandidateAlreadyPlaced(
        _("Candidate {candidate_id} already has an open placement in programme "
          "{programme_id}.", candidate_id=candidate_id, programme_id=programme_id),
        **({"placement_id": str(existing)} if existing else {}))


async def _authorize_candidate(*, principal: Principal, candidates: CandidatesAsCaller | None,
                               programme_id: uuid.UUID,
                               candidate_id: uuid.UUID) -> "MatchingProfile | None":
    """404 unless the caller may place ``candidate_id`` in ``programme_id``.

    Placements does not own candidates, so it asks the candidates service with the caller's
    own token. It asks for the candidate's line of the programme's matching-profile export
    (``status=selected&candidate_id=…``) rather than ``GET /v1/candidates/{id}``: one indexed
    query there, and a stricter test, the one a matching run applies. The export answers only
    callers who manage the programme, and lists the candidate only with a *selected
    application in this very programme*; reading the profile would also pass for a candidate
    of another of the officer's programmes, or one merely nominated. Anything else (unknown,
    not selected here, not the caller's, 401/403/404 there) is this 404. Admins and services
    relate to every candidate and are not asked about (the service may have no token to
    forward when auth is off); their placements are their responsibility.
    """
    if principal.role in access.UNRESTRICTED:
        return None
    profile = None
    if candidates is not None and candidates.client is not None:
        profile = await candidates.client.selected_profile(
            programme_id, candidate_id, authorization=candidates.authorization)
    if profile is None:
        raise CandidateNotFound(_("No candidate {candidate_id} selected in programme "
                                  "{programme_id} among yours.", candidate_id=candidate_id,
                                  programme_id=programme_id))
    return profile


async def create(session: AsyncSession, *, principal: Principal, data: PlacementCreate,
                 candidates: CandidatesAsCaller | None = None) -> Placement:
    """Propose a placement directly (admins, officers of the vacancy's programme).

    Both links are authorised as reads: the vacancy as this caller reads it (404), the
    candidate by the candidates service (:func:`_authorize_candidate`, 404). The vacancy's
    employer must not be suspended in the programme (EmployerSuspended). A candidate's
    gender and nationality (as origin) come from their profile when the body omits them.
    Dates of its own stay within the programme's ``max_stay_months`` (422 naming end_date).
    """
    access.ensure_role(principal, access.STAFF, N_("create placements"))
    vacancy = await vacancy_service.get(session, principal=principal, vacancy_id=data.vacancy_id)
    profile = await _authorize_candidate(
        principal=principal, candidates=candidates,
        programme_id=vacancy.programme_id, candidate_id=data.candidate_id)
    if profile is not None:
        data = data.model_copy(update={
            "gender": data.gender or profile.gender,
            "origin_country": data.origin_country or profile.nationality})
    start = data.start_date or vacancy.start_date
    end = data.end_date or vacancy.end_date
    if end <= start:
        raise InvalidDates.of("end_date", _("must be after start_date {start}", start=start),
                              end)
    if (start, end) != (vacancy.start_date, vacancy.end_date):
        programmes.check_stay_end(await programmes.rules(candidates, vacancy.programme_id),
                                  start=start, end=end)
    existing = await repository.open_placement_id(session, candidate_id=data.candidate_id,
                                                  programme_id=vacancy.programme_id)
    if existing is None:
        await employer_service.ensure_may_host(session, employer_id=vacancy.employer_id,
                                               programme_id=vacancy.programme_id)
        vacancy = await vacancy_service.reserve_seat(session, vacancy_id=vacancy.id,
                                                     programme_id=vacancy.programme_id)
        placement = await _create(
            session, placement=_new(vacancy, data.candidate_id,
                                    origin_country=data.origin_country, gender=data.gender,
                                    start_date=start, end_date=end),
            actor=principal, reason="proposed by an officer")
        if placement is not None:
            return placement
        existing = await repository.open_placement_id(
            session, candidate_id=data.candidate_id, programme_id=vacancy.programme_id)
    raise _already_placed(existing, data.candidate_id, vacancy.programme_id)


def _same_proposal(placement: Placement, *, candidate_id: uuid.UUID,
                   vacancy_id: uuid.UUID) -> Placement:
    if (placement.candidate_id, placement.vacancy_id) != (candidate_id, vacancy_id):
        raise ProposalConflict(
            _("Proposal {proposal_id} already made placement {placement_id} of another "
              "candidate or vacancy.", proposal_id=placement.proposal_id,
              placement_id=placement.id), placement_id=str(placement.id))
    return placement


@dataclass(frozen=True, slots=True)
class Proposal:
    """A confirmed matching proposal to turn into a placement."""

    proposal_id: uuid.UUID
    candidate_id: uuid.UUID
    vacancy_id: uuid.UUID
    score: Decimal | float | None
    origin_country: str | None = None
    gender: str | None = None


# Why a proposal may not become a placement (create_from_proposals answers them per proposal).
Refusal = (CandidateAlreadyPlaced | ProposalConflict | VacancyNotFound | VacancyUnavailable
           | EmployerSuspended)


async def create_from_proposal(session: AsyncSession, *, programme_id: uuid.UUID,
                               candidate_id: uuid.UUID, vacancy_id: uuid.UUID,
                               run_id: uuid.UUID, proposal_id: uuid.UUID,
                               score: Decimal | float | None,
                               origin_country: str | None = None,
                               gender: str | None = None,
                               actor: Principal = MATCHING) -> Placement:
    """The placement of a confirmed matching proposal, created once: confirming the same
    proposal again returns the placement it made, in any transaction.

    The vacancy must be open, of ``programme_id`` and have a free seat (VacancyNotFound,
    VacancyUnavailable), its employer not suspended in the programme (EmployerSuspended); a
    candidate with an open placement in the programme is refused
    (CandidateAlreadyPlaced, naming it); a proposal id already used for another candidate or
    vacancy is a ProposalConflict. Publishes ``placement.confirmed`` when it creates.
    """
    [made] = await create_from_proposals(
        session, programme_id=programme_id, run_id=run_id, actor=actor, proposals=[Proposal(
            proposal_id=proposal_id, candidate_id=candidate_id, vacancy_id=vacancy_id,
            score=score, origin_country=origin_country, gender=gender)])
    if isinstance(made, Placement):
        return made
    raise made


async def create_from_proposals(session: AsyncSession, *, programme_id: uuid.UUID,
                                run_id: uuid.UUID, proposals: Sequence[Proposal],
                                actor: Principal = MATCHING) -> list[Placement | Refusal]:
    """:func:`create_from_proposal` for many proposals of a run at once, in their order: each
    gets its placement, or the error that refuses it (the others go on).

    Set-based, so that a run's thousands of proposals take a few statements, not a dozen
    each: the placements the proposals already made, the candidates' open placements and the
    vacancies (locked, in id order) are read once; seats are counted as they are taken; the
    new placements, their history and their ``placement.confirmed`` events are written in
    bulk. A row a unique index refuses (a concurrent transaction placed the candidate or
    confirmed the proposal first) is answered as create_from_proposal would.
    """
    made: dict[int, Placement | Refusal] = {}  # by the proposal's position
    existing = await repository.by_proposals(session, (p.proposal_id for p in proposals))
    placed: dict[uuid.UUID, uuid.UUID | None] = dict(await repository.open_placement_ids(
        session, candidate_ids=(p.candidate_id for p in proposals), programme_id=programme_id))
    fresh = [(i, p) for i, p in enumerate(proposals) if p.proposal_id not in existing]
    wanted = [p.vacancy_id for _, p in fresh if p.candidate_id not in placed]
    # The hosts before the vacancies: the order a suspension locks them in.
    suspended = await employer_service.suspended_hosts(session, programme_id=programme_id,
                                                       vacancy_ids=wanted)
    vacancies, taken = await vacancy_service.lock_for_placements(session, wanted)
    rows: list[Placement] = []
    waiting: list[tuple[int, Proposal]] = []
    for i, p in enumerate(proposals):
        try:
            if (found := existing.get(p.proposal_id)) is not None:
                made[i] = _same_proposal(found, candidate_id=p.candidate_id,
                                         vacancy_id=p.vacancy_id)
                continue
            if p.candidate_id in placed:
                raise _already_placed(placed[p.candidate_id], p.candidate_id, programme_id)
            target = vacancies.get(p.vacancy_id)
            if target is not None and target.employer_id in suspended:
                raise employer_service.suspended_error(employer_id=target.employer_id,
                                                       programme_id=programme_id)
            vacancy = vacancy_service.free_seat(
                vacancies.get(p.vacancy_id), vacancy_id=p.vacancy_id,
                programme_id=programme_id, taken=taken.get(p.vacancy_id, 0))
        except (CandidateAlreadyPlaced, ProposalConflict, VacancyNotFound,
                VacancyUnavailable, EmployerSuspended) as refusal:
            made[i] = refusal
            continue
        taken[vacancy.id] = taken.get(vacancy.id, 0) + 1
        placed[p.candidate_id] = None  # placed by this call
        rows.append(_new(vacancy, p.candidate_id, origin_country=p.origin_country,
                         gender=p.gender, matching_run_id=run_id, proposal_id=p.proposal_id,
                         score=None if p.score is None else Decimal(str(p.score))))
        waiting.append((i, p))
    reason = f"matching run {run_id}"
    inserted = {placement.proposal_id: placement for placement in await repository.add_many(
        session, rows, [Move("create", None, "proposed", actor.subject, actor.role,
                             f"{reason}, proposal {p.proposal_id}") for _, p in waiting])}
    await outbox.record_many(session, [_event(PLACEMENT_CONFIRMED, placement, None)
                                       for placement in inserted.values()])
    lost = [(i, p) for i, p in waiting if p.proposal_id not in inserted]
    if lost:  # a race lost: answered from what the winners wrote
        existing = await repository.by_proposals(session, (p.proposal_id for _, p in lost))
        placed = dict(await repository.open_placement_ids(
            session, candidate_ids=(p.candidate_id for _, p in lost), programme_id=programme_id))
    for i, p in waiting:
        if p.proposal_id in inserted:
            made[i] = inserted[p.proposal_id]
        elif (found := existing.get(p.proposal_id)) is not None:
            try:
                made[i] = _same_proposal(found, candidate_id=p.candidate_id,
                                         vacancy_id=p.vacancy_id)
            except ProposalConflict as conflict:
                made[i] = conflict
        else:
            made[i] = _already_placed(placed.get(p.candidate_id), p.candidate_id, programme_id)
    return [made[i] for i in range(len(proposals))]


# --- lifecycle actions ----------------------------------------------------------------------


async def _act(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
               action: str, expected_version: int | None, to: str | None = None,
               reason: str | None = None,
               values: repository.PlacementChanges | None = None) -> Placement:
    """Do ``action`` (checked by :func:`authorize`) with ``values`` that its own rules allowed."""
    placement = await authorize(session, principal=principal, placement_id=placement_id,
                                action=action, for_update=True,
                                expected_version=expected_version)
    return await _move(session, placement, principal, action, to=to, reason=reason,
                       values=values)


async def _move(session: AsyncSession, placement: Placement, principal: Principal, action: str,
                *, to: str | None = None, reason: str | None = None,
                values: repository.PlacementChanges | None = None) -> Placement:
    previous = placement.status
    move = Move(action, previous, state.target(action, previous, to), principal.subject,
                principal.role, reason)
    updated = await repository.move(session, placement.id, move, values or {})
    if action in ACTION_EVENTS:
        await _emit(session, ACTION_EVENTS[action], updated, previous)
    return updated


async def accept_employer(session: AsyncSession, *, principal: Principal,
                          placement_id: uuid.UUID, expected_version: int | None) -> Placement:
    """The employer accepts the proposed candidate."""
    return await _act(session, principal=principal, placement_id=placement_id,
                      action="accept-employer", expected_version=expected_version)


async def accept_candidate(session: AsyncSession, *, principal: Principal,
                           placement_id: uuid.UUID, expected_version: int | None) -> Placement:
    """The candidate accepts the placement the employer accepted."""
    return await _act(session, principal=principal, placement_id=placement_id,
                      action="accept-candidate", expected_version=expected_version)


async def decline(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                  reason: str | None, expected_version: int | None) -> Placement:
    """Either party declines before the visa is requested; the seat frees up."""
    if reason:  # the caller's rights first: another party's placement stays a 404
        await authorize(session, principal=principal, placement_id=placement_id,
                        action="decline")
        await erasure_service.refuse_free_text(session, placement_id=placement_id,
                                               texts=[reason], fields="reason")
    return await _act(session, principal=principal, placement_id=placement_id,
                      action="decline", expected_version=expected_version,
                      reason=f"declined by {principal.role}" + (f": {reason}" if reason else ""))


async def forget_candidate(session: AsyncSession, *, candidate_id: uuid.UUID) -> None:
    """Blank the identity the erased candidate's visa files held."""
    await repository.forget_visa_identity(session, candidate_id)


async def request_visa(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                       expected_version: int | None, requested_on: date | None = None,
                       candidates: CandidatesAsCaller | None = None) -> Placement:
    """Both parties accepted: the visa application goes to the destination's visa authority
    (on ``requested_on``, default today), with the candidate's identity when they consented to
    share it (asked of the candidates service with the caller's token; CandidatesUnavailable,
    and nothing changed, when it cannot be asked)."""
    placement = await authorize(session, principal=principal, placement_id=placement_id,
                                action="request-visa", for_update=True,
                                expected_version=expected_version)
    state.target("request-visa", placement.status, None)  # an illegal move asks nobody
    requested = _happened("requested_on", requested_on)
    # Without a token to forward (auth off: a service run alone) there is nobody to ask as.
    identity = None
    if candidates is not None and candidates.client is not None \
            and candidates.authorization is not None:
        identity = await candidates.client.visa_identity(
            placement.candidate_id, authorization=candidates.authorization)
    return await _move(session, placement, principal, "request-visa",
                       values={"visa_identity": identity, "visa_requested_on": requested})


async def decide_visa(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                      data: VisaDecisionBody, expected_version: int | None) -> Placement:
    """Record the ministry's visa decision: granted or refused (refused is final), on
    ``decision_date`` (default today), not before the visa was requested."""
    placement = await authorize(session, principal=principal, placement_id=placement_id,
                                action="visa-decision", for_update=True,
                                expected_version=expected_version)
    decided = _happened("decision_date", data.decision_date)
    requested = placement.visa_requested_on
    if requested is not None and decided < requested:
        raise InvalidDates.of("decision_date", _("is before the visa request ({requested})",
                                                 requested=requested),
                              decided, visa_requested_on=requested.isoformat())
    return await _move(session, placement, principal, "visa-decision",
                       to=f"visa_{data.decision}", reason=data.reason,
                       values={"visa_decision": data.decision, "visa_decision_date": decided,
                               "visa_reference": data.reference})


def _check_enrolment(stay_type: str, enrolment_reference: str | None) -> None:
    """A study stay's arrival names the student's enrolment; no other stay's does (422)."""
    if (stay_type == "study") == (enrolment_reference is not None):
        return
    kind, message, detail = (
        ("missing", _("required for a study stay"),
         _("enrolment_reference is required for a study stay.")) if stay_type == "study"
        else ("stay_type_mismatch",
              _("only for a study stay, not {stay_type}", stay_type=stay_type),
              _("enrolment_reference is only for a study stay, not {stay_type}.",
                stay_type=stay_type)))
    raise StayFieldsInvalid(detail, errors=[
        {"loc": ["body", "enrolment_reference"], "msg": message, "type": kind}])


async def arrive(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                 data: ArriveBody, expected_version: int | None) -> Placement:
    """The trainee arrived: the placement becomes active from ``arrival_date``, not before
    the visa was granted; a student's arrival records their enrolment."""
    placement = await authorize(session, principal=principal, placement_id=placement_id,
                                action="arrive", for_update=True,
                                expected_version=expected_version)
    arrived = _happened("arrival_date", data.arrival_date)
    granted = placement.visa_decision_date if placement.visa_decision == "granted" else None
    if granted is not None and arrived < granted:
        raise InvalidDates.of("arrival_date", _("is before the visa was granted ({granted})",
                                                granted=granted),
                              arrived, visa_decision_date=granted.isoformat())
    _check_enrolment(placement.stay_type, data.enrolment_reference)
    return await _move(session, placement, principal, "arrive",
                       values={"actual_start_date": arrived,
                               "enrolment_reference": data.enrolment_reference})


async def _end(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
               action: str, end_date: date | None, expected_version: int | None,
               reason: str | None = None,
               values: repository.PlacementChanges | None = None) -> Placement:
    placement = await authorize(session, principal=principal, placement_id=placement_id,
                                action=action, for_update=True,
                                expected_version=expected_version)
    ended = _happened("end_date", end_date)
    arrived = placement.actual_start_date
    assert arrived is not None  # set on arrival, the only way to active
    if ended < arrived:
        raise InvalidDates.of("end_date", _("is before the arrival ({arrived})",
                                            arrived=arrived), ended)
    return await _move(session, placement, principal, action, reason=reason,
                       values={"actual_end_date": ended, **(values or {})})


async def complete(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                   end_date: date | None, expected_version: int | None) -> Placement:
    """The stay ended as planned (on ``end_date``, default today)."""
    return await _end(session, principal=principal, placement_id=placement_id,
                      action="complete", end_date=end_date, expected_version=expected_version)


async def end_early(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                    data: EndEarlyBody, expected_version: int | None) -> Placement:
    """The stay ended before its planned end, for a reason code (the note stays in history)."""
    if data.note:  # the caller's rights first: another party's placement stays a 404
        await authorize(session, principal=principal, placement_id=placement_id,
                        action="end-early")
        await erasure_service.refuse_free_text(session, placement_id=placement_id,
                                               texts=[data.note], fields="note")
    return await _end(session, principal=principal, placement_id=placement_id,
                      action="end-early", end_date=data.end_date,
                      expected_version=expected_version,
                      reason=data.reason + (f": {data.note}" if data.note else ""),
                      values={"end_reason": data.reason})


async def extend(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                 data: ExtendBody, expected_version: int | None,
                 candidates: CandidatesAsCaller | None = None) -> Placement:
    """Extend an active placement to a later end date, on the employer's offer, within the
    programme's ``max_extension_months`` counted from the end planned before any extension."""
    placement = await authorize(session, principal=principal, placement_id=placement_id,
                                action="extend", for_update=True,
                                expected_version=expected_version)
    await erasure_service.refuse_free_text(
        session, placement_id=placement_id, texts=[data.offer_text, data.offer_reference],
        fields="offer_text, offer_reference")
    if data.new_end_date <= placement.end_date:
        raise InvalidDates.of("new_end_date", _("must be after the current end date {end}",
                                                end=placement.end_date), data.new_end_date,
                              current_end_date=str(placement.end_date))
    rules = await programmes.rules(candidates, placement.programme_id)
    if rules.max_extension_months is not None:
        planned = await repository.end_date_before_extensions(session, placement.id)
        programmes.check_extension(rules, planned_end=planned or placement.end_date,
                                   new_end=data.new_end_date)
    await repository.add_extension(session, PlacementExtension(
        placement_id=placement.id, previous_end_date=placement.end_date,
        new_end_date=data.new_end_date, offer_reference=data.offer_reference,
        offer_text=data.offer_text, actor=principal.subject))
    return await _move(session, placement, principal, "extend",
                       reason=f"extended from {placement.end_date} to {data.new_end_date}",
                       values={"end_date": data.new_end_date})

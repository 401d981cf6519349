"""Returnee case rules: one case per person and programme, each ended placement a stay of it
(recorded once), scheduling, assignment, notes, closing, and erasing a candidate's free text.

Nothing here commits: an opened case and its follow-ups share the inbox's transaction, a
closed case and its ``case.closed`` event the request's.
"""

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration import rules
from services.reintegration.cases import repository
from services.reintegration.cases.exceptions import CandidateErased, CaseNotFound
from services.reintegration.cases.models import STAY_TYPES, ReturneeCase, ReturneeStay
from services.reintegration.cases.schemas import CaseUpdate, CloseBody
from services.reintegration.events import (
    CASE_CLOSED,
    FOLLOWUP_SCHEDULED,
    CaseClosed,
    FollowUpScheduled,
    PlacementEnded,
    outbox,
)
from services.reintegration.followups import repository as follow_up_repository
from services.reintegration.followups.models import FollowUp
from services.reintegration.schedules import service as schedule_service
from services.reintegration.support import repository as support_repository
from shared.access import STAFF, Owners
from shared.auth import Principal
from shared.errors import IllegalTransition
from shared.events.outbox import NewEvent
from shared.filters import equal_to
from shared.i18n import N_, _
from shared.pagination import PageParams

log = logging.getLogger(__name__)

OUTCOMES = {"placement.completed": "completed", "placement.ended_early": "ended_early"}


def owners(case: ReturneeCase) -> Owners:
    """Whom the case (and what hangs off it) belongs to: its programme and candidate."""
    return Owners(programme_ids=(case.programme_id,), candidate_id=case.candidate_id)


POLICY = rules.people_policy(name="returnee case", not_found=CaseNotFound, owners=owners,
                             refusal=N_("see returnees' cases"),
                             actions={"assign": STAFF, "edit": STAFF, "close": STAFF,
                                      "support": STAFF})


def _label(value: str | None, *, upper: bool = False) -> str | None:
    """A code as the breakdowns group it: trimmed, one case; None when empty."""
    value = (value or "").strip()[:64]
    return (value.upper() if upper else value.lower()) or None


# --- opened by events -----------------------------------------------------------------------


def _stay_type(value: str | None) -> str | None:
    """The stay type as recorded: one this service knows, else None (logged)."""
    label = _label(value)
    if label is not None and label not in STAY_TYPES:
        log.warning("unknown stay type ignored", extra={"stay_type": label})
        return None
    return label


def _season(value: str | None) -> str | None:
    return (value or "").strip()[:64] or None


async def open_from_placement(session: AsyncSession, *, event_type: str,
                              placement: PlacementEnded) -> ReturneeCase | None:
    """Record the stay of an ended placement in its person's case, and schedule that stay's
    follow-ups from its return date by the programme's schedule.

    The first stay of a person in a programme opens their case; a later one (another season)
    joins it, reopens it if it was closed, and becomes its latest stay when it ended last.
    Measures of the person's support recorded before they had a case are attached to it.
    None when the placement's stay is already recorded (a retried, duplicated or second ending
    event), which changes nothing.
    """
    if await repository.stay_exists(session, placement.placement_id):
        log.info("placement already recorded", extra={"event_type": event_type})
        return None
    erased = await repository.is_erased(session, placement.candidate_id)
    latest: repository.CaseChanges = {
        "placement_id": placement.placement_id, "employer_id": placement.employer_id,
        "destination_country": _label(placement.destination_country, upper=True),
        "sector": _label(placement.sector), "return_date": placement.return_date,
        "placement_outcome": OUTCOMES[event_type], "end_reason": placement.end_reason}
    person: repository.CaseChanges = {
        "gender": _label(placement.gender),
        "origin_country": _label(placement.origin_country, upper=True)}
    columns: dict[str, Any] = {**latest, **person}
    case, new = await repository.add_or_lock(session, ReturneeCase(
        candidate_id=placement.candidate_id, programme_id=placement.programme_id,
        erased_at=func.now() if erased else None, **columns))
    stay = await repository.add_stay_if_new(session, ReturneeStay(
        case_id=case.id, programme_id=case.programme_id, placement_id=placement.placement_id,
        employer_id=latest["employer_id"], destination_country=latest["destination_country"],
        sector=latest["sector"], stay_type=_stay_type(placement.stay_type),
        season=_season(placement.season), start_date=placement.stay_start,
        return_date=placement.return_date, placement_outcome=OUTCOMES[event_type],
        end_reason=placement.end_reason))
    if stay is None:  # recorded meanwhile by a concurrent delivery of the same placement
        return None
    if not new:
        case = await repository.change(session, case.id, _joined(case, latest, person))
    await support_repository.attach_to_case(session, case)
    points, window_days = await schedule_service.effective(session,
                                                           programme_id=case.programme_id)
    # Ids made here, so that each follow-up's followup.scheduled names it.
    follow_ups = [
        FollowUp(id=uuid.uuid4(), case_id=case.id, stay_id=stay.id,
                 programme_id=case.programme_id, point_months=p.point_months,
                 due_date=p.due_date, window_closes_at=p.window_closes_at)
        for p in schedule_service.plan(stay.return_date, points_months=points,
                                       window_days=window_days)]
    await follow_up_repository.add_many(session, follow_ups)
    await outbox.record_many(session, [NewEvent(
        type=FOLLOWUP_SCHEDULED, subject_id=case.id, payload=FollowUpScheduled(
            follow_up_id=f.id, case_id=case.id, programme_id=case.programme_id,
            candidate_id=case.candidate_id, point_months=f.point_months, due_date=f.due_date,
            window_closes_at=f.window_closes_at).model_dump(mode="json"))
        for f in follow_ups])
    return case


def _joined(case: ReturneeCase, latest: repository.CaseChanges,
            person: repository.CaseChanges) -> repository.CaseChanges:
    """What a further stay changes on its case: open again, the latest stay's placement
    columns if it ended last, what was unknown of the person."""
    changes: repository.CaseChanges = {}
    if case.status == "closed":
        changes.update({"status": "open", "closed_at": None, "close_reason": None})
    if latest["return_date"] >= case.return_date:
        changes.update(latest)
    if case.gender is None and person.get("gender"):
        changes["gender"] = person["gender"]
    if case.origin_country is None and person.get("origin_country"):
        changes["origin_country"] = person["origin_country"]
    return changes


async def erase_candidate(session: AsyncSession, *, candidate_id: uuid.UUID) -> None:
    """Blank the free text of the candidate's cases, answers and support measures, drop the
    answers kept for retries that name them, and remember the erasure for a case opened later;
    the coded answers stay for the indicators."""
    await repository.record_erasure(session, candidate_id)
    case_ids = await repository.blank_notes(session, candidate_id)
    await follow_up_repository.blank_free_text(session, case_ids)
    await support_repository.blank_free_text(session, candidate_id)
    await repository.forget_stored_answers(session, [candidate_id, *case_ids])


# --- reads ----------------------------------------------------------------------------------


async def authorize(session: AsyncSession, *, principal: Principal, case_id: uuid.UUID,
                    action: str | None = None, for_update: bool = False,
                    expected_version: int | None = None) -> ReturneeCase:
    """The case after the checks, in this order: a role that sees people here (403), it
    exists for the caller (404), their role may do ``action`` (403), If-Match (412)."""
    return POLICY.check(
        await repository.get(session, case_id, principal=principal, for_update=for_update),
        principal=principal, object_id=case_id, action=action,
        expected_version=expected_version)


async def list_page(session: AsyncSession, *, principal: Principal, page: PageParams,
                    filters: dict[str, Any]) -> list[ReturneeCase]:
    """A page of the cases the caller may see; ``filters``: column -> value or None
    (``caseworker_subject`` may be ``me``)."""
    POLICY.ensure_lists(principal, rules.LISTS_PEOPLE)
    if filters.get("caseworker_subject") == "me":
        filters = {**filters, "caseworker_subject": principal.subject}
    return await repository.list_page(session, page, principal=principal,
                                      conditions=equal_to(ReturneeCase, filters))


async def of_person(session: AsyncSession, *, principal: Principal, candidate_id: uuid.UUID,
                    programme_id: uuid.UUID) -> ReturneeCase | None:
    """The person's case in the programme, if they have one the caller may read."""
    return await repository.of_person(session, candidate_id, programme_id, principal=principal)


async def is_erased(session: AsyncSession, candidate_id: uuid.UUID) -> bool:
    """Whether the candidate's personal data was erased (no free text is kept about them)."""
    return await repository.is_erased(session, candidate_id)


async def people_of(session: AsyncSession,
                    case_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Whose each of these cases is (the caller read them): for the access record."""
    return await repository.people_of(session, case_ids)


async def stays(session: AsyncSession,
                case_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ReturneeStay]]:
    """The stays of these cases (the caller read the cases), each case's in the order they
    ended."""
    return await repository.stays_of(session, case_ids)


async def follow_ups(session: AsyncSession, *, principal: Principal,
                     case_id: uuid.UUID) -> list[FollowUp]:
    """The case's follow-ups, earliest due first."""
    await authorize(session, principal=principal, case_id=case_id)
    return await follow_up_repository.of_case(session, case_id)


# --- actions --------------------------------------------------------------------------------


def _ensure_open(case: ReturneeCase, action: str) -> None:
    if case.status != "open":
        raise IllegalTransition(action=action, current_state=case.status, allowed_from=["open"])


async def assign(session: AsyncSession, *, principal: Principal, case_id: uuid.UUID,
                 caseworker_subject: str | None, expected_version: int | None) -> ReturneeCase:
    """Assign the open case to an officer (their token's subject), or unassign it."""
    case = await authorize(session, principal=principal, case_id=case_id, action="assign",
                           for_update=True, expected_version=expected_version)
    _ensure_open(case, "assign")
    return await repository.change(session, case.id,
                                   {"caseworker_subject": caseworker_subject})


async def edit(session: AsyncSession, *, principal: Principal, case_id: uuid.UUID,
               data: CaseUpdate, expected_version: int | None) -> ReturneeCase:
    """Change the caseworker's notes; none are kept about an erased candidate (409)."""
    case = await authorize(session, principal=principal, case_id=case_id, action="edit",
                           for_update=True, expected_version=expected_version)
    changes = data.changes(repository.CaseChanges)
    if case.erased_at is not None and changes.get("notes"):
        raise CandidateErased(_("The candidate's personal data was erased: no notes are "
                                "kept."))
    return await repository.change(session, case.id, changes) if changes else case


async def close(session: AsyncSession, *, principal: Principal, case_id: uuid.UUID,
                data: CloseBody, now: datetime, expected_version: int | None) -> ReturneeCase:
    """Close the open case, cancel its follow-ups still waiting and publish ``case.closed``."""
    case = await authorize(session, principal=principal, case_id=case_id, action="close",
                           for_update=True, expected_version=expected_version)
    _ensure_open(case, "close")
    await follow_up_repository.cancel_scheduled(session, case.id, now)
    closed = await repository.change(session, case.id, {
        "status": "closed", "closed_at": now, "close_reason": data.reason})
    await outbox.record(session, type=CASE_CLOSED, subject_id=case.id, payload=CaseClosed(
        case_id=case.id, placement_id=case.placement_id, programme_id=case.programme_id,
        candidate_id=case.candidate_id, close_reason=data.reason, closed_at=now,
    ).model_dump(mode="json"))
    return closed

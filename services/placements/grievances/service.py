"""Grievance rules: who files one about which placement, who handles it at each level, the
status changes and their history, what each reader sees of it, and the programme's statistics.

**Filing.** The placement's worker (their own placement: another's is a 404, like any object
not theirs), an officer of its programme or an admin on the worker's behalf, or the placement's
employer (a mentor on the worker's behalf: the employer then knows whose it is). Only once the
worker has accepted the placement (fees and contract substitution happen before departure)
and until after the stay (complaints often come after the return): ``accepted_by_candidate``
through ``completed``/``ended_early``, the refused visa included; a 409 naming the state
otherwise.

**Levels** (:mod:`.state`): first the employer, if the worker chose it, else the programme;
then the ministry's statistics, each time the deadline of the severity passes unresolved
(:mod:`.escalation`). At the employer's level the employer responds and resolves; officers may
always step in; at the programme's and the ministry's the officers (an employer: 409
``grievance-level``). An officer may assign the grievance to an officer.

**Who sees what.** The worker their own; officers their programmes'; an employer those about
itself, without placement, person, who filed and the worker's satisfaction unless
``share_identity_with_employer``; a ministry never a grievance (403), only the statistics,
under disclosure control.

Every change appends a step to the history and bumps the version (the ETag); filing,
escalating and resolving publish ``grievance.*`` events through the outbox, codes only.
"""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.employers.exceptions import ProgrammeNotFound
from services.placements.erasure import service as erasure_service
from services.placements.events import (
    GRIEVANCE_FILED,
    GRIEVANCE_RESOLVED,
    GrievanceEvent,
    outbox,
)
from services.placements.grievances import repository, state
from services.placements.grievances.disclosure import suppress
from services.placements.grievances.exceptions import (
    GrievanceLevelConflict,
    GrievanceNotFound,
    HistoricalEntryForbidden,
    SatisfactionGiven,
)
from services.placements.grievances.models import Grievance, GrievanceAction
from services.placements.grievances.repository import GrievanceChanges, GrievanceFilters
from services.placements.grievances.schemas import (
    AssignBody,
    GrievanceActionOut,
    GrievanceCreate,
    GrievanceOut,
    GrievanceStatistics,
    ResolveBody,
)
from services.placements.monitoring.exceptions import PlacementStateConflict
from services.placements.placements import service as placement_service
from services.placements.placements.exceptions import InvalidDates
from shared import access, disclosure
from shared.access import Owners, Policy
from shared.auth import ROLES, Principal
from shared.events.outbox import NewEvent
from shared.i18n import N_, _
from shared.pagination import PageParams

READERS = frozenset({"admin", "service", "officer", "employer", "candidate"})
FILERS = frozenset({"admin", "officer", "employer", "candidate"})
# Who answers and resolves: the employer at its own level only (see _ensure_handles).
HANDLERS = access.STAFF | {"employer"}
# Who reads a programme's grievance statistics: a ministry under disclosure control.
READS_STATISTICS = frozenset({"admin", "service", "officer", "ministry"})
# The placement states a grievance may be filed in: from the worker's acceptance on.
FILING_STATES = frozenset({"accepted_by_candidate", "visa_pending", "visa_granted",
                           "visa_refused", "active", "completed", "ended_early"})


def owners(grievance: Grievance) -> Owners:
    """Whom a grievance belongs to: its programme, the employer it is about, its worker."""
    return Owners(programme_ids=(grievance.programme_id,), employer_id=grievance.employer_id,
                  candidate_id=grievance.candidate_id)


POLICY: Policy[Grievance] = Policy(
    name="grievance", not_found=GrievanceNotFound, owners=owners, read=READERS,
    refuses=frozenset(ROLES) - READERS, refusal=N_("see a worker's grievances"),
    actions={"respond": HANDLERS, "resolve": HANDLERS, "assign": access.STAFF,
             # The worker's own rating of the resolution.
             "satisfaction": frozenset({"candidate"})},
)


# What an employer the worker did not tell does not see of their grievance.
_IDENTITY = ("placement_id", "candidate_id", "on_behalf", "filed_by", "filed_by_role",
             "satisfaction", "rated_at")


def hides_identity(principal: Principal, grievance: Grievance) -> bool:
    """Whether ``principal`` may not know whose grievance it is: an employer the worker did not
    tell (and who did not file it itself)."""
    return principal.role == "employer" and not grievance.share_identity_with_employer


def _event(event_type: str, grievance: Grievance, previous_level: str | None = None) -> NewEvent:
    payload = GrievanceEvent(
        grievance_id=grievance.id, programme_id=grievance.programme_id,
        category=grievance.category, severity=grievance.severity, level=grievance.level,
        previous_level=previous_level, status=grievance.status, outcome=grievance.outcome,
        due_at=grievance.due_at)
    return NewEvent(type=event_type, subject_id=grievance.id,
                    payload=payload.model_dump(mode="json"))


async def _step(session: AsyncSession, grievance: Grievance, action: str, *,
                principal: Principal, now: datetime, message: str | None = None) -> None:
    """Append ``action`` (leaving ``grievance`` as it is now) to its history."""
    await repository.add_action(session, GrievanceAction(
        grievance_id=grievance.id, action=action, level=grievance.level,
        status=grievance.status, actor=principal.subject, actor_role=principal.role,
        message=message, at=now))


# --- filing -----------------------------------------------------------------------------------


def _received(principal: Principal, received_at: datetime | None, *,
              now: datetime) -> datetime:
    """When the complaint was made: ``received_at`` (staff entering it afterwards; never in
    the future) or now."""
    if received_at is None:
        return now
    if principal.role not in access.STAFF:
        raise HistoricalEntryForbidden(_("Only officers and admins enter a complaint made "
                                         "earlier; file it now, without received_at."))
    if received_at > now:
        raise InvalidDates.of("received_at", _("is in the future"), received_at.isoformat())
    return received_at


async def file(session: AsyncSession, *, principal: Principal, data: GrievanceCreate,
               now: datetime) -> Grievance:
    """File a grievance about a placement the caller may file for (see the module
    docstring); publishes ``grievance.filed``."""
    access.ensure_role(principal, FILERS, N_("file a grievance"))
    placement = await placement_service.authorize(
        session, principal=principal, placement_id=data.placement_id, action="file-grievance")
    if placement.status not in FILING_STATES:
        raise PlacementStateConflict(
            _("Cannot file a grievance about a placement that is '{status}': only once the "
              "worker accepted it.", status=placement.status), current_state=placement.status,
            allowed_states=sorted(FILING_STATES))
    received = _received(principal, data.received_at, now=now)
    await erasure_service.refuse_free_text(session, placement_id=placement.id,
                                           texts=[data.description], fields="description")
    grievance = await repository.add(session, Grievance(
        placement_id=placement.id, programme_id=placement.programme_id,
        employer_id=placement.employer_id, candidate_id=placement.candidate_id,
        category=data.category, severity=data.severity, description=data.description,
        share_identity_with_employer=(data.share_identity_with_employer
                                      or principal.role == "employer"),
        handled_first_by=data.handled_first_by, on_behalf=principal.role != "candidate",
        filed_by=principal.subject, filed_by_role=principal.role, filed_at=received,
        level=data.handled_first_by, status="open",
        due_at=state.deadline(data.severity, received)))
    await _step(session, grievance, "file", principal=principal, now=now)
    await outbox.record_many(session, [_event(GRIEVANCE_FILED, grievance)])
    return grievance


# --- reads ------------------------------------------------------------------------------------


async def get(session: AsyncSession, *, principal: Principal,
              grievance_id: uuid.UUID) -> Grievance:
    """The grievance, or GrievanceNotFound (also for one the caller may not see)."""
    return POLICY.check(await repository.get(session, grievance_id, principal=principal),
                        principal=principal, object_id=grievance_id)


async def list_page(session: AsyncSession, *, principal: Principal, page: PageParams,
                    filters: GrievanceFilters) -> list[Grievance]:
    """A page of the grievances the caller may see; an employer's filter by placement matches
    only those whose worker shared who they are."""
    POLICY.ensure_lists(principal)
    return await repository.list_page(
        session, page, principal=principal, filters=filters,
        placement_known=(repository.identity_known_to_employer()
                         if principal.role == "employer" else None))


async def history(session: AsyncSession, *, principal: Principal, grievance_id: uuid.UUID,
                  ) -> tuple[Grievance, list[GrievanceAction]]:
    """The grievance and its steps, oldest first."""
    grievance = await get(session, principal=principal, grievance_id=grievance_id)
    return grievance, await repository.history(session, grievance_id)


def visible(principal: Principal, grievance: Grievance) -> GrievanceOut:
    """The grievance as ``principal`` may see it: without placement, person, who filed it
    and the worker's satisfaction for an employer the worker did not tell."""
    found = GrievanceOut.model_validate(grievance)
    if hides_identity(principal, grievance):
        found = found.model_copy(update=dict.fromkeys(_IDENTITY))
    return found


def visible_step(principal: Principal, grievance: Grievance,
                 step: GrievanceAction) -> GrievanceActionOut:
    """A step as ``principal`` may see it: an employer that may not know whose grievance it
    is sees its own steps whole, and of the others only the role of who acted (not even that
    for the filing) and no words."""
    found = GrievanceActionOut.model_validate(step)
    if hides_identity(principal, grievance) and step.actor_role != "employer":
        found = found.model_copy(update={
            "actor": None, "message": None,
            "actor_role": None if step.action == "file" else step.actor_role})
    return found


# --- actions ----------------------------------------------------------------------------------


async def _for(session: AsyncSession, *, principal: Principal, grievance_id: uuid.UUID,
               action: str, expected_version: int | None) -> Grievance:
    """The grievance, locked, after the caller's rights for ``action`` (404, 403), If-Match
    (412) and its status (409 naming it)."""
    grievance = POLICY.check(
        await repository.get(session, grievance_id, principal=principal, for_update=True),
        principal=principal, object_id=grievance_id, action=action,
        expected_version=expected_version)
    state.check(action, grievance.status)
    return grievance


async def _handled(session: AsyncSession, *, principal: Principal, grievance_id: uuid.UUID,
                   action: str, expected_version: int | None, words: str) -> Grievance:
    """The grievance for an action of whoever handles it (:func:`_for`), and then: 409 for
    an employer once the grievance left its level, 409 for ``words`` about an erased
    candidate."""
    grievance = await _for(session, principal=principal, grievance_id=grievance_id,
                           action=action, expected_version=expected_version)
    if principal.role == "employer" and grievance.level != "employer":
        raise GrievanceLevelConflict(
            _("The grievance is at the {level} level: the programme's officers handle it "
              "now.", level=grievance.level), current_level=grievance.level)
    await erasure_service.refuse_free_text(session, placement_id=grievance.placement_id,
                                           texts=[words],
                                           fields="message" if action == "respond"
                                           else "resolution")
    return grievance


async def respond(session: AsyncSession, *, principal: Principal, grievance_id: uuid.UUID,
                  message: str, now: datetime, expected_version: int | None) -> Grievance:
    """Answer the worker: the grievance is in progress."""
    grievance = await _handled(session, principal=principal, grievance_id=grievance_id,
                               action="respond", expected_version=expected_version,
                               words=message)
    changed = await repository.change(session, grievance_id, {
        "status": state.target("respond", grievance.status)})
    await _step(session, changed, "respond", principal=principal, now=now, message=message)
    return changed


async def assign(session: AsyncSession, *, principal: Principal, grievance_id: uuid.UUID,
                 data: AssignBody, now: datetime, expected_version: int | None) -> Grievance:
    """An officer takes the grievance on, or hands it to another officer (``me``: the
    caller)."""
    await _for(session, principal=principal, grievance_id=grievance_id, action="assign",
               expected_version=expected_version)
    subject = principal.subject if data.officer_subject == "me" else data.officer_subject
    changed = await repository.change(session, grievance_id, {"owner_subject": subject})
    await _step(session, changed, "assign", principal=principal, now=now)
    return changed


async def resolve(session: AsyncSession, *, principal: Principal, grievance_id: uuid.UUID,
                  data: ResolveBody, now: datetime, expected_version: int | None) -> Grievance:
    """Resolve the grievance with its outcome; publishes ``grievance.resolved``."""
    grievance = await _handled(session, principal=principal, grievance_id=grievance_id,
                               action="resolve", expected_version=expected_version,
                               words=data.resolution)
    changes: GrievanceChanges = {
        "status": state.target("resolve", grievance.status), "outcome": data.outcome,
        "resolution": data.resolution, "resolved_at": now, "resolved_by": principal.subject}
    changed = await repository.change(session, grievance_id, changes)
    await _step(session, changed, "resolve", principal=principal, now=now)
    await outbox.record_many(session, [_event(GRIEVANCE_RESOLVED, changed)])
    return changed


async def rate(session: AsyncSession, *, principal: Principal, grievance_id: uuid.UUID,
               satisfaction: int, now: datetime, expected_version: int | None) -> Grievance:
    """The worker says how satisfied they are with the resolution, once."""
    grievance = await _for(session, principal=principal, grievance_id=grievance_id,
                           action="satisfaction", expected_version=expected_version)
    if grievance.satisfaction is not None:
        raise SatisfactionGiven(_("Grievance {grievance_id} was rated already.",
                                  grievance_id=grievance_id),
                                satisfaction=grievance.satisfaction)
    changed = await repository.change(session, grievance_id, {
        "satisfaction": satisfaction, "rated_at": now})
    await _step(session, changed, "satisfaction", principal=principal, now=now)
    return changed


# --- statistics -------------------------------------------------------------------------------


async def statistics(session: AsyncSession, *, principal: Principal, programme_id: uuid.UUID,
                     now: datetime) -> GrievanceStatistics:
    """The programme's grievances counted, as the caller may read them: exact for officers
    and admins, under disclosure control for a ministry; 403 for every other role, 404 for a
    programme not the caller's."""
    access.ensure_role(principal, READS_STATISTICS, N_("read grievance statistics"))
    access.ensure_programmes_visible(principal, [programme_id], ProgrammeNotFound)
    counts = await repository.programme_counts(session, programme_id, now=now)
    found = GrievanceStatistics(
        programme_id=programme_id, computed_at=now, total=counts.total,
        by_category=dict(counts.by_category), by_severity=dict(counts.by_severity),
        by_status=dict(counts.by_status), by_outcome=dict(counts.by_outcome),
        unresolved_by_level=dict(counts.unresolved_by_level),
        escalated_to_ministry_unresolved=counts.unresolved_by_level[state.LAST_LEVEL],
        overdue=counts.overdue, mean_days_to_resolution=counts.mean_days_to_resolution,
        satisfaction_responses=counts.satisfaction_responses,
        satisfaction_mean=counts.satisfaction_mean)
    if not disclosure.reads_exact(principal.role):
        suppress(found)
    return found


# --- erasure ----------------------------------------------------------------------------------


async def forget_candidate(session: AsyncSession, *, candidate_id: uuid.UUID) -> None:
    """Blank the words of the erased candidate's grievances, keeping what is counted."""
    await repository.blank_free_text(session, candidate_id)

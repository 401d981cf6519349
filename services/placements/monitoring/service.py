"""Monitoring rules: mentors while the placement is open, check-ins only while it is active
(a high or critical incident, and each deviation a wage or housing check finds, raises an
alert and publishes ``placement.incident_reported``), alerts acknowledged by officers, and one
evaluation by the employer once the stay ended.

Who may do what on a placement is the placements policy's (``name-mentor``, ``check-in``,
``evaluate`` and their reads); alerts have their own policy, for officers. The trainee may
record check-ins on their own placement too (their pay and their dwelling are their
experience); what they report is for the programme's officers, not their employer
(:func:`repository.readable_check_ins`).
"""

import uuid
from collections.abc import Collection, Sequence
from datetime import date
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.erasure import service as erasure_service
from services.placements.events import INCIDENT_REPORTED, IncidentReported, outbox
from services.placements.monitoring import checks, repository
from services.placements.monitoring.exceptions import (
    AlertAcknowledged,
    AlertNotFound,
    EvaluationExists,
    EvaluationNotFound,
    InvalidCheck,
    MentorNotFound,
    PlacementStateConflict,
)
from services.placements.monitoring.models import Alert, CheckIn, Evaluation, Mentor
from services.placements.monitoring.schemas import (
    CheckInCreate,
    EvaluationCreate,
    MentorCreate,
    WageCheckCreate,
    WageCheckOut,
)
from services.placements.placements import service as placement_service
from services.placements.placements import state
from services.placements.placements.exceptions import InvalidDates
from services.placements.placements.models import Placement
from services.placements.vacancies import repository as vacancy_repository
from shared.access import Owners, Policy
from shared.auth import Principal
from shared.clock import utc_today
from shared.events.outbox import NewEvent
from shared.i18n import N_, _, translate
from shared.pagination import PageParams

ALERTS: Policy[Alert] = Policy(name="alert", not_found=AlertNotFound,
                               owners=lambda alert: Owners(programme_ids=(alert.programme_id,)),
                               read=frozenset({"admin", "service", "officer"}),
                               actions={"acknowledge": frozenset({"admin", "officer"})})
SEVERE = frozenset({"high", "critical"})


async def _placement_in(session: AsyncSession, *, principal: Principal,
                        placement_id: uuid.UUID, action: str, states: Collection[str],
                        refusal: str) -> Placement:
    """The placement, locked, after the caller's rights for ``action``; 409 naming its state
    unless it is in one of ``states``: ``refusal`` (marked with ``N_``, placeholders
    ``{status}`` and ``{states}``) says so."""
    placement = await placement_service.authorize(session, principal=principal,
                                                  placement_id=placement_id, action=action,
                                                  for_update=True)
    if placement.status not in states:
        raise PlacementStateConflict(
            translate(refusal, status=placement.status, states=", ".join(sorted(states))),
            current_state=placement.status, allowed_states=sorted(states))
    return placement


# --- mentors --------------------------------------------------------------------------------


async def name_mentor(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                      data: MentorCreate) -> Mentor:
    """Name a mentor for a placement that is not over (the employer, officers, admins)."""
    await _placement_in(session, principal=principal, placement_id=placement_id,
                        action="name-mentor", states=state.OPEN_STATES,
                        refusal=N_("Cannot name a mentor for a placement that is '{status}'; "
                                   "only when: {states}."))
    return await repository.add_mentor(session, Mentor(placement_id=placement_id,
                                                       **data.model_dump()))


async def mentors(session: AsyncSession, *, principal: Principal,
                  placement_id: uuid.UUID) -> list[Mentor]:
    """The placement's mentors."""
    await placement_service.authorize(session, principal=principal, placement_id=placement_id,
                                      action="read-mentors")
    return await repository.mentors(session, placement_id)


async def remove_mentor(session: AsyncSession, *, principal: Principal,
                        placement_id: uuid.UUID, mentor_id: uuid.UUID) -> None:
    """Remove a mentor from a placement."""
    await placement_service.authorize(session, principal=principal, placement_id=placement_id,
                                      action="name-mentor")
    if not await repository.delete_mentor(session, placement_id=placement_id,
                                          mentor_id=mentor_id):
        raise MentorNotFound(_("Placement {placement_id} has no mentor {mentor_id}.",
                               placement_id=placement_id, mentor_id=mentor_id))


# --- check-ins and alerts -------------------------------------------------------------------


def _wage_error(error: type[InvalidDates | InvalidCheck], field: str,
                message: str) -> InvalidDates | InvalidCheck:
    """``error`` naming ``wage_check.<field>`` and why, as a validation problem does:
    ``message`` (translated) says what is wrong with the field, which is its subject."""
    return error(f"wage_check.{field} {message}.", errors=[
        {"loc": ["body", "wage_check", field], "msg": message, "type": error.slug}])


async def _wage_check(session: AsyncSession, *, placement: Placement, data: WageCheckCreate,
                      day: date) -> WageCheckOut:
    """The wage check against the agreed pay: the one given, else the vacancy's stipend (a
    monthly amount), in its currency; 422 naming the field that cannot be compared."""
    assert placement.actual_start_date is not None  # active: arrived
    arrival, month = placement.actual_start_date, date.fromisoformat(f"{data.period}-01")
    if not arrival.replace(day=1) <= month <= day.replace(day=1):
        raise _wage_error(InvalidDates, "period", _(
            "{period} is not a month of the stay until the check-in: from {first} to {last}",
            period=data.period, first=arrival.strftime("%Y-%m"),
            last=day.strftime("%Y-%m")))
    vacancy = await vacancy_repository.get(session, placement.vacancy_id)
    assert vacancy is not None  # a placement's vacancy is never deleted (ondelete RESTRICT)
    stipend, stipend_currency = vacancy.stipend_amount, vacancy.stipend_currency
    currency = data.currency or stipend_currency
    agreed_from: Literal["given", "vacancy_stipend"] = "given"
    if data.agreed_amount is not None:
        agreed = data.agreed_amount
    elif stipend is None:
        raise _wage_error(InvalidCheck, "agreed_amount", _(
            "is needed: the vacancy has no stipend to compare the pay with"))
    elif currency != stipend_currency:
        raise _wage_error(InvalidCheck, "currency", _(
            "{currency} is not the currency of the vacancy's stipend ({stipend_currency}) the "
            "pay is compared with; give agreed_amount in it otherwise",
            currency=currency, stipend_currency=stipend_currency))
    else:
        agreed, agreed_from = stipend, "vacancy_stipend"
    if currency is None:
        raise _wage_error(InvalidCheck, "currency", _(
            "is needed: the vacancy has no stipend to take it from"))
    if agreed <= 0:
        raise _wage_error(InvalidCheck, "agreed_amount", _(
            "must be above 0: an unpaid stay has no pay to check"))
    return checks.wage_check(data, agreed=agreed, currency=currency, agreed_from=agreed_from)


async def _raise_alerts(session: AsyncSession, *, placement: Placement, check_in: CheckIn,
                        found: Sequence[tuple[str, str]]) -> None:
    """An alert for each ``(incident type or deviation kind, severity)`` found, each published
    as ``placement.incident_reported`` (ids, type and severity only)."""
    events = []
    for kind, severity in found:
        alert = await repository.add_alert(session, Alert(
            placement_id=placement.id, check_in_id=check_in.id,
            programme_id=placement.programme_id, incident_type=kind, severity=severity))
        events.append(NewEvent(type=INCIDENT_REPORTED, subject_id=placement.id,
                               payload=IncidentReported(
                                   placement_id=placement.id,
                                   programme_id=placement.programme_id,
                                   employer_id=placement.employer_id, check_in_id=check_in.id,
                                   alert_id=alert.id, incident_type=kind,
                                   severity=severity).model_dump(mode="json")))
    await outbox.record_many(session, events)


async def record_check_in(session: AsyncSession, *, principal: Principal,
                          placement_id: uuid.UUID, data: CheckInCreate) -> CheckIn:
    """Record a check-in of an active placement (the host's side, officers, or the trainee on
    their own), with its wage and housing checks; each high or critical incident and each
    deviation the checks find raises an alert and publishes ``placement.incident_reported``."""
    placement = await _placement_in(session, principal=principal, placement_id=placement_id,
                                    action="check-in", states=state.STAY_STATES,
                                    refusal=N_("Cannot record a check-in for a placement "
                                               "that is '{status}'; only when: {states}."))
    housing = data.housing_check
    await erasure_service.refuse_free_text(
        session, placement_id=placement_id,
        fields="notes, housing_note, housing_check.note, incidents[].description",
        texts=[data.notes, data.housing_note, housing.note if housing else None,
               *(i.description for i in data.incidents)])
    day = data.check_in_date or utc_today()
    assert placement.actual_start_date is not None  # set on arrival, the only way to active
    if not placement.actual_start_date <= day <= utc_today():
        raise InvalidDates(_("check_in_date {day} must be between the arrival ({arrival}) "
                             "and today.", day=day, arrival=placement.actual_start_date))
    wage = (await _wage_check(session, placement=placement, data=data.wage_check, day=day)
            if data.wage_check else None)
    dwelling = checks.housing_check(housing, condition=data.housing) if housing else None
    check_in = await repository.add_check_in(session, CheckIn(
        **data.model_dump(mode="json", exclude={"check_in_date", "wage_check",
                                                "housing_check"}),
        check_in_date=day, placement_id=placement_id,
        wage_check=wage.model_dump(mode="json") if wage else None,
        housing_check=dwelling.model_dump(mode="json") if dwelling else None,
        recorded_by=principal.subject, recorded_by_role=principal.role))
    deviations = [*(wage.deviations if wage else ()),
                  *(dwelling.deviations if dwelling else ())]
    await _raise_alerts(session, placement=placement, check_in=check_in, found=[
        *((i.type, i.severity) for i in data.incidents if i.severity in SEVERE),
        *((d.kind, d.severity) for d in deviations)])
    return check_in


async def check_ins(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                    page: PageParams) -> list[CheckIn]:
    """A page of the placement's check-ins the caller may read (an employer: not those the
    trainee reported; the trainee: only those)."""
    await placement_service.authorize(session, principal=principal, placement_id=placement_id,
                                      action="read-check-ins")
    return await repository.check_ins(session, page, principal=principal,
                                      placement_id=placement_id)


async def alerts(session: AsyncSession, *, principal: Principal, page: PageParams,
                 programme_id: uuid.UUID | None, placement_id: uuid.UUID | None,
                 acknowledged: bool | None, severity: str | None) -> list[Alert]:
    """A page of the alerts the caller may see (officers: their programmes')."""
    ALERTS.ensure_lists(principal)
    return await repository.alerts(session, page, principal=principal,
                                   programme_id=programme_id, placement_id=placement_id,
                                   acknowledged=acknowledged, severity=severity)


async def acknowledge(session: AsyncSession, *, principal: Principal,
                      alert_id: uuid.UUID) -> Alert:
    """An officer takes the alert in hand; acknowledging twice is a 409."""
    alert = ALERTS.check(await repository.get_alert(session, alert_id, principal=principal,
                                                   for_update=True),
                         principal=principal, object_id=alert_id, action="acknowledge")
    if alert.acknowledged_at is not None:
        raise AlertAcknowledged(_("Alert {alert_id} was acknowledged at {at}.",
                                  alert_id=alert_id, at=alert.acknowledged_at.isoformat()),
                                acknowledged_by=alert.acknowledged_by)
    return await repository.acknowledge(session, alert_id, by=principal.subject)


# --- evaluation -----------------------------------------------------------------------------


async def evaluate(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                   data: EvaluationCreate) -> Evaluation:
    """The employer's evaluation, once, after the placement completed or ended early."""
    await _placement_in(session, principal=principal, placement_id=placement_id,
                        action="evaluate", states=state.ENDED_STATES,
                        refusal=N_("Cannot evaluate a placement that is '{status}'; only when: "
                                   "{states}."))
    await erasure_service.refuse_free_text(session, placement_id=placement_id,
                                           texts=[data.comments], fields="comments")
    already = EvaluationExists(_("Placement {placement_id} was already evaluated.",
                                 placement_id=placement_id))
    if await repository.evaluation(session, placement_id) is not None:
        raise already
    created = await repository.add_evaluation(session, Evaluation(
        placement_id=placement_id, evaluator=principal.subject, **data.model_dump()))
    if created is None:
        raise already
    return created


async def get_evaluation(session: AsyncSession, *, principal: Principal,
                         placement_id: uuid.UUID) -> Evaluation:
    """The placement's evaluation, or EvaluationNotFound while none was given."""
    await placement_service.authorize(session, principal=principal, placement_id=placement_id,
                                      action="read-evaluation")
    found = await repository.evaluation(session, placement_id)
    if found is None:
        raise EvaluationNotFound(_("Placement {placement_id} has no evaluation yet.",
                                   placement_id=placement_id))
    return found

"""Follow-up rules: who answers what and when, the due lists, and the events answers publish.

Nothing here commits; the answer and its ``followup.completed`` event share the request's
transaction.
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration import rules
from services.reintegration.cases.exceptions import CandidateErased
from services.reintegration.cases.models import ReturneeCase
from services.reintegration.cases.service import owners
from services.reintegration.events import FOLLOWUP_COMPLETED, FollowUpEvent, outbox
from services.reintegration.followups import repository, state
from services.reintegration.followups.exceptions import (
    FollowUpNotFound,
    HistoricalEntryForbidden,
    InvalidAnswer,
)
from services.reintegration.followups.models import WORKING, FollowUp
from services.reintegration.followups.schemas import AnswerIn, Due
from shared import concurrency
from shared.access import STAFF, Policy
from shared.auth import Principal
from shared.clock import utc_date
from shared.i18n import N_, _
from shared.pagination import PageParams
from shared.schemas import as_columns

POLICY: Policy[tuple[FollowUp, ReturneeCase]] = rules.people_policy(
    name="follow-up", not_found=FollowUpNotFound,
    owners=lambda loaded: owners(loaded[1]),  # (follow-up, case) as the repository loads it
    refusal=N_("see returnees' follow-ups"),
    actions={"answer": STAFF | {"candidate"}})
# Who says "mine" in a filter means the caller: ``caseworker=me``.
ME = "me"
# What everyone reached answers, and what describes a job.
_REACHED = ("income_band", "skills_use", "satisfaction", "sustainability")
_JOB = ("employer_name", "job_sector", "job_location")


async def get(session: AsyncSession, *, principal: Principal,
              follow_up_id: uuid.UUID) -> FollowUp:
    """The follow-up, or FollowUpNotFound (also for one the caller may not see)."""
    loaded = await repository.get(session, follow_up_id, principal=principal)
    return POLICY.check(loaded, principal=principal, object_id=follow_up_id)[0]


def _due(due: Due | None, *, now: datetime, within_days: int) -> list[ColumnElement[bool]]:
    if due == "soon":  # open now or opening within the days asked, still waiting
        return [FollowUp.status == "scheduled", FollowUp.window_closes_at > now,
                FollowUp.due_date <= (now.astimezone(UTC) + timedelta(days=within_days)).date()]
    if due == "overdue":  # marked, or past its window and not yet marked by the job
        return [or_(FollowUp.status == "overdue",
                    and_(FollowUp.status == "scheduled", FollowUp.window_closes_at <= now))]
    return []


async def list_page(session: AsyncSession, *, principal: Principal, page: PageParams,
                    filters: dict[str, Any], due: Due | None, within_days: int,
                    now: datetime) -> list[FollowUp]:
    """A page of the follow-ups the caller may see, soonest to close first; ``filters``:
    programme_id, origin_country, caseworker (a subject, or ``me``), case_id, status."""
    POLICY.ensure_lists(principal, rules.LISTS_PEOPLE)
    conditions: list[ColumnElement[bool]] = []
    caseworker = filters.get("caseworker")
    columns: dict[str, Any] = {
        "programme_id": FollowUp.programme_id, "origin_country": ReturneeCase.origin_country,
        "caseworker": ReturneeCase.caseworker_subject, "case_id": FollowUp.case_id,
        "status": FollowUp.status}
    values = {**filters, "caseworker": principal.subject if caseworker == ME else caseworker}
    conditions += [columns[name] == value for name, value in values.items()
                   if value is not None]
    conditions += _due(due, now=now, within_days=within_days)
    return await repository.list_page(session, page, principal=principal,
                                      conditions=conditions)


def check_answer(data: AnswerIn, *, role: str) -> None:
    """InvalidAnswer (422, naming each field) when fields contradict the employment status."""
    sent = data.model_dump(exclude_none=True, exclude={"answered_on"})
    problems: dict[str, str] = {}
    status = data.employment_status
    if status == "unreachable":
        if role == "candidate":
            problems["employment_status"] = _("only a caseworker records that nobody "
                                              "answered")
        for name in set(sent) - {"employment_status", "notes"}:
            problems[name] = _("nothing but notes goes with an unreachable returnee")
    else:
        for name in _REACHED:
            if name not in sent:
                problems[name] = _("required when the returnee answers ({status})",
                                   status=status)
        if status in WORKING:
            for name in ("job_sector", "job_location"):
                if name not in sent:
                    problems[name] = _("required for {status}", status=status)
            if status == "employed_other_employer" and "employer_name" not in sent:
                problems["employer_name"] = _("required for employed_other_employer")
        else:
            for name in _JOB:
                if name in sent:
                    problems[name] = _("only for someone working, not {status}",
                                       status=status)
    if problems:
        raise InvalidAnswer(
            _("Some fields do not fit the employment status; see errors."),
            errors=[{"loc": ["body", name], "msg": message, "type": "answer_inconsistent"}
                    for name, message in sorted(problems.items())])


def _answer_values(data: AnswerIn) -> repository.FollowUpChanges:
    values = as_columns(data.model_dump(exclude={"sustainability", "answered_on"}),
                        repository.FollowUpChanges)
    scores = data.sustainability
    values.update({"sustainability_economic": scores.economic if scores else None,
                   "sustainability_social": scores.social if scores else None,
                   "sustainability_psychosocial": scores.psychosocial if scores else None})
    return values


def event(follow_up: FollowUp, case: ReturneeCase, at: datetime) -> dict[str, Any]:
    """The payload of a follow-up event."""
    return FollowUpEvent(
        follow_up_id=follow_up.id, case_id=case.id, programme_id=case.programme_id,
        candidate_id=case.candidate_id, point_months=follow_up.point_months,
        due_date=follow_up.due_date, status=follow_up.status, at=at,
        answered_on=follow_up.answered_on).model_dump(mode="json")


async def answer(session: AsyncSession, *, principal: Principal, follow_up_id: uuid.UUID,
                 data: AnswerIn, now: datetime, expected_version: int | None) -> FollowUp:
    """Record the answer of a follow-up in its window and publish ``followup.completed``.

    Checked in this order: the follow-up exists for the caller (404), their role may answer
    (403: candidates answer their own), only staff date an answer in the past (403), the
    fields agree with each other (422), no free text for an erased candidate (409), If-Match
    (412); then, answered now: the follow-up waits for an answer and its window is open now
    (409); answered on a given day: that day is past, after the return and in the window
    (422), and the follow-up is not answered or cancelled (409).
    """
    follow_up, case = POLICY.check(
        await repository.get(session, follow_up_id, principal=principal, for_update=True),
        principal=principal, object_id=follow_up_id, action="answer")
    if data.answered_on is not None and principal.role not in STAFF:
        raise HistoricalEntryForbidden(_(
            "A returnee answers today, from the app: answered_on is for caseworkers "
            "recording an answer given earlier."))
    check_answer(data, role=principal.role)
    if case.erased_at is not None and (data.employer_name or data.notes):
        raise CandidateErased(_("The candidate's personal data was erased: send no "
                                "employer_name or notes."))
    concurrency.ensure_version(expected_version, follow_up.version,
                               N_("The follow-up changed since version {version}; read it again."))
    if data.answered_on is None:
        state.ensure_answerable(follow_up, now)
        action, answered_on = "answer", utc_date(now)
    else:
        state.ensure_answered_in_window(
            follow_up, answered_on=data.answered_on, today=utc_date(now),
            returned_on=await repository.return_date(session, follow_up.stay_id))
        action, answered_on = "record", data.answered_on
    updated = await repository.change(session, follow_up.id, {
        **_answer_values(data), "status": state.target(action, follow_up.status),
        "completed_at": now, "answered_on": answered_on, "recorded_by": principal.subject,
        "recorded_via": "app" if principal.role == "candidate" else "caseworker"})
    await outbox.record(session, type=FOLLOWUP_COMPLETED, subject_id=case.id,
                        payload=event(updated, case, now))
    return updated

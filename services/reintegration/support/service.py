"""Support measure rules: for whom (a case, or a person of the programme the candidates service
vouches for), money only on the kinds that carry it, dates of what happened, the lifecycle, who
may do what.

Nothing here commits.
"""

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration import rules
from services.reintegration.cases import service as case_service
from services.reintegration.cases.exceptions import CandidateErased
from services.reintegration.cases.models import ReturneeCase
from services.reintegration.support import repository, state
from services.reintegration.support.candidates import CandidatesClient
from services.reintegration.support.exceptions import (
    CandidateNotFound,
    InvalidMeasure,
    MeasureNotFound,
)
from services.reintegration.support.models import MONEY_KINDS, SupportMeasure
from services.reintegration.support.schemas import (
    CancelBody,
    CompleteBody,
    MeasureCreate,
    MeasureUpdate,
    StartBody,
)
from shared import access, concurrency
from shared.access import STAFF, Owners, Policy
from shared.auth import Principal
from shared.errors import IllegalTransition
from shared.filters import equal_to
from shared.i18n import N_, _
from shared.pagination import PageParams


def owners(measure: SupportMeasure) -> Owners:
    """Whom the measure belongs to: its programme and candidate."""
    return Owners(programme_ids=(measure.programme_id,), candidate_id=measure.candidate_id)


POLICY: Policy[SupportMeasure] = rules.people_policy(
    name="support measure", not_found=MeasureNotFound, owners=owners,
    refusal=N_("see returnees' support measures"),
    actions={"edit": STAFF, **{action: STAFF for action in state.ACTIONS}})
_MONEY = ("amount", "currency", "disbursed_date")
_FREE_TEXT = ("description", "outcome_note")


def _invalid(problems: Mapping[str, str]) -> InvalidMeasure:
    return InvalidMeasure(_("Some fields do not fit the measure; see errors."), errors=[
        {"loc": ["body", name], "msg": message, "type": "measure_inconsistent"}
        for name, message in sorted(problems.items())])


def check(values: Mapping[str, Any], *, today: date) -> None:
    """InvalidMeasure (422, naming each field) unless the measure's fields agree: money only
    on the kinds that carry it, an amount with its currency, a disbursement with its amount
    and not in the future, an end not before the start."""
    problems: dict[str, str] = {}
    if values["kind"] not in MONEY_KINDS:
        for name in _MONEY:
            if values.get(name) is not None:
                problems[name] = _("only {kinds} carry money", kinds=", ".join(MONEY_KINDS))
    elif (values.get("amount") is None) != (values.get("currency") is None):
        name = "currency" if values.get("currency") is None else "amount"
        problems[name] = _("an amount needs its currency, and a currency its amount")
    if values.get("disbursed_date") is not None:
        if values.get("amount") is None and "amount" not in problems:
            problems["amount"] = _("a disbursement needs the amount disbursed")
        if values["disbursed_date"] > today:
            problems["disbursed_date"] = _("must not be in the future")
    start, end = values.get("start_date"), values.get("end_date")
    if start is not None and end is not None and end < start:
        problems["end_date"] = _("must not be before start_date")
    if problems:
        raise _invalid(problems)


async def _no_free_text_if_erased(session: AsyncSession, candidate_id: uuid.UUID,
                                  values: Mapping[str, Any]) -> None:
    if any(values.get(name) for name in _FREE_TEXT) and \
            await case_service.is_erased(session, candidate_id):
        raise CandidateErased(_("The candidate's personal data was erased: send no "
                                "description or outcome_note."))


def _ensure_names_someone(data: MeasureCreate) -> None:
    """422 unless the body names a case, or a candidate and their programme."""
    problems: dict[str, str] = {}
    if data.candidate_id is not None and data.programme_id is None:
        problems["programme_id"] = _("required with candidate_id")
    elif data.programme_id is not None and data.candidate_id is None:
        problems["candidate_id"] = _("required with programme_id")
    elif data.case_id is None and data.candidate_id is None:
        problems["case_id"] = _("give case_id, or candidate_id and programme_id")
    if data.case_id is None and data.stage is None and "case_id" not in problems:
        problems["stage"] = _("required without case_id")
    if problems:
        raise _invalid(problems)


async def _person_case(session: AsyncSession, *, principal: Principal,
                       candidate_id: uuid.UUID, programme_id: uuid.UUID,
                       candidates: CandidatesClient | None,
                       authorization: str | None) -> ReturneeCase | None:
    """404 unless the caller may support ``candidate_id`` in ``programme_id``; their case
    there, if they have one the caller reads.

    The programme must be the caller's; a returnee with a case the caller reads is known here;
    anyone else is asked about of the candidates service, with the caller's own token
    (:meth:`CandidatesClient.takes_part`): someone without a selected (or placed, or returned)
    application there that the caller may read is this 404, as an unknown candidate is.
    """
    missing = CandidateNotFound(_("No candidate {candidate_id} taking part in programme "
                                  "{programme_id} among yours.", candidate_id=candidate_id,
                                  programme_id=programme_id))
    scope = access.programme_scope(principal)
    if scope is not None and programme_id not in scope:
        raise missing
    case = await case_service.of_person(session, principal=principal,
                                        candidate_id=candidate_id, programme_id=programme_id)
    if case is not None:
        return case
    if candidates is None or not await candidates.takes_part(
            programme_id, candidate_id, authorization=authorization):
        raise missing
    return None


async def create(session: AsyncSession, *, principal: Principal, data: MeasureCreate,
                 today: date, candidates: CandidatesClient | None = None,
                 authorization: str | None = None) -> SupportMeasure:
    """Add a measure for a returnee's open case, or for a person of the programme at any
    stage (admins, officers of the programme).

    Checked in this order: the body names someone (422); a named case exists for the caller
    (404), their role may add support (403) and it is open (409); a named person: the role
    (403), the person is the caller's to support (404, see :func:`_person_case`; 503 when the
    candidates service cannot say), and agrees with the case when both are named (422); the
    fields agree (422); no free text about an erased candidate (409). A measure for a person
    with an open case gets that case.
    """
    _ensure_names_someone(data)
    case = None
    if data.case_id is not None:
        case = await case_service.authorize(session, principal=principal, case_id=data.case_id,
                                            action="support", for_update=True)
        if case.status != "open":
            raise IllegalTransition(action="add support to", current_state=case.status,
                                    allowed_from=["open"])
    if data.candidate_id is not None and data.programme_id is not None:
        access.ensure_role(principal, STAFF, N_("add support measures"))
        person_case = await _person_case(
            session, principal=principal, candidate_id=data.candidate_id,
            programme_id=data.programme_id, candidates=candidates, authorization=authorization)
        if case is not None:
            mismatched = {name: _("not the case's") for name, value in (
                ("candidate_id", case.candidate_id), ("programme_id", case.programme_id))
                if getattr(data, name) != value}
            if mismatched:
                raise _invalid(mismatched)
        elif person_case is not None and person_case.status == "open":
            case = person_case
    values = data.model_dump(exclude={"case_id", "candidate_id", "programme_id", "stage"})
    check(values, today=today)
    candidate_id = case.candidate_id if data.candidate_id is None and case else data.candidate_id
    programme_id = case.programme_id if data.programme_id is None and case else data.programme_id
    assert candidate_id is not None and programme_id is not None  # _ensure_names_someone
    await _no_free_text_if_erased(session, candidate_id, values)
    return await repository.add(session, SupportMeasure(
        **values, case_id=case.id if case else None, candidate_id=candidate_id,
        programme_id=programme_id, stage=data.stage or "after_return",
        created_by=principal.subject))


async def authorize(session: AsyncSession, *, principal: Principal, measure_id: uuid.UUID,
                    action: str | None = None, for_update: bool = False,
                    expected_version: int | None = None) -> SupportMeasure:
    """The measure after the checks: a role that sees people here (403), it exists for the
    caller (404), their role may do ``action`` (403), If-Match (412)."""
    measure = POLICY.check(
        await repository.get(session, measure_id, principal=principal, for_update=for_update),
        principal=principal, object_id=measure_id, action=action)
    concurrency.ensure_version(expected_version, measure.version,
                               N_("The support measure changed since version {version}"
                                  "; read it again."))
    return measure


async def get(session: AsyncSession, *, principal: Principal,
              measure_id: uuid.UUID) -> SupportMeasure:
    """The measure, or MeasureNotFound (also for one the caller may not see)."""
    return await authorize(session, principal=principal, measure_id=measure_id)


async def list_page(session: AsyncSession, *, principal: Principal, page: PageParams,
                    filters: dict[str, Any]) -> list[SupportMeasure]:
    """A page of the measures the caller may see; ``filters``: column -> value or None."""
    POLICY.ensure_lists(principal, rules.LISTS_PEOPLE)
    return await repository.list_page(session, page, principal=principal,
                                      conditions=equal_to(SupportMeasure, filters))


async def edit(session: AsyncSession, *, principal: Principal, measure_id: uuid.UUID,
               data: MeasureUpdate, today: date,
               expected_version: int | None) -> SupportMeasure:
    """Change a measure that is not final; the money rules hold for the result."""
    measure = await authorize(session, principal=principal, measure_id=measure_id,
                              action="edit", for_update=True, expected_version=expected_version)
    changes = data.changes(repository.MeasureChanges)
    if measure.status in ("completed", "cancelled"):
        raise IllegalTransition(action="edit", current_state=measure.status,
                                allowed_from=["planned", "in_progress"])
    merged = {**{name: getattr(measure, name) for name in (
        "kind", "amount", "currency", "disbursed_date", "start_date", "end_date")}, **changes}
    check(merged, today=today)
    await _no_free_text_if_erased(session, measure.candidate_id, changes)
    return await repository.change(session, measure.id, changes) if changes else measure


def _not_in_future(name: str, day: date, *, today: date) -> None:
    if day > today:
        raise _invalid({name: _("must not be in the future")})


async def act(session: AsyncSession, *, principal: Principal, measure_id: uuid.UUID,
              action: str, today: date, expected_version: int | None,
              body: StartBody | CompleteBody | CancelBody | None = None) -> SupportMeasure:
    """Start (on the day given, else the planned start if it has come, else today), complete
    (with its outcome, on the day given, else today) or cancel a measure; the days it began
    and ended are not in the future."""
    measure = await authorize(session, principal=principal, measure_id=measure_id,
                              action=action, for_update=True, expected_version=expected_version)
    changes: repository.MeasureChanges = {"status": state.target(action, measure.status)}
    if action == "start":
        started = body.start_date if isinstance(body, StartBody) else None
        if started is None:
            planned = measure.start_date
            started = planned if planned is not None and planned <= today else today
        _not_in_future("start_date", started, today=today)
        check({"kind": measure.kind, "start_date": started, "end_date": measure.end_date},
              today=today)
        changes["start_date"] = started
    if isinstance(body, CompleteBody):
        end_date = body.end_date or today
        _not_in_future("end_date", end_date, today=today)
        changes.update({"outcome": body.outcome, "outcome_note": body.outcome_note,
                        "end_date": end_date})
        check({"kind": measure.kind, "start_date": measure.start_date, "end_date": end_date},
              today=today)
    if isinstance(body, CancelBody):
        changes["outcome_note"] = body.note
    await _no_free_text_if_erased(session, measure.candidate_id, changes)
    return await repository.change(session, measure.id, changes)

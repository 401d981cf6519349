"""Support measure rules: money only on grants and loans, the lifecycle, who may do what.

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
from services.reintegration.support.exceptions import InvalidMeasure, MeasureNotFound
from services.reintegration.support.models import MONEY_KINDS, SupportMeasure
from services.reintegration.support.schemas import (
    CancelBody,
    CompleteBody,
    MeasureCreate,
    MeasureUpdate,
)
from shared.access import STAFF, Policy
from shared.auth import Principal
from shared.errors import IllegalTransition, PreconditionFailed
from shared.filters import equal_to
from shared.pagination import PageParams

POLICY: Policy[tuple[SupportMeasure, ReturneeCase]] = rules.people_policy(
    name="support measure", not_found=MeasureNotFound,
    owners=lambda loaded: case_service.owners(loaded[1]),  # (measure, case) as loaded
    actions={"edit": STAFF, **{action: STAFF for action in state.ACTIONS}})
_MONEY = ("amount", "currency", "disbursed_date")
_FREE_TEXT = ("description", "outcome_note")


def check(values: Mapping[str, Any], *, today: date) -> None:
    """InvalidMeasure (422, naming each field) unless the measure's fields agree."""
    problems: dict[str, str] = {}
    if values["kind"] not in MONEY_KINDS:
        for name in _MONEY:
            if values.get(name) is not None:
                problems[name] = "only micro-grants and micro-loans carry money"
    elif (values.get("amount") is None) != (values.get("currency") is None):
        name = "currency" if values.get("currency") is None else "amount"
        problems[name] = "an amount needs its currency, and a currency its amount"
    if values.get("disbursed_date") is not None:
        if values.get("amount") is None and "amount" not in problems:
            problems["amount"] = "a disbursement needs the amount disbursed"
        if values["disbursed_date"] > today:
            problems["disbursed_date"] = "must not be in the future"
    start, end = values.get("start_date"), values.get("end_date")
    if start is not None and end is not None and end < start:
        problems["end_date"] = "must not be before start_date"
    if problems:
        raise InvalidMeasure("Some fields do not fit the measure; see errors.", errors=[
            {"loc": ["body", name], "msg": message, "type": "measure_inconsistent"}
            for name, message in sorted(problems.items())])


def _no_free_text_if_erased(case: ReturneeCase, values: Mapping[str, Any]) -> None:
    if case.erased_at is not None and any(values.get(name) for name in _FREE_TEXT):
        raise CandidateErased("The candidate's personal data was erased: send no "
                              "description or outcome_note.")


async def create(session: AsyncSession, *, principal: Principal, data: MeasureCreate,
                 today: date) -> SupportMeasure:
    """Add a measure to an open case (admins, officers of the programme)."""
    case = await case_service.authorize(session, principal=principal, case_id=data.case_id,
                                        action="support", for_update=True)
    if case.status != "open":
        raise IllegalTransition(action="add support to", current_state=case.status,
                                allowed_from=["open"])
    values = data.model_dump()
    check(values, today=today)
    _no_free_text_if_erased(case, values)
    return await repository.add(session, SupportMeasure(
        **values, programme_id=case.programme_id, created_by=principal.subject))


async def authorize(session: AsyncSession, *, principal: Principal, measure_id: uuid.UUID,
                    action: str | None = None, for_update: bool = False,
                    expected_version: int | None = None
                    ) -> tuple[SupportMeasure, ReturneeCase]:
    """The measure and its case after the checks: a role that sees people here (403), it
    exists for the caller (404), their role may do ``action`` (403), If-Match (412)."""
    loaded = POLICY.check(
        await repository.get(session, measure_id, principal=principal, for_update=for_update),
        principal=principal, object_id=measure_id, action=action)
    if expected_version is not None and loaded[0].version != expected_version:
        raise PreconditionFailed(
            f"The support measure changed since version {expected_version}; read it again.",
            current_version=loaded[0].version)
    return loaded


async def get(session: AsyncSession, *, principal: Principal,
              measure_id: uuid.UUID) -> SupportMeasure:
    """The measure, or MeasureNotFound (also for one the caller may not see)."""
    return (await authorize(session, principal=principal, measure_id=measure_id))[0]


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
    measure, case = await authorize(session, principal=principal, measure_id=measure_id,
                                    action="edit", for_update=True,
                                    expected_version=expected_version)
    changes = data.changes(repository.MeasureChanges)
    if measure.status in ("completed", "cancelled"):
        raise IllegalTransition(action="edit", current_state=measure.status,
                                allowed_from=["planned", "in_progress"])
    merged = {**{name: getattr(measure, name) for name in (
        "kind", "amount", "currency", "disbursed_date", "start_date", "end_date")}, **changes}
    check(merged, today=today)
    _no_free_text_if_erased(case, changes)
    return await repository.change(session, measure.id, changes) if changes else measure


async def act(session: AsyncSession, *, principal: Principal, measure_id: uuid.UUID,
              action: str, today: date, expected_version: int | None,
              body: CompleteBody | CancelBody | None = None) -> SupportMeasure:
    """Start, complete (with its outcome) or cancel a measure."""
    measure, case = await authorize(session, principal=principal, measure_id=measure_id,
                                    action=action, for_update=True,
                                    expected_version=expected_version)
    changes: repository.MeasureChanges = {"status": state.target(action, measure.status)}
    if action == "start" and measure.start_date is None:
        changes["start_date"] = today
    if isinstance(body, CompleteBody):
        end_date = body.end_date or today
        changes.update({"outcome": body.outcome, "outcome_note": body.outcome_note,
                        "end_date": end_date})
        check({"kind": measure.kind, "start_date": measure.start_date, "end_date": end_date},
              today=today)
    if isinstance(body, CancelBody):
        changes["outcome_note"] = body.note
    _no_free_text_if_erased(case, changes)
    return await repository.change(session, measure.id, changes)

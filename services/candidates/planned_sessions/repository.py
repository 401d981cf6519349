"""Every query of planned training sessions."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import with_expression

from services.candidates.candidates.models import Candidate
from services.candidates.planned_sessions.models import PlannedSession
from services.candidates.training.models import Attendance, Enrolment
from services.candidates.training.state import ATTENDANCE_ALLOWED_FROM
from shared.db import insert
from shared.pagination import PageParams, keyset
from shared.versioning import versioned_update

# A register was recorded on the session's day: an attendance of one of the module's
# enrolments that day.
_RECORDED = exists().where(
    Attendance.session_date == PlannedSession.session_date,
    Attendance.enrolment_id == Enrolment.id,
    Enrolment.module_id == PlannedSession.module_id)


class SessionChanges(TypedDict, total=False):
    """The columns rescheduling or cancelling a session may set."""

    session_date: date
    start_time: time | None
    place: str | None
    status: str
    cancelled_at: datetime | ColumnElement[datetime]


def _with_recorded(statement: Any) -> Any:
    return statement.options(with_expression(PlannedSession.recorded, _RECORDED)) \
        .execution_options(populate_existing=True)


async def get(session: AsyncSession, session_id: uuid.UUID, *,
              lock: bool = False) -> PlannedSession | None:
    """The planned session, with whether its register was recorded; ``lock`` holds it until
    the transaction ends (a reschedule and a cancel queue up)."""
    statement = _with_recorded(select(PlannedSession).where(PlannedSession.id == session_id))
    if lock:
        statement = statement.with_for_update(of=PlannedSession)
    return (await session.scalars(statement)).one_or_none()


async def planned_on(session: AsyncSession, *, module_id: uuid.UUID, day: date,
                     other_than: uuid.UUID | None = None) -> bool:
    """Whether the module has a session planned (not cancelled) on ``day``, besides
    ``other_than``."""
    statement = select(PlannedSession.id).where(
        PlannedSession.module_id == module_id, PlannedSession.session_date == day,
        PlannedSession.status == "planned")
    if other_than is not None:
        statement = statement.where(PlannedSession.id != other_than)
    return await session.scalar(statement.limit(1)) is not None


async def add(session: AsyncSession, planned: PlannedSession) -> PlannedSession:
    """Insert a planned session in a savepoint: a concurrent plan of the same day raises
    IntegrityError and leaves the transaction usable."""
    return await insert(session, planned, savepoint=True)


async def update(session: AsyncSession, session_id: uuid.UUID, expected_version: int | None,
                 changes: SessionChanges) -> PlannedSession | None:
    """Apply ``changes`` if the session is still at ``expected_version`` (None: any), bumping
    its version; None when it is not. In a savepoint: a new day can collide with a concurrent
    plan (IntegrityError)."""
    statement = versioned_update(PlannedSession, session_id, expected_version, changes)
    async with session.begin_nested():
        return (await session.execute(statement)).scalar_one_or_none()


async def of_module(session: AsyncSession, page: PageParams, *, module_id: uuid.UUID,
                    status: str | None) -> list[PlannedSession]:
    """One page (``limit + 1`` rows) of the module's sessions by date, optionally in one
    status."""
    statement = select(PlannedSession).where(PlannedSession.module_id == module_id)
    if status is not None:
        statement = statement.where(PlannedSession.status == status)
    statement = keyset(statement, (PlannedSession.session_date, PlannedSession.id), page)
    return list((await session.scalars(_with_recorded(statement))).all())


async def upcoming(session: AsyncSession, *, module_id: uuid.UUID,
                   today: date) -> list[PlannedSession]:
    """The module's sessions still planned from ``today`` on, by date."""
    return list((await session.scalars(select(PlannedSession).where(
        PlannedSession.module_id == module_id, PlannedSession.status == "planned",
        PlannedSession.session_date >= today).order_by(PlannedSession.session_date))).all())


async def class_of(session: AsyncSession, module_id: uuid.UUID) -> list[Enrolment]:
    """The module's class: its enrolments that may still attend (not dropped)."""
    return list((await session.scalars(select(Enrolment).where(
        Enrolment.module_id == module_id, Enrolment.status.in_(ATTENDANCE_ALLOWED_FROM))
        .order_by(Enrolment.id))).all())


async def in_class(session: AsyncSession, *, module_id: uuid.UUID,
                   readable: Sequence[ColumnElement[bool]]) -> bool:
    """Whether one of the people ``readable`` picks (a candidate account: its own profile) is
    in the module's class."""
    return await session.scalar(select(Enrolment.id).join(
        Candidate, Candidate.id == Enrolment.candidate_id).where(
        Enrolment.module_id == module_id, Enrolment.status.in_(ATTENDANCE_ALLOWED_FROM),
        *readable).limit(1)) is not None

"""Every query on training modules, enrolments and attendance."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TypedDict

from sqlalchemy import ColumnElement, Row, and_, func, select, update
from sqlalchemy import insert as sqlalchemy_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.training.models import Attendance, Enrolment, TrainingModule
from shared.db import column_values, insert
from shared.pagination import PageParams, keyset
from shared.versioning import versioned_update

UNIQUE_VIOLATION = "23505"


def is_unique_violation(exc: IntegrityError) -> bool:
    """Whether ``exc`` is a unique constraint violation (rather than, say, a foreign key)."""
    return getattr(exc.orig, "sqlstate", None) == UNIQUE_VIOLATION


# --- modules -------------------------------------------------------------------------------

async def get_module(session: AsyncSession, module_id: uuid.UUID) -> TrainingModule | None:
    """The module with this id, if any."""
    return await session.get(TrainingModule, module_id)


async def module_code_exists(session: AsyncSession, *, programme_id: uuid.UUID,
                             code: str) -> bool:
    """Whether the programme already has a module with ``code``."""
    found = await session.scalar(select(TrainingModule.id).where(
        TrainingModule.programme_id == programme_id, TrainingModule.code == code))
    return found is not None


class ModuleChanges(TypedDict, total=False):
    """The columns an update of a training module may change."""

    code: str
    title: str
    description: str | None
    hours: Decimal
    required: bool
    position: int


class EnrolmentChanges(TypedDict, total=False):
    """The columns an action on an enrolment sets."""

    status: str
    completed_at: datetime | ColumnElement[datetime]  # a time, or the statement's now()
    completed_on: date


async def add_module(session: AsyncSession, module: TrainingModule) -> TrainingModule:
    """Insert a module; a constraint violation raises IntegrityError.

    The insert runs in a savepoint so a violation leaves the request's transaction usable.
    """
    return await insert(session, module, savepoint=True)


async def update_module_versioned(
    session: AsyncSession, module_id: uuid.UUID, expected_version: int | None,
    changes: ModuleChanges,
) -> TrainingModule | None:
    """Apply ``changes`` if the row is still at ``expected_version``; None when it is not.

    In a savepoint, because a new code can collide with a concurrent one (IntegrityError).
    """
    statement = versioned_update(TrainingModule, module_id, expected_version, changes)
    async with session.begin_nested():
        return (await session.execute(statement)).scalar_one_or_none()


async def list_modules(session: AsyncSession, page: PageParams, *,
                       programme_id: uuid.UUID) -> list[TrainingModule]:
    """One page (``limit + 1`` rows) of a programme's modules in curriculum order (position,
    then code).

    Codes are unique within a programme, so ``(position, code)`` is a total order and can
    serve as the keyset.
    """
    statement = select(TrainingModule).where(TrainingModule.programme_id == programme_id)
    statement = keyset(statement, (TrainingModule.position, TrainingModule.code), page)
    return list((await session.scalars(statement)).all())


# --- enrolments ----------------------------------------------------------------------------

async def get_enrolment(session: AsyncSession, enrolment_id: uuid.UUID, *,
                        lock: bool = False) -> Enrolment | None:
    """The enrolment with this id, if any.

    ``lock`` takes a share lock until the transaction ends, so that a concurrent complete or
    drop waits instead of changing the status under a check the caller relies on.
    """
    # populate_existing: a second read in the transaction sees a concurrent transition.
    statement = (select(Enrolment).where(Enrolment.id == enrolment_id)
                 .execution_options(populate_existing=True))
    if lock:
        statement = statement.with_for_update(read=True)
    return (await session.scalars(statement)).one_or_none()


async def enrolment_exists(session: AsyncSession, *, module_id: uuid.UUID,
                           candidate_id: uuid.UUID) -> bool:
    """Whether the candidate is already enrolled (in any state) in the module."""
    found = await session.scalar(select(Enrolment.id).where(
        Enrolment.module_id == module_id, Enrolment.candidate_id == candidate_id))
    return found is not None


async def add_enrolment(session: AsyncSession, enrolment: Enrolment) -> Enrolment:
    """Insert an enrolment in a savepoint; a constraint violation raises IntegrityError."""
    return await insert(session, enrolment, savepoint=True)


async def list_enrolments(session: AsyncSession, page: PageParams, *, module_id: uuid.UUID,
                          status: str | None) -> list[Enrolment]:
    """One page (``limit + 1`` rows) of a module's enrolments, earliest first."""
    statement = select(Enrolment).where(Enrolment.module_id == module_id)
    if status is not None:
        statement = statement.where(Enrolment.status == status)
    statement = keyset(statement, (Enrolment.enrolled_at, Enrolment.id), page)
    return list((await session.scalars(statement)).all())


async def transition_enrolment(session: AsyncSession, enrolment_id: uuid.UUID, *,
                               from_status: str, changes: EnrolmentChanges) -> Enrolment | None:
    """Set ``changes`` only if the enrolment is still in ``from_status``; None otherwise.

    The status test is in the UPDATE itself, so two concurrent actions cannot both succeed.
    """
    statement = (update(Enrolment)
                 .where(Enrolment.id == enrolment_id, Enrolment.status == from_status)
                 .values(**changes).returning(Enrolment)
                 .execution_options(populate_existing=True))
    return (await session.execute(statement)).scalar_one_or_none()


async def enrolled_programme_ids(session: AsyncSession,
                                 candidate_id: uuid.UUID) -> list[uuid.UUID]:
    """Programmes in which the candidate is enrolled in at least one module."""
    statement = (select(TrainingModule.programme_id).distinct()
                 .join(Enrolment, Enrolment.module_id == TrainingModule.id)
                 .where(Enrolment.candidate_id == candidate_id)
                 .order_by(TrainingModule.programme_id))
    return list((await session.scalars(statement)).all())


async def module_progress(session: AsyncSession, *, candidate_id: uuid.UUID,
                          programme_id: uuid.UUID) -> list[Row[str, bool, str, Decimal]]:
    """Each module of the programme with the candidate's enrolment status and hours present.

    One row per module, in curriculum order, with ``code``, ``required``, ``status`` and
    ``hours_attended``; status is None where the candidate is not enrolled (an outer join: its
    type says str). Modules and enrolments are one-to-one per candidate (unique constraint), so
    grouping by both only folds the attendance rows.
    """
    hours = func.coalesce(func.sum(Attendance.hours).filter(Attendance.present),
                          0).label("hours_attended")
    statement = (
        select(TrainingModule.code, TrainingModule.required, Enrolment.status, hours)
        .select_from(TrainingModule)
        .outerjoin(Enrolment, and_(Enrolment.module_id == TrainingModule.id,
                                   Enrolment.candidate_id == candidate_id))
        .outerjoin(Attendance, Attendance.enrolment_id == Enrolment.id)
        .where(TrainingModule.programme_id == programme_id)
        .group_by(TrainingModule.id, Enrolment.id)
        .order_by(TrainingModule.position, TrainingModule.code)
    )
    return list((await session.execute(statement)).all())


# --- attendance ----------------------------------------------------------------------------

async def attendance_exists(session: AsyncSession, *, enrolment_id: uuid.UUID,
                            session_date: date) -> bool:
    """Whether attendance is already recorded for this enrolment and session date."""
    found = await session.scalar(select(Attendance.id).where(
        Attendance.enrolment_id == enrolment_id, Attendance.session_date == session_date))
    return found is not None


async def attended_hours(session: AsyncSession, *, enrolment_id: uuid.UUID,
                         until: date) -> Decimal:
    """Hours present at the enrolment's sessions up to ``until`` (inclusive)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(Attendance.hours), 0))
        .where(Attendance.enrolment_id == enrolment_id, Attendance.present,
               Attendance.session_date <= until))
    return Decimal(total or 0)


async def add_attendance(session: AsyncSession, attendance: Attendance) -> Attendance:
    """Insert an attendance record in a savepoint; a violation raises IntegrityError."""
    return await insert(session, attendance, savepoint=True)


# --- session registers -----------------------------------------------------------------------

async def lock_module_enrolments(session: AsyncSession, *, module_id: uuid.UUID,
                                 enrolment_ids: Sequence[uuid.UUID]) -> list[Enrolment]:
    """Those of ``enrolment_ids`` that are enrolments in the module, share-locked until the
    transaction ends (as :func:`get_enrolment` with ``lock``: a concurrent drop waits).

    Locked in id order, so that two registers naming the same people queue up instead of
    deadlocking.
    """
    statement = (select(Enrolment)
                 .where(Enrolment.module_id == module_id, Enrolment.id.in_(enrolment_ids))
                 .order_by(Enrolment.id).with_for_update(read=True)
                 .execution_options(populate_existing=True))
    return list((await session.scalars(statement)).all())


async def recorded_on(session: AsyncSession, *, enrolment_ids: Sequence[uuid.UUID],
                      session_date: date) -> list[uuid.UUID]:
    """Those of ``enrolment_ids`` whose attendance on ``session_date`` is already recorded."""
    found = await session.scalars(select(Attendance.enrolment_id).where(
        Attendance.enrolment_id.in_(enrolment_ids), Attendance.session_date == session_date)
        .order_by(Attendance.enrolment_id))
    return list(found.all())


async def add_attendances(session: AsyncSession, rows: Sequence[Attendance]) -> list[Attendance]:
    """Insert attendance records in one statement, in a savepoint: a violation raises
    IntegrityError and inserts none. The records as stored (a register holds a few hundred at
    most: one statement's parameters suffice)."""
    statement = (sqlalchemy_insert(Attendance).values([column_values(row) for row in rows])
                 .returning(Attendance).execution_options(populate_existing=True))
    async with session.begin_nested():
        return list((await session.scalars(statement)).all())

"""Follow-up schedules: each programme's points and window, and the dates they give a case.

Time zones: due dates are calendar dates. A follow-up is answerable from the start of its due
date until the end of the window's last day, both in UTC, so that every replica, every
returnee's phone and every report agree on one instant however far apart they are. With a
window of 30 days, a follow-up due on 10 January may be answered until 9 February 23:59:59 UTC;
``window_closes_at`` is then 10 February 00:00 UTC (exclusive).
"""

import calendar
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration import rules
from services.reintegration.schedules import repository
from services.reintegration.schedules.exceptions import ProgrammeNotFound
from services.reintegration.schedules.models import (
    DEFAULT_POINTS,
    DEFAULT_VERSION,
    DEFAULT_WINDOW_DAYS,
)
from services.reintegration.schedules.schemas import ScheduleIn, ScheduleOut
from shared import access, concurrency
from shared.auth import Principal
from shared.i18n import N_


@dataclass(frozen=True, slots=True)
class Planned:
    """One follow-up of a case as its schedule places it."""

    point_months: int
    due_date: date
    window_closes_at: datetime


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months, on the month's last day when it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def opens_at(due_date: date) -> datetime:
    """When a follow-up due on ``due_date`` may first be answered: that day's start, UTC."""
    return datetime.combine(due_date, time(0), UTC)


def closes_at(due_date: date, window_days: int) -> datetime:
    """When its window closes: the end of the day ``window_days`` after the due date, UTC."""
    return opens_at(due_date + timedelta(days=window_days + 1))


def plan(return_date: date, *, points_months: list[int] | tuple[int, ...],
         window_days: int) -> list[Planned]:
    """The follow-ups of a case returned on ``return_date``."""
    planned = []
    for point in points_months:
        due = add_months(return_date, point)
        planned.append(Planned(point, due, closes_at(due, window_days)))
    return planned


async def effective(session: AsyncSession, *,
                    programme_id: uuid.UUID) -> tuple[list[int], int]:
    """The programme's points and window: its own, else the defaults."""
    row = await repository.get(session, programme_id)
    if row is None:
        return list(DEFAULT_POINTS), DEFAULT_WINDOW_DAYS
    return list(row.points_months), row.window_days


async def get(session: AsyncSession, *, principal: Principal,
              programme_id: uuid.UUID) -> ScheduleOut:
    """The programme's schedule, or the default one it follows."""
    access.ensure_role(principal, rules.READS_AGGREGATES, N_("read follow-up schedules"))
    access.ensure_programmes_visible(principal, [programme_id], ProgrammeNotFound)
    row = await repository.get(session, programme_id)
    if row is None:
        return ScheduleOut(programme_id=programme_id, points_months=list(DEFAULT_POINTS),
                           window_days=DEFAULT_WINDOW_DAYS, is_default=True,
                           version=DEFAULT_VERSION,
                           updated_at=None)
    return ScheduleOut(programme_id=programme_id, points_months=row.points_months,
                       window_days=row.window_days, is_default=False, version=row.version,
                       updated_at=row.updated_at)


async def put(session: AsyncSession, *, principal: Principal, programme_id: uuid.UUID,
              data: ScheduleIn, expected_version: int | None) -> ScheduleOut:
    """Set the programme's schedule (admins, its officers); cases opened from now on use it.
    ``expected_version`` is that of the schedule read, :data:`DEFAULT_VERSION` for the default."""
    access.ensure_role(principal, access.STAFF, N_("set follow-up schedules"))
    access.ensure_programmes_visible(principal, [programme_id], ProgrammeNotFound)
    current = await repository.get(session, programme_id, for_update=True)
    version = current.version if current else DEFAULT_VERSION
    concurrency.ensure_version(expected_version, version,
                               N_("The schedule changed since version {version}; read it again."))
    row = await repository.upsert(session, programme_id=programme_id,
                                  points_months=data.points_months, window_days=data.window_days)
    return ScheduleOut(programme_id=programme_id, points_months=row.points_months,
                       window_days=row.window_days, is_default=False, version=row.version,
                       updated_at=row.updated_at)

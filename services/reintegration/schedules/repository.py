"""Every query of follow-up schedules."""

import uuid

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration.schedules.models import FollowUpSchedule
from shared.db import one_or_none


async def get(session: AsyncSession, programme_id: uuid.UUID, *,
              for_update: bool = False) -> FollowUpSchedule | None:
    """The programme's schedule row, if it set one."""
    return await one_or_none(
        session, select(FollowUpSchedule).where(FollowUpSchedule.programme_id == programme_id),
        for_update=for_update)


async def upsert(session: AsyncSession, *, programme_id: uuid.UUID, points_months: list[int],
                 window_days: int) -> FollowUpSchedule:
    """Create the programme's schedule or replace it, bumping its version."""
    new = insert(FollowUpSchedule).values(
        programme_id=programme_id, points_months=points_months, window_days=window_days)
    statement = new.on_conflict_do_update(
        index_elements=[FollowUpSchedule.programme_id],
        set_={"points_months": new.excluded.points_months,
              "window_days": new.excluded.window_days,
              "version": FollowUpSchedule.version + 1, "updated_at": func.now()},
    ).returning(FollowUpSchedule).execution_options(populate_existing=True)
    return (await session.execute(statement)).scalar_one()

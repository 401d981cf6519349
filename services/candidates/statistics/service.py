"""A programme's statistics as the caller may read them: aggregates only, and for a ministry
without the counts small enough to name a person (:mod:`shared.small_cells`)."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.programmes import service as programme_service
from services.candidates.statistics import repository
from services.candidates.statistics.schemas import ProgrammeStatistics
from shared import small_cells
from shared.auth import Principal


async def programme_statistics(session: AsyncSession, *, principal: Principal,
                               programme_id: uuid.UUID) -> ProgrammeStatistics:
    """The programme's statistics; ProgrammeNotFound when it is unknown or not the caller's."""
    programme_service.ensure_in_scope(principal, programme_id)
    await programme_service.get(session, programme_id=programme_id)  # 404 when unknown
    counts = await repository.application_counts(session, programme_id)
    training = await repository.training_counts(session, programme_id)
    statistics = ProgrammeStatistics(
        programme_id=programme_id, applications_total=counts.total,
        by_status=counts.by_status, by_gender=counts.by_gender,
        by_nationality=counts.by_nationality,
        training=training if training["enrolled"] else {})
    if principal.role == "ministry":
        suppress_small_cells(statistics)
    return statistics


def suppress_small_cells(statistics: ProgrammeStatistics) -> None:
    """Leave out of every breakdown and of the training the counts a ministry may not see,
    each counted once in ``suppressed_cells``; the applications' total stays."""
    for cells in (statistics.by_status, statistics.by_gender, statistics.by_nationality,
                  statistics.training):
        for key in [key for key, count in cells.items() if small_cells.withheld(count)]:
            del cells[key]
            statistics.suppressed_cells += 1

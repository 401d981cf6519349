"""A programme's statistics as the caller may read them: aggregates only, and for a reader
below officer under the kit's disclosure control (:mod:`shared.disclosure`).

The release: the applications' total, which each breakdown (status, gender, nationality) sums
to; the training's ``enrolled``, of whom ``trained``, who are ``trained_and_moved`` plus
``trained_and_stayed``. A withheld count is null; so is every count the published ones would
give away, the total included.
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.programmes import service as programme_service
from services.candidates.statistics import repository
from services.candidates.statistics.schemas import ProgrammeStatistics
from shared import disclosure
from shared.auth import Principal

TOTAL = ("applications_total",)
BREAKDOWNS = ("by_status", "by_gender", "by_nationality")
# Published by reintegration too (its returnees, the same people in a programme without repeat
# stays): never withheld here to protect another cell, or the other release would give it
# away; reintegration treats its total of returnees alike (withheld only when small, in both).
ALSO_PUBLISHED = (("by_status", "returned"),)


async def programme_statistics(session: AsyncSession, *, principal: Principal,
                               programme_id: uuid.UUID) -> ProgrammeStatistics:
    """The programme's statistics; ProgrammeNotFound when it is unknown or not the caller's."""
    programme_service.ensure_in_scope(principal, programme_id)
    await programme_service.get(session, programme_id=programme_id)  # 404 when unknown
    counts = await repository.application_counts(session, programme_id)
    training = await repository.training_counts(session, programme_id)
    statistics = ProgrammeStatistics(
        programme_id=programme_id, applications_total=counts.total,
        by_status=dict(counts.by_status), by_gender=dict(counts.by_gender),
        by_nationality=dict(counts.by_nationality),
        training=dict(training) if training["enrolled"] else {})
    if not disclosure.reads_exact(principal.role):
        suppress(statistics)
    return statistics


def release(statistics: ProgrammeStatistics) -> disclosure.Release:
    """The statistics as cells and the sums relating them (nothing withheld yet)."""
    found = disclosure.Release()
    found.add(TOTAL, statistics.applications_total or 0)
    for name in BREAKDOWNS:
        cells: dict[str, int | None] = getattr(statistics, name)
        found.add_sum(TOTAL, [found.add((name, key), count or 0)
                              for key, count in cells.items()])
    found.known.update(key for key in ALSO_PUBLISHED if key in found.cells)
    training = {key: found.add(("training", key), count or 0)
                for key, count in statistics.training.items()}
    if training:
        moved, stayed = training["trained_and_moved"], training["trained_and_stayed"]
        found.add_sum(training["trained"], [moved, stayed])
        # Of so few people trained (or enrolled), even a zero says something of each.
        found.add_unit([training["trained"]], [moved, stayed])
        found.add_unit([training["enrolled"]], [training["trained"], moved, stayed])
    return found


def suppress(statistics: ProgrammeStatistics) -> None:
    """Null every count the reader may not see (:mod:`shared.disclosure`), and say how many
    and under which threshold."""
    withheld = disclosure.suppress(release(statistics))
    if not withheld.shown(TOTAL):
        statistics.applications_total = None
    for name in (*BREAKDOWNS, "training"):
        cells: dict[str, int | None] = getattr(statistics, name)
        for key in cells:
            if not withheld.shown((name, key)):
                cells[key] = None
    statistics.suppressed_cells = withheld.count
    statistics.small_cell_threshold = withheld.threshold

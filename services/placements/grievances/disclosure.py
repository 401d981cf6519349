"""The grievance statistics as one release of the kit's disclosure control
(:mod:`shared.disclosure`), and what a reader below officer (a ministry) reads once applied.

Cells: the total; every category, severity and status; every outcome of the resolved; the
unresolved by level; the overdue; the resolved whose worker gave their satisfaction; and the two
means. A grievance is one complaint of one worker, so its counts are counted like people (a
count of 1 to 4 complaints is 1 to 4 workers or fewer). Sums: each of the category, severity
and status breakdowns adds up to the total; the outcomes to the resolved; the levels to the
open and in-progress. Units: everything goes with a withheld total (so few complaints say
something of each, zeros included); the mean days to resolution with the resolved, the mean
satisfaction with its responses (the mean of a few is their answers).
"""

from decimal import Decimal

from services.placements.grievances.schemas import GrievanceStatistics
from shared import disclosure
from shared.disclosure import Key

TOTAL: Key = ("total",)
# The breakdowns adding up to the total, and those adding up to a cell of another.
BREAKDOWNS = ("by_category", "by_severity", "by_status")
RESOLVED: Key = ("by_status", "resolved")
UNRESOLVED: tuple[Key, ...] = (("by_status", "open"), ("by_status", "in_progress"))
MINISTRY: Key = ("unresolved_by_level", "ministry")
RESPONSES: Key = ("satisfaction_responses",)
MEAN_DAYS: Key = ("mean_days_to_resolution",)
MEAN_SATISFACTION: Key = ("satisfaction_mean",)


def _mean(value: float | None) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def release(statistics: GrievanceStatistics) -> disclosure.Release:
    """The statistics (every figure exact) as cells, sums and units."""
    found = disclosure.Release()
    found.add(TOTAL, statistics.total or 0)
    for name in (*BREAKDOWNS, "by_outcome", "unresolved_by_level"):
        cells: dict[str, int | None] = getattr(statistics, name)
        parts = [found.add((name, key), count or 0) for key, count in cells.items()]
        if name in BREAKDOWNS:
            found.add_sum(TOTAL, parts)
        elif name == "by_outcome":
            found.add_sum(RESOLVED, parts)
        else:
            found.add_equation(parts, UNRESOLVED)
    found.add(("overdue",), statistics.overdue or 0)
    found.add(RESPONSES, statistics.satisfaction_responses or 0)
    found.add(MEAN_DAYS, _mean(statistics.mean_days_to_resolution), counts_people=False)
    found.add(MEAN_SATISFACTION, _mean(statistics.satisfaction_mean), counts_people=False)
    found.add_unit([RESOLVED], [MEAN_DAYS])
    found.add_unit([RESPONSES], [MEAN_SATISFACTION])
    found.add_unit([TOTAL], [key for key in found.cells if key != TOTAL])
    return found


def suppress(statistics: GrievanceStatistics) -> None:
    """Null every figure the reader may not see, and say how many and under which threshold."""
    withheld = disclosure.suppress(release(statistics))
    for name in (*BREAKDOWNS, "by_outcome", "unresolved_by_level"):
        cells: dict[str, int | None] = getattr(statistics, name)
        for key in cells:
            if not withheld.shown((name, key)):
                cells[key] = None
    for name in ("total", "overdue", "satisfaction_responses", "mean_days_to_resolution",
                 "satisfaction_mean"):
        if not withheld.shown((name,)):
            setattr(statistics, name, None)
    statistics.escalated_to_ministry_unresolved = statistics.unresolved_by_level[MINISTRY[1]]
    statistics.suppressed_cells = withheld.count
    statistics.small_cell_threshold = withheld.threshold

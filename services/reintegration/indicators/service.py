"""Outcome indicators: the cells Postgres counted, shaped, suppressed for ministries, and as CSV.

Small-cell suppression (ministries), by the kit's rule (:mod:`shared.small_cells`: a count of
1 to 4 people is withheld, 0 and 5 or more are shown): in every breakdown (by gender, origin
country, sector, follow-up point, currency) a cell whose size is withheld (its returnees; a
point's follow-ups due or answered; a currency's people) is left out, and a withheld count
inside a cell that stays is nulled; each counts once in ``suppressed_cells``. The programme's
headline counts (returnees, businesses created) stay, as the candidates service's statistics
keep their total.
"""

import csv
import io
import secrets
import uuid
from datetime import datetime
from typing import Any

import asyncpg

from services.reintegration import rules
from services.reintegration.indicators import repository
from services.reintegration.indicators.repository import BREAKDOWNS, Cells
from services.reintegration.indicators.schemas import (
    GroupIndicators,
    IndicatorCell,
    Indicators,
    PointIndicators,
    Spend,
)
from services.reintegration.schedules.exceptions import ProgrammeNotFound
from shared import access
from shared.auth import Principal
from shared.small_cells import THRESHOLD, withheld

# Who may download anonymised follow-up rows: never a ministry, which reads aggregates only.
EXPORTS_ROWS = frozenset({"admin", "service", "officer"})


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _point(row: Any) -> PointIndicators:
    return PointIndicators(
        point_months=row["point_months"], due=row["due"], responded=row["responded"],
        response_rate=_share(row["responded"], row["due"]),
        employed_or_self_employed=row["working"],
        employed_or_self_employed_share=_share(row["working"], row["responded"]),
        host_company=row["host_company"],
        host_company_share=_share(row["host_company"], row["responded"]),
        abroad=row["abroad"], abroad_share=_share(row["abroad"], row["responded"]))


def shape(programme_id: uuid.UUID, cells: Cells, *, now: datetime) -> Indicators:
    """The indicators of the programme from its cells (every cell, nothing suppressed)."""
    groups: dict[tuple[str | None, str | None], IndicatorCell] = {}

    def cell(row: Any) -> IndicatorCell:
        breakdown = BREAKDOWNS[row["grouping"]]
        key = (breakdown, row[breakdown] if breakdown else None)
        if key not in groups:
            groups[key] = IndicatorCell(returnees=0, businesses_created=0, by_point=[],
                                        support_spend=[]) if breakdown is None else \
                GroupIndicators(value=key[1], returnees=0, businesses_created=0,
                                by_point=[], support_spend=[])
        return groups[key]

    for row in cells.returnees:
        target = cell(row)
        target.returnees, target.businesses_created = row["returnees"], row["businesses_created"]
    for row in sorted(cells.points, key=lambda r: r["point_months"]):
        cell(row).by_point.append(_point(row))
    for row in sorted(cells.spend, key=lambda r: r["currency"]):
        cell(row).support_spend.append(Spend(currency=row["currency"], amount=row["amount"],
                                             measures=row["measures"], people=row["people"]))
    total = groups.pop((None, None), None) or IndicatorCell(
        returnees=0, businesses_created=0, by_point=[], support_spend=[])

    def breakdown(name: str) -> list[GroupIndicators]:
        found = [g for (kind, _), g in groups.items()
                 if kind == name and isinstance(g, GroupIndicators)]
        return sorted(found, key=lambda g: (-g.returnees, g.value))

    return Indicators(programme_id=programme_id, computed_at=now, small_cell_threshold=None,
                      total=total, by_gender=breakdown("gender"),
                      by_origin_country=breakdown("origin_country"),
                      by_sector=breakdown("sector"))


# The counts of people inside a follow-up point, each with its share.
_POINT_COUNTS = ("employed_or_self_employed", "host_company", "abroad")


def _suppress_within(cell: IndicatorCell) -> int:
    """Drop the cell's points and spend cells whose people count is withheld, and null the
    withheld counts (and their shares) in the points kept; how many."""
    kept_points = [p for p in cell.by_point if not (withheld(p.due) or withheld(p.responded))]
    kept_spend = [s for s in cell.support_spend if not withheld(s.people)]
    dropped = len(cell.by_point) - len(kept_points) + len(cell.support_spend) - len(kept_spend)
    cell.by_point, cell.support_spend = kept_points, kept_spend
    for point in kept_points:
        for name in _POINT_COUNTS:
            if withheld(getattr(point, name) or 0):
                setattr(point, name, None)
                setattr(point, f"{name}_share", None)
                dropped += 1
    return dropped


def suppress_small_cells(indicators: Indicators) -> Indicators:
    """The indicators a ministry reads (see the module docstring)."""
    suppressed = _suppress_within(indicators.total)
    for name in ("by_gender", "by_origin_country", "by_sector"):
        kept = []
        for group in getattr(indicators, name):
            if withheld(group.returnees):
                suppressed += 1
                continue
            suppressed += _suppress_within(group)
            if withheld(group.businesses_created or 0):
                group.businesses_created = None
                suppressed += 1
            kept.append(group)
        setattr(indicators, name, kept)
    indicators.small_cell_threshold = THRESHOLD
    indicators.suppressed_cells = suppressed
    return indicators


def ensure_readable(principal: Principal, programme_id: uuid.UUID) -> None:
    """403 for roles that read no aggregates; 404 for a programme not the caller's."""
    access.ensure_role(principal, rules.READS_AGGREGATES, "read reintegration indicators")
    access.ensure_programmes_visible(principal, [programme_id], ProgrammeNotFound)


async def compute(connection: asyncpg.Connection, *, principal: Principal,
                  programme_id: uuid.UUID, now: datetime) -> Indicators:
    """The programme's indicators as the caller may read them."""
    ensure_readable(principal, programme_id)
    indicators = shape(programme_id, await repository.cells(connection, programme_id), now=now)
    if not rules.sees_small_cells(principal):
        suppress_small_cells(indicators)
    return indicators


CSV_COLUMNS = ("breakdown", "group", "point_months", "currency", "indicator", "value")


def _csv_rows(breakdown: str, group: str, cell: IndicatorCell) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = [(breakdown, group, "", "", "returnees", cell.returnees),
                                   (breakdown, group, "", "", "businesses_created",
                                    "" if cell.businesses_created is None
                                    else cell.businesses_created)]
    for point in cell.by_point:
        for name, value in point.model_dump(exclude={"point_months"}).items():
            rows.append((breakdown, group, point.point_months, "", name,
                         "" if value is None else value))
    for spend in cell.support_spend:
        for name in ("amount", "measures", "people"):
            rows.append((breakdown, group, "", spend.currency, f"support_spend_{name}",
                         getattr(spend, name)))
    return rows


def to_csv(indicators: Indicators) -> bytes:
    """The indicators in long form, one value a line, for spreadsheets and pivot tables."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_rows("all", "", indicators.total))
    for name in ("gender", "origin_country", "sector"):
        for group in getattr(indicators, f"by_{name}"):
            writer.writerows(_csv_rows(name, group.value, group))
    writer.writerow(("all", "", "", "", "suppressed_cells", indicators.suppressed_cells))
    return out.getvalue().encode()


async def export_rows(connection: asyncpg.Connection, *, principal: Principal,
                      programme_id: uuid.UUID) -> bytes:
    """The programme's anonymised follow-up rows (admins, services, its officers)."""
    ensure_readable(principal, programme_id)
    access.ensure_role(principal, EXPORTS_ROWS, "export follow-up rows: ministries read "
                       "aggregates only")
    return await repository.export_rows(connection, programme_id, secrets.token_hex(16))

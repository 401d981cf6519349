"""Outcome indicators: the cells Postgres counted, shaped, under disclosure control for readers
below officer, and as CSV.

Every point of the programme's follow-up schedule is listed in every cell, with zeros where
nobody was due (and the points of an earlier schedule some follow-ups still have).

For a reader below officer (a ministry), first the sectors of fewer than five returnees each
are taken together as one ``other`` sector (with a sector actually called ``other``); then the
whole response is one release of the kit's rule (:mod:`shared.disclosure`, modelled in
:mod:`.disclosure`): counts of 1 to 4 people are withheld, totals included, with the group,
point or row they are the size of, and so is every count the shown ones and the sums between
them (breakdowns to total, ``due = answered + missed``, ``answered = responded +
unreachable``, the support rows' money to the returnees') would give away. Officers, admins
and services read every count.
"""

import csv
import io
import secrets
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from services.reintegration import rules
from services.reintegration.indicators import repository
from services.reintegration.indicators.disclosure import GROUPINGS, withhold
from services.reintegration.indicators.repository import BREAKDOWNS, Cells
from services.reintegration.indicators.schemas import (
    GroupIndicators,
    IndicatorCell,
    Indicators,
    Money,
    PointIndicators,
    Spend,
    SupportIndicators,
)
from services.reintegration.schedules.exceptions import ProgrammeNotFound
from shared import access
from shared.auth import Principal
from shared.clock import utc_date
from shared.disclosure import withheld
from shared.i18n import N_

# Who may download anonymised follow-up rows: never a ministry, which reads aggregates only.
EXPORTS_ROWS = frozenset({"admin", "service", "officer"})
# The support rows in the order a person goes through them.
STAGE_ORDER = {"before_departure": 0, "during_stay": 1, "after_return": 2}
# What a ministry reads instead of the sectors too small to show one by one.
OTHER = "other"
# A point's counts, as the query names them (``working`` is ``employed_or_self_employed``).
_POINT_COUNTS = ("due", "answered", "unreachable", "missed", "open", "pending", "working",
                 "host_company", "abroad")


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _point(point_months: int, counts: Mapping[str, int]) -> PointIndicators:
    """A point's indicators from its counts (:data:`_POINT_COUNTS`)."""
    responded = counts["answered"] - counts["unreachable"]
    return PointIndicators(
        point_months=point_months, due=counts["due"], answered=counts["answered"],
        unreachable=counts["unreachable"], missed=counts["missed"], open=counts["open"],
        pending=counts["pending"], responded=responded,
        response_rate=_share(responded, counts["due"]),
        employed_or_self_employed=counts["working"],
        employed_or_self_employed_share=_share(counts["working"], responded),
        host_company=counts["host_company"],
        host_company_share=_share(counts["host_company"], responded),
        abroad=counts["abroad"], abroad_share=_share(counts["abroad"], responded))


def _counts(point: PointIndicators) -> dict[str, int]:
    """The counts of a point of every cell (nothing nulled yet)."""
    values = {name: getattr(point, "employed_or_self_employed" if name == "working" else name)
              for name in _POINT_COUNTS}
    return {name: int(value or 0) for name, value in values.items()}


def _empty_cell() -> IndicatorCell:
    return IndicatorCell(returnees=0, people=0, stays=0, businesses_created=0, by_point=[],
                         support_spend=[])


def _with_every_point(cell: IndicatorCell, points: Iterable[int]) -> None:
    """Add the points ``cell`` lacks, with zeros, and order them."""
    present = {p.point_months for p in cell.by_point}
    zeros = dict.fromkeys(_POINT_COUNTS, 0)
    cell.by_point = sorted([*cell.by_point, *(_point(p, zeros) for p in points
                                              if p not in present)],
                           key=lambda p: p.point_months)


def _support(rows: list[Any]) -> list[SupportIndicators]:
    found: dict[tuple[str, str], SupportIndicators] = {}
    spend: dict[tuple[str, str], list[Money]] = defaultdict(list)
    for row in rows:
        key = (row["stage"], row["kind"])
        if row["by_currency"]:
            found[key] = SupportIndicators(stage=row["stage"], kind=row["kind"],
                                           measures=row["measures"], people=row["people"],
                                           spend=[])
        elif row["currency"] is not None and row["amount"] is not None:
            spend[key].append(Money(currency=row["currency"], amount=row["amount"]))
    for key, money in spend.items():
        found[key].spend = sorted(money, key=lambda m: m.currency)
    kept = [s for s in found.values() if s.measures or s.spend]
    return sorted(kept, key=lambda s: (STAGE_ORDER[s.stage], s.kind))


def shape(programme_id: uuid.UUID, cells: Cells, *, now: datetime) -> Indicators:
    """The indicators of the programme from its cells (every cell, nothing suppressed)."""
    groups: dict[tuple[str | None, str | None], IndicatorCell] = {}

    def cell(row: Any) -> IndicatorCell:
        breakdown = BREAKDOWNS[row["grouping"]]
        key = (breakdown, row[breakdown] if breakdown else None)
        if key not in groups:
            groups[key] = _empty_cell() if breakdown is None else GroupIndicators(
                value=key[1], **_empty_cell().model_dump())
        return groups[key]

    for row in cells.returnees:
        target = cell(row)
        target.returnees = target.people = row["people"]
        target.stays, target.businesses_created = row["stays"], row["businesses_created"]
    for row in cells.points:
        cell(row).by_point.append(_point(row["point_months"], dict(row.items())))
    for row in sorted(cells.spend, key=lambda r: r["currency"]):
        cell(row).support_spend.append(Spend(currency=row["currency"], amount=row["amount"],
                                             measures=row["measures"], people=row["people"]))
    points = {*cells.schedule, *(row["point_months"] for row in cells.points)}
    for target in groups.values():
        _with_every_point(target, points)
    total = groups.pop((None, None), None)
    if total is None:
        total = _empty_cell()
        _with_every_point(total, points)

    def breakdown(name: str) -> list[GroupIndicators]:
        found = [g for (kind, _), g in groups.items()
                 if kind == name and isinstance(g, GroupIndicators)]
        return _ordered(found)

    return Indicators(programme_id=programme_id, computed_at=now, small_cell_threshold=None,
                      total=total, by_gender=breakdown("gender"),
                      by_origin_country=breakdown("origin_country"),
                      by_sector=breakdown("sector"),
                      by_destination_country=breakdown("destination_country"),
                      support=_support(cells.support))


def _ordered(groups: list[GroupIndicators]) -> list[GroupIndicators]:
    return sorted(groups, key=lambda g: (-(g.returnees or 0), g.value))


# --- readers below officer ---------------------------------------------------------------------


def _merged(value: str, groups: list[GroupIndicators]) -> GroupIndicators:
    """One group of several (each returnee is in one of them): counts added up, shares and
    response rates computed again."""
    points: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_POINT_COUNTS, 0))
    spend: dict[str, Spend] = {}
    for group in groups:
        for point in group.by_point:
            for name, count in _counts(point).items():
                points[point.point_months][name] += count
        for money in group.support_spend:
            known = spend.setdefault(money.currency, Spend(
                currency=money.currency, amount=Decimal(0), measures=0, people=0))
            # Nothing is withheld yet when groups are merged: every count is there.
            known.amount = (known.amount or Decimal(0)) + (money.amount or Decimal(0))
            known.measures = (known.measures or 0) + (money.measures or 0)
            known.people += money.people
    return GroupIndicators(
        value=value, returnees=sum(g.returnees or 0 for g in groups),
        people=sum(g.people or 0 for g in groups), stays=sum(g.stays or 0 for g in groups),
        businesses_created=sum(g.businesses_created or 0 for g in groups),
        by_point=[_point(p, counts) for p, counts in sorted(points.items())],
        support_spend=[spend[c] for c in sorted(spend)])


def group_small_sectors(indicators: Indicators) -> Indicators:
    """The sectors of fewer than five returnees each taken together as ``other`` (with a
    sector called ``other``, if any), for a reader below officer."""
    small = [g for g in indicators.by_sector
             if withheld(g.returnees or 0) or g.value == OTHER]
    if any(g.value != OTHER for g in small):
        merged = {g.value for g in small}
        kept = [g for g in indicators.by_sector if g.value not in merged]
        indicators.by_sector = _ordered([*kept, _merged(OTHER, small)])
    return indicators


def ensure_readable(principal: Principal, programme_id: uuid.UUID) -> None:
    """403 for roles that read no aggregates; 404 for a programme not the caller's."""
    access.ensure_role(principal, rules.READS_AGGREGATES, N_("read reintegration indicators"))
    access.ensure_programmes_visible(principal, [programme_id], ProgrammeNotFound)


async def compute(connection: asyncpg.Connection, *, principal: Principal,
                  programme_id: uuid.UUID, now: datetime) -> Indicators:
    """The programme's indicators as the caller may read them."""
    ensure_readable(principal, programme_id)
    found = await repository.cells(connection, programme_id, now=now, today=utc_date(now))
    indicators = shape(programme_id, found, now=now)
    if not rules.sees_small_cells(principal):
        withhold(group_small_sectors(indicators))
    return indicators


# --- CSV -------------------------------------------------------------------------------------

CSV_COLUMNS = ("breakdown", "group", "point_months", "currency", "indicator", "value")


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _csv_rows(breakdown: str, group: str, cell: IndicatorCell) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = [
        (breakdown, group, "", "", name, _blank(getattr(cell, name)))
        for name in ("returnees", "people", "stays", "businesses_created")]
    for point in cell.by_point:
        for name, value in point.model_dump(exclude={"point_months"}).items():
            rows.append((breakdown, group, point.point_months, "", name, _blank(value)))
    for spend in cell.support_spend:
        for name in ("amount", "measures", "people"):
            rows.append((breakdown, group, "", spend.currency, f"support_spend_{name}",
                         _blank(getattr(spend, name))))
    return rows


def _support_rows(support: list[SupportIndicators]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for row in support:
        group = f"{row.stage}/{row.kind}"
        rows += [("support", group, "", "", "measures", _blank(row.measures)),
                 ("support", group, "", "", "people", row.people)]
        rows += [("support", group, "", money.currency, "spend_amount", _blank(money.amount))
                 for money in row.spend]
    return rows


def to_csv(indicators: Indicators) -> bytes:
    """The indicators in long form, one value a line, for spreadsheets and pivot tables: the
    same cells as the JSON (a withheld count blank, or absent with its group, point or row),
    then the threshold and how many counts were withheld."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_rows("all", "", indicators.total))
    for name in GROUPINGS:
        for group in getattr(indicators, f"by_{name}"):
            writer.writerows(_csv_rows(name, group.value, group))
    writer.writerows(_support_rows(indicators.support))
    writer.writerow(("all", "", "", "", "small_cell_threshold",
                     _blank(indicators.small_cell_threshold)))
    writer.writerow(("all", "", "", "", "suppressed_cells", indicators.suppressed_cells))
    return out.getvalue().encode()


# Which of the given people's consent an export needs is not in force now.
WithoutConsent = Callable[[Sequence[uuid.UUID]], Awaitable[set[uuid.UUID]]]


async def export_rows(connection: asyncpg.Connection, *, principal: Principal,
                      programme_id: uuid.UUID,
                      without_consent: WithoutConsent,
                      ) -> tuple[bytes, int, list[uuid.UUID]]:
    """The programme's anonymised follow-up rows (admins, services, its officers) of the
    people whose consent is in force now (``without_consent`` names the others among the ids
    it is given), how many people were left out, and who is in the file (for the access
    record: an export of people is a use of each one's data, pseudonymised or not)."""
    ensure_readable(principal, programme_id)
    access.ensure_role(principal, EXPORTS_ROWS, N_("export follow-up rows: ministries read "
                       "aggregates only"))
    people = await repository.export_people(connection, programme_id)
    left_out = await without_consent(people)
    body = await repository.export_rows(connection, programme_id, secrets.token_hex(16),
                                        sorted(left_out))
    return body, len(left_out), [p for p in people if p not in left_out]


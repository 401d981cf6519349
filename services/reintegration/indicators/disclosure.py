"""The indicators as one release of the kit's disclosure control (:mod:`shared.disclosure`),
and the indicators a reader below officer reads once it is applied.

Cells: for the total and every group of every breakdown, its returnees (``people`` is the
same count), stays and businesses created; at every point, its ten counts; per currency, the
money disbursed to its returnees with the measures and people; and each support row's people,
measures and money. Sums: every breakdown adds up to the total, count by count (a returnee is
in one group of each); at a point, ``due = answered + missed`` and
``answered = responded + unreachable``; and per currency, the support rows' money is the
returnees' (the total's spend) plus what people without a case got, which a reader is assumed
to know. Units withheld whole: a group with its returnees, a point with its follow-ups due, a
currency's spend with its people, a support row with its people.

A withheld group, point, spend currency or support row is left out; any other withheld count
is null, with the shares it enters.
"""

from collections import defaultdict
from decimal import Decimal

from services.reintegration.indicators.schemas import (
    IndicatorCell,
    Indicators,
    PointIndicators,
)
from shared.disclosure import Key, Release, Suppression, suppress

# The breakdowns, by the name of their list in :class:`Indicators`.
GROUPINGS = ("gender", "origin_country", "sector", "destination_country")
# The counts of a point, as :class:`PointIndicators` names them.
POINT_COUNTS = ("due", "answered", "unreachable", "missed", "open", "pending", "responded",
                "employed_or_self_employed", "host_company", "abroad")
# Each share of a point and the counts it divides.
SHARES = {"response_rate": ("responded", "due"),
          "employed_or_self_employed_share": ("employed_or_self_employed", "responded"),
          "host_company_share": ("host_company", "responded"),
          "abroad_share": ("abroad", "responded")}
TOTAL: Key = ("all", "")
# Published by candidates too (applications returned: the same people in a programme without
# repeat stays): never withheld here to protect another cell, or the other release would give
# it away; candidates treats its count alike (withheld only when small, in both).
ALSO_PUBLISHED: tuple[Key, ...] = ((*TOTAL, "returnees"),)


def groups(indicators: Indicators) -> list[tuple[Key, IndicatorCell]]:
    """The total and every group of every breakdown, each with the key its cells start with."""
    return [(TOTAL, indicators.total), *(
        ((name, group.value), group) for name in GROUPINGS
        for group in getattr(indicators, f"by_{name}"))]


def _cell(found: Release, base: Key, cell: IndicatorCell) -> None:
    size = found.add((*base, "returnees"), cell.returnees or 0)
    members = [found.add((*base, "stays"), cell.stays or 0),
               found.add((*base, "businesses_created"), cell.businesses_created or 0)]
    for point in cell.by_point:
        at = (*base, "point", str(point.point_months))
        keys = {name: found.add((*at, name), getattr(point, name) or 0)
                for name in POINT_COUNTS}
        found.add_sum(keys["due"], [keys["answered"], keys["missed"]])
        found.add_sum(keys["answered"], [keys["responded"], keys["unreachable"]])
        # A point of too few due goes whole. Its respondents are one count among the others:
        # were a withheld one to take the point with it, a point shown would tell a reader
        # that its withheld respondents are not few, and bound the counts beside them.
        found.add_unit([keys["due"]], keys.values())
        members += keys.values()
    for spend in cell.support_spend:
        at = (*base, "spend", spend.currency)
        people = found.add((*at, "people"), spend.people)
        unit = [people, found.add((*at, "measures"), spend.measures or 0, counts_people=False),
                found.add((*at, "amount"), spend.amount or 0, counts_people=False)]
        found.add_unit([people], unit)
        members += unit
    found.add_unit([size], members)


def release(indicators: Indicators) -> Release:
    """The indicators (every cell exact, small sectors already taken together) as cells, sums
    and units."""
    found = Release()
    for base, cell in groups(indicators):
        _cell(found, base, cell)
    found.known.update(key for key in ALSO_PUBLISHED if key in found.cells)
    for key in [key for key in found.cells if key[:2] == TOTAL]:
        for name in GROUPINGS:
            parts = [(name, group.value, *key[2:])
                     for group in getattr(indicators, f"by_{name}")]
            found.add_sum(key, [part for part in parts if part in found.cells])
    money: dict[str, list[Key]] = defaultdict(list)
    for row in indicators.support:
        at = ("support", row.stage, row.kind)
        people = found.add((*at, "people"), row.people)
        keys = [people, found.add((*at, "measures"), row.measures or 0, counts_people=False)]
        for paid in row.spend:
            keys.append(found.add((*at, "spend", paid.currency), paid.amount or 0,
                                  counts_people=False))
            money[paid.currency].append(keys[-1])
        found.add_unit([people], keys)
    for currency, paid_keys in sorted(money.items()):
        returnees = (*TOTAL, "spend", currency, "amount")
        to_returnees = [returnees] if returnees in found.cells else []
        rest = found.add(("support", "without_case", currency),
                         sum((found.cells[k] for k in paid_keys), Decimal(0))
                         - sum((found.cells[k] for k in to_returnees), Decimal(0)),
                         counts_people=False)
        found.known.add(rest)
        found.add_equation(paid_keys, [*to_returnees, rest])
    return found


def _withhold(base: Key, cell: IndicatorCell, withheld: Suppression) -> None:
    """Null or leave out what ``withheld`` withholds of one group."""
    def shown(*key: str) -> bool:
        return withheld.shown((*base, *key))

    if not shown("returnees"):  # the whole group (only the total is kept, empty)
        cell.returnees = cell.people = cell.stays = cell.businesses_created = None
        cell.by_point, cell.support_spend = [], []
        return
    if not shown("stays"):
        cell.stays = None
    if not shown("businesses_created"):
        cell.businesses_created = None
    points: list[PointIndicators] = []
    for point in cell.by_point:
        at = ("point", str(point.point_months))
        if not shown(*at, "due"):
            continue
        for name in POINT_COUNTS:
            if not shown(*at, name):
                setattr(point, name, None)
        for share, (part, whole) in SHARES.items():
            if getattr(point, part) is None or getattr(point, whole) is None:
                setattr(point, share, None)
        points.append(point)
    cell.by_point = points
    kept = []
    for spend in cell.support_spend:
        at = ("spend", spend.currency)
        if not shown(*at, "people"):
            continue
        if not shown(*at, "measures"):
            spend.measures = None
        if not shown(*at, "amount"):
            spend.amount = None
        kept.append(spend)
    cell.support_spend = kept


def withhold(indicators: Indicators) -> Indicators:
    """The indicators a reader below officer reads (see the module docstring)."""
    withheld = suppress(release(indicators))
    for base, cell in groups(indicators):
        _withhold(base, cell, withheld)
    for name in GROUPINGS:
        setattr(indicators, f"by_{name}", [
            group for group in getattr(indicators, f"by_{name}")
            if withheld.shown((name, group.value, "returnees"))])
    support = []
    for row in indicators.support:
        at = ("support", row.stage, row.kind)
        if not withheld.shown((*at, "people")):
            continue
        if not withheld.shown((*at, "measures")):
            row.measures = None
        for paid in row.spend:
            if not withheld.shown((*at, "spend", paid.currency)):
                paid.amount = None
        support.append(row)
    indicators.support = support
    indicators.small_cell_threshold = withheld.threshold
    indicators.suppressed_cells = withheld.count
    return indicators

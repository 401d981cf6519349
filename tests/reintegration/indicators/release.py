"""What a reader of the indicators can derive from what they were shown.

Both the JSON and the CSV are read as one flat table, keyed as the CSV is (breakdown, group,
point, currency, indicator). The exact table (an officer's, with small sectors taken together
as a ministry's is) gives every cell; a cell the reader's table does not show is withheld. The
linear system is every relation the response documents: each breakdown adds up to the total,
indicator by indicator; at a point ``due = answered + missed`` and ``answered = responded +
unreachable``; per currency the support rows' money is the returnees' plus what people without
a case got (assumed known to the reader). :func:`check` asserts that what is shown is exact,
that no count of 1 to 4 people is shown, that the shares of a withheld count are withheld, and
that no withheld cell is recoverable (computed by :mod:`tests.linear_system`, not by the kit).
"""

import csv
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

from services.reintegration.indicators.schemas import Indicators
from services.reintegration.indicators.service import group_small_sectors
from tests.linear_system import Key, recoverable, zeros_by_sign

SHARES = {"response_rate": ("responded", "due"),
          "employed_or_self_employed_share": ("employed_or_self_employed", "responded"),
          "host_company_share": ("host_company", "responded"),
          "abroad_share": ("abroad", "responded")}
NOT_PEOPLE = {"support_spend_amount", "support_spend_measures", "measures", "spend_amount"}


def _number(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, float) or (isinstance(value, str) and "." in value):
        return Decimal(str(value))
    return int(value)


def flatten(body: dict[str, Any]) -> dict[Key, Any]:
    """The JSON indicators as the CSV's lines: key -> value (None when null)."""
    table: dict[Key, Any] = {}

    def cell(breakdown: str, group: str, data: dict[str, Any]) -> None:
        for name in ("returnees", "people", "stays", "businesses_created"):
            table[(breakdown, group, "", "", name)] = data[name]
        for point in data["by_point"]:
            for name, value in point.items():
                if name != "point_months":
                    table[(breakdown, group, str(point["point_months"]), "", name)] = value
        for spend in data["support_spend"]:
            for name in ("amount", "measures", "people"):
                table[(breakdown, group, "", spend["currency"], f"support_spend_{name}")] = \
                    spend[name]

    cell("all", "", body["total"])
    for name in ("gender", "origin_country", "sector", "destination_country"):
        for group in body[f"by_{name}"]:
            cell(name, group["value"], group)
    for row in body["support"]:
        group = f"{row['stage']}/{row['kind']}"
        table[("support", group, "", "", "measures")] = row["measures"]
        table[("support", group, "", "", "people")] = row["people"]
        for money in row["spend"]:
            table[("support", group, "", money["currency"], "spend_amount")] = money["amount"]
    return {key: _number(value) for key, value in table.items()}


def parse_csv(text: str) -> tuple[dict[Key, Any], dict[str, Any]]:
    """The CSV's cells, and its closing lines (threshold, suppressed cells)."""
    table: dict[Key, Any] = {}
    closing: dict[str, Any] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row["indicator"] in ("small_cell_threshold", "suppressed_cells"):
            closing[row["indicator"]] = _number(row["value"])
            continue
        key = (row["breakdown"], row["group"], row["point_months"], row["currency"],
               row["indicator"])
        table[key] = _number(row["value"])
    return table, closing


def exact_for_ministry(officer: dict[str, Any]) -> dict[Key, Any]:
    """The officer's table with the small sectors taken together as a ministry's are."""
    merged = group_small_sectors(Indicators.model_validate(officer))
    return flatten(merged.model_dump(mode="json"))


def _cells(exact: dict[Key, Any]) -> dict[Key, Any]:
    """The counts and amounts of the table: no share, no ``people`` beside ``returnees``."""
    return {key: value for key, value in exact.items()
            if key[4] not in SHARES and not (key[4] == "people" and key[0] != "support")}


def system(exact: dict[Key, Any]) -> tuple[list[tuple[Key, tuple[Key, ...]]],
                                           list[tuple[tuple[Key, ...], tuple[Key, ...]]],
                                           dict[Key, Any]]:
    """The sums (margin, parts), the other equations, and the values of cells a reader is
    assumed to know without being shown them."""
    cells = _cells(exact)
    parts: dict[Key, list[Key]] = defaultdict(list)
    for key in cells:
        if key[0] not in ("all", "support"):
            parts[("all", "", *key[2:])].append(key)
    sums: list[tuple[Key, tuple[Key, ...]]] = []
    for margin in [k for k in cells if k[0] == "all"]:
        by_breakdown: dict[str, list[Key]] = defaultdict(list)
        for key in parts[margin]:
            by_breakdown[key[0]].append(key)
        sums += [(margin, tuple(found)) for found in by_breakdown.values()]
    for key in [k for k in cells if k[4] == "due"]:
        at = key[:4]
        sums.append(((*at, "due"), ((*at, "answered"), (*at, "missed"))))
        sums.append(((*at, "answered"), ((*at, "responded"), (*at, "unreachable"))))
    equations: list[tuple[tuple[Key, ...], tuple[Key, ...]]] = []
    known: dict[Key, Any] = {}
    money: dict[str, list[Key]] = defaultdict(list)
    for key in cells:
        if key[0] == "support" and key[4] == "spend_amount":
            money[key[3]].append(key)
    for currency, paid in money.items():
        to_returnees = ("all", "", "", currency, "support_spend_amount")
        rest = ("support", "without_case", "", currency, "spend_amount")
        known[rest] = sum(cells[k] for k in paid) - cells.get(to_returnees, 0)
        right = ((to_returnees,) if to_returnees in cells else ()) + (rest,)
        equations.append((tuple(paid), right))
    return sums, equations, known


def check(exact: dict[Key, Any], seen: dict[Key, Any]) -> set[Key]:
    """Assert that ``seen`` (a reader's table) discloses nothing of ``exact`` it withholds;
    the withheld cells."""
    cells = _cells(exact)
    hidden = {key for key in cells if seen.get(key) is None}
    for key, value in seen.items():
        assert key in exact, key
        if value is not None:
            assert value == exact[key], (key, value, exact[key])
    small = {key for key, value in cells.items()
             if key[4] not in NOT_PEOPLE and value is not None and 0 < value < 5}
    assert small <= hidden, sorted(small - hidden)
    for key, value in seen.items():
        if key[4] in SHARES and value is not None:
            part, whole = SHARES[key[4]]
            assert seen[(*key[:4], part)] is not None and seen[(*key[:4], whole)] is not None
    sums, equations, known = system(exact)
    values = {**cells, **known}
    zeros = zeros_by_sign(values, sums, hidden)
    assert all(cells[key] == 0 for key in zeros)
    derived = recoverable(sums, hidden - zeros, equations)
    assert not derived, sorted(derived)
    return hidden

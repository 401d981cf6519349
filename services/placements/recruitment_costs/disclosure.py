"""SDG 10.7.1 as one release of the kit's disclosure control (:mod:`shared.disclosure`), and
the indicator a reader below officer reads once it is applied.

Cells, for the total and every group of every breakdown: its workers (the group's size), who
paid any fee, who is without earnings (and of those who paid), unconverted, counted, the five
ratio bands, and the sum of the counted workers' ratios (not a count of people: withheld only
to protect another cell, or with its group). Sums: each breakdown adds up to the total, cell by
cell (a worker is in one group of each); ``workers = without_earnings + unconverted +
counted``; the bands add up to ``counted``; and, since a counted worker outside the zero band
paid and every unconverted one did, ``paid + zero = counted + unconverted +
without_earnings_paid``. Units withheld whole: a group with its workers; its ratio bands and
ratio sum with ``counted``.

A withheld group is left out; any other withheld count is null, with the ratios it enters:
the mean needs ``counted`` and the ratio sum; the maximum, one person's figure, is never shown
below officer.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shared.disclosure import Key, Release, Suppression
from shared.i18n import declare_labels

# The breakdowns, by the name of their list in the response (``by_<name>``).
GROUPINGS = ("origin_country", "destination_country", "sector", "gender")
BANDS = ("zero", "up_to_half_month", "half_to_one_month", "one_to_two_months",
         "over_two_months")
# Display names of the bands (GET /v1/labels/placements).
declare_labels("recruitment_cost.band", BANDS)
# The counts of people of a group besides its bands, as the statement names them.
COUNTS = ("workers", "paid", "without_earnings", "without_earnings_paid", "unconverted",
          "counted")
TOTAL: Key = ("all", "")


@dataclass
class Cell:
    """One group's figures as Postgres computed them (nothing withheld)."""

    workers: int = 0
    paid: int = 0
    without_earnings: int = 0
    without_earnings_paid: int = 0
    unconverted: int = 0
    counted: int = 0
    ratio_sum: Decimal = Decimal(0)
    bands: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BANDS, 0))
    max_ratio: Decimal | None = None


def release(cells: dict[Key, Cell]) -> Release:
    """The indicator's cells (``cells``: the total under :data:`TOTAL`, each group under
    ``(breakdown, value)``) as cells, sums and units of one release."""
    found = Release()
    for base, cell in cells.items():
        keys = {name: found.add((*base, name), getattr(cell, name)) for name in COUNTS}
        bands = [found.add((*base, "band", name), cell.bands[name]) for name in BANDS]
        ratio_sum = found.add((*base, "ratio_sum"), cell.ratio_sum, counts_people=False)
        found.add_sum(keys["workers"], [keys["without_earnings"], keys["unconverted"],
                                        keys["counted"]])
        found.add_sum(keys["counted"], bands)
        found.add_equation([keys["paid"], bands[0]],
                           [keys["counted"], keys["unconverted"], keys["without_earnings_paid"]])
        found.add_unit([keys["counted"]], [*bands, ratio_sum])
        found.add_unit([keys["workers"]], [*keys.values(), *bands, ratio_sum])
    total_keys = [key for key in found.cells if key[:2] == TOTAL]
    for name in GROUPINGS:
        values = [base[1] for base in cells if base[0] == name]
        if not values:  # nobody counted: no group, and no relation to state
            continue
        for key in total_keys:
            found.add_sum(key, [(name, value, *key[2:]) for value in values])
    return found


def _ratio(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value), 4)


def figures(base: Key, cell: Cell, withheld: Suppression | None) -> dict[str, Any]:
    """One group's figures as the response shows them (``CostCell``'s fields): every one for
    an exact reader (``withheld`` None); else each count null when withheld, and each ratio
    null when what it needs is (the maximum always)."""
    def shown(*key: str) -> bool:
        return withheld is None or withheld.shown((*base, *key))

    counts: dict[str, int | None] = {name: getattr(cell, name) if shown(name) else None
                                     for name in COUNTS}
    workers, paid, counted = counts["workers"], counts["paid"], counts["counted"]
    mean = cell.ratio_sum / counted if counted and shown("ratio_sum") else None
    return {
        "workers": workers, "paid_any_fee": paid,
        "paid_any_fee_share": (round(paid / workers, 4)
                               if paid is not None and workers else None),
        "without_earnings": counts["without_earnings"],
        "without_earnings_paid_any_fee": counts["without_earnings_paid"],
        "unconverted": counts["unconverted"], "counted": counted, "mean_ratio": _ratio(mean),
        "max_ratio": _ratio(cell.max_ratio) if withheld is None else None,
        "bands": {name: cell.bands[name] if shown("band", name) else None for name in BANDS},
    }

"""The demo scenarios, by the name the ``pathways demo`` command takes."""

from collections.abc import Callable
from datetime import date

from demo.plan import Plan
from demo.scenarios import (
    digital_explorers,
    homere,
    match,
    mentor2,
    move_green,
    palim,
    wafira,
    ygca,
)

# name -> (builder, its default seed)
SCENARIOS: dict[str, tuple[Callable[..., Plan], int]] = {
    "homere": (homere.build, homere.SEED),
    "palim": (palim.build, palim.SEED),
    "mentor2": (mentor2.build, mentor2.SEED),
    "digital-explorers": (digital_explorers.build, digital_explorers.SEED),
    "match": (match.build, match.SEED),
    "wafira": (wafira.build, wafira.SEED),
    "ygca": (ygca.build, ygca.SEED),
    "move-green": (move_green.build, move_green.SEED),
}


def build(name: str, *, seed: int | None = None, today: date | None = None) -> Plan:
    """The plan of scenario ``name`` from ``seed`` (its own default when None), anchored on
    ``today`` (the seeding day when None)."""
    builder, default = SCENARIOS[name]
    return builder(default if seed is None else seed, today)

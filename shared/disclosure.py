"""Disclosure control: which figures of an aggregate a reader below officer may see.

Every aggregate a ministry (or any role that reads aggregates but is not the programme's officer
or admin) reads goes through one rule, applied to a whole *release*: everything one response
publishes, as cells and the linear relations between them (a margin is the sum of its parts:
a total of its breakdown, a group of its subgroups).

1. **Primary suppression**: a count of 1 to ``THRESHOLD - 1`` people is withheld, totals
   included. A zero is shown: it counts nobody, and a reader must be able to tell that nobody
   moved or found work.
2. **Units**: some cells describe the population another cell counts (a group's follow-ups
   describe its returnees). When a unit's size is withheld, the whole unit is, zeros included:
   "none of these three created a business" says something about each of the three.
3. **Complementary suppression**: no withheld cell may be derivable by linear arithmetic from
   what is shown. The withheld cells are the unknowns of the release's equations; a cell is
   *determined* when every solution gives it the same value, i.e. its unit vector lies in the
   row space of the equations restricted to the unknowns (checked exactly, with rational
   Gaussian elimination, one connected block of equations at a time). While a withheld cell is
   determined, a shown cell of one of its equations is withheld too: the smallest non-zero
   one (ties by key) of those that leave it undetermined, the size of a unit last as it takes
   its unit with it. So the same figures always withhold the same cells.

One exception to "every withheld cell is undetermined": a withheld zero that is part of a sum
whose total is a shown (or itself such a) zero. Counts are never negative, so any reader knows
it is zero and withholding more cannot hide it; it says no more than the zero total shown. Such
cells are treated as known when the others are checked.

Readers whose role is in :data:`EXACT_ROLES` (the programme's officers, admins, and services
calling each other) read exact figures.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

THRESHOLD = 5
# Roles that read exact figures: everyone else who reads aggregates reads them suppressed.
EXACT_ROLES = frozenset({"admin", "service", "officer"})

Key = tuple[str, ...]
Value = int | Decimal


def withheld(count: int) -> bool:
    """Whether a count of ``count`` people is withheld on its own: 1 to ``THRESHOLD - 1``."""
    return 0 < count < THRESHOLD


def reads_exact(role: str) -> bool:
    """Whether a reader of this role sees every cell exactly (officers, admins, services)."""
    return role in EXACT_ROLES


@dataclass
class Release:
    """What one response publishes: its cells, which of them count people, the sums relating
    them, and the units withheld whole."""

    cells: dict[Key, Value] = field(default_factory=dict)
    people: set[Key] = field(default_factory=set)
    sums: list[tuple[Key, tuple[Key, ...]]] = field(default_factory=list)
    units: list[tuple[frozenset[Key], frozenset[Key]]] = field(default_factory=list)
    # Equations of another shape: the sum of the first cells equals the sum of the second.
    equations: list[tuple[tuple[Key, ...], tuple[Key, ...]]] = field(default_factory=list)
    # Cells a reader is assumed to know anyway, from outside this release (a figure another
    # service publishes, or one no response shows): never withheld to protect another cell,
    # only when small themselves.
    known: set[Key] = field(default_factory=set)

    def add(self, key: Key, value: Value, *, counts_people: bool = True) -> Key:
        """Add a cell (a count of people unless said otherwise); its key."""
        self.cells[key] = value
        if counts_people:
            self.people.add(key)
        return key

    def add_sum(self, margin: Key, parts: Iterable[Key]) -> None:
        """Declare that ``margin`` equals the sum of ``parts``."""
        self.sums.append((margin, tuple(parts)))

    def add_equation(self, left: Iterable[Key], right: Iterable[Key]) -> None:
        """Declare that the cells of ``left`` add up to those of ``right``."""
        self.equations.append((tuple(left), tuple(right)))

    def linear(self) -> list[tuple[tuple[Key, ...], tuple[Key, ...]]]:
        """Every relation as ``sum(left) == sum(right)``."""
        return [((margin,), parts) for margin, parts in self.sums] + self.equations

    def add_unit(self, sizes: Iterable[Key], members: Iterable[Key]) -> None:
        """Declare that ``members`` are withheld whole when any of ``sizes`` is."""
        self.units.append((frozenset(sizes), frozenset(members)))


@dataclass(frozen=True)
class Suppression:
    """The cells a release withholds: ``primary`` (too small), and every other one withheld
    with a unit or to protect them."""

    hidden: frozenset[Key]
    primary: frozenset[Key]
    threshold: int = THRESHOLD

    def shown(self, key: Key) -> bool:
        """Whether the cell ``key`` is published."""
        return key not in self.hidden

    @property
    def count(self) -> int:
        """How many cells are withheld."""
        return len(self.hidden)


def _close_units(release: Release, hidden: set[Key]) -> None:
    """Withhold the members of every unit one of whose sizes is withheld (to a fixed point:
    units nest)."""
    changed = True
    while changed:
        changed = False
        for sizes, members in release.units:
            if sizes & hidden and not members <= hidden:
                hidden |= members
                changed = True


def known_zeros(cells: Mapping[Key, Value], sums: Iterable[tuple[Key, tuple[Key, ...]]],
                hidden: Iterable[Key]) -> set[Key]:
    """The withheld cells any reader knows are zero: parts of a sum whose total is a shown zero
    or itself such a cell (counts are never negative)."""
    hidden = set(hidden)
    sums = list(sums)
    zero: set[Key] = set()
    changed = True
    while changed:
        changed = False
        for margin, parts in sums:
            if cells[margin] == 0 and (margin not in hidden or margin in zero):
                for part in parts:
                    if part in hidden and part not in zero and cells[part] == 0:
                        zero.add(part)
                        changed = True
    return zero


Equation = tuple[tuple[Key, ...], tuple[Key, ...]]


def _rows(equations: Iterable[Equation], unknown: set[Key]) -> list[dict[Key, int]]:
    """Each equation as a row ``sum(left) - sum(right) = shown``, restricted to the unknown
    cells."""
    rows = []
    for left, parts in equations:
        row: dict[Key, int] = defaultdict(int)
        for margin in left:
            if margin in unknown:
                row[margin] += 1
        for part in parts:
            if part in unknown:
                row[part] -= 1
        row = {key: c for key, c in row.items() if c}
        if row:
            rows.append(row)
    return rows


def _blocks(rows: list[dict[Key, int]]) -> list[list[dict[Key, int]]]:
    """The rows grouped by the unknowns they share (independent systems)."""
    parent: dict[Key, Key] = {}

    def find(key: Key) -> Key:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for row in rows:
        first, *rest = row
        for key in rest:
            parent[find(key)] = find(first)
    blocks: dict[Key, list[dict[Key, int]]] = defaultdict(list)
    for row in rows:
        blocks[find(next(iter(row)))].append(row)
    return list(blocks.values())


def _determined_in(rows: list[dict[Key, int]]) -> set[Key]:
    """The unknowns of one block that every solution fixes: in the reduced row echelon form
    (sparse rows of fractions), the pivots whose row holds no free unknown."""
    pivots: dict[Key, dict[Key, Fraction]] = {}
    for given in rows:
        row = {key: Fraction(c) for key, c in given.items()}
        # Reduced rows hold no other pivot: one pass clears every pivot from this row.
        for col in [key for key in row if key in pivots]:
            factor = row.get(col)
            if factor:
                for key, c in pivots[col].items():
                    value = row.get(key, Fraction(0)) - factor * c
                    if value:
                        row[key] = value
                    else:
                        row.pop(key, None)
        if not row:
            continue  # implied by the rows before it
        lead = min(row)
        scale = row[lead]
        row = {key: c / scale for key, c in row.items()}
        for other in pivots.values():
            factor = other.get(lead)
            if factor:
                for key, c in row.items():
                    value = other.get(key, Fraction(0)) - factor * c
                    if value:
                        other[key] = value
                    else:
                        other.pop(key, None)
        pivots[lead] = row
    return {col for col, row in pivots.items() if len(row) == 1}


def determined(equations: Iterable[Equation], unknown: Iterable[Key]) -> set[Key]:
    """The cells of ``unknown`` that the equations (:meth:`Release.linear`) fix once every
    other cell is known."""
    unknown = set(unknown)
    found: set[Key] = set()
    for block in _blocks(_rows(equations, unknown)):
        found |= _determined_in(block)
    return found


def _index(equations: list[Equation]) -> dict[Key, list[int]]:
    """The equations each cell appears in, by position."""
    index: dict[Key, list[int]] = defaultdict(list)
    for n, (left, right) in enumerate(equations):
        for key in {*left, *right}:
            index[key].append(n)
    return index


def _block(equations: list[Equation], index: dict[Key, list[int]], unknown: set[Key],
           key: Key) -> set[int]:
    """The equations of the block of ``key`` when ``unknown`` are unknown."""
    keys, stack, used = {key}, [key], set()
    while stack:
        for n in index.get(stack.pop(), ()):
            if n not in used:
                used.add(n)
                left, right = equations[n]
                for other in (*left, *right):
                    if other in unknown and other not in keys:
                        keys.add(other)
                        stack.append(other)
    return used


def _still_determined(equations: list[Equation], index: dict[Key, list[int]],
                      unknown: set[Key], key: Key) -> bool:
    """Whether ``key`` is determined when ``unknown`` are: only its own block is solved."""
    rows = _rows([equations[n] for n in sorted(_block(equations, index, unknown, key))],
                 unknown)
    return key in _determined_in(rows) if rows else False


def _complement(release: Release, hidden: set[Key], zeros: set[Key], exposed: Key,
                equations: list[Equation], index: dict[Key, list[int]]) -> Key | None:
    """The shown cell to withhold so that ``exposed`` may no longer be derived, in the order
    non-zero before zero, smallest first, ties by key: the first cell of its own equations
    that leaves it undetermined; else the first of the other equations that pin it; else
    (several are needed together) the first of its own equations, or of the others; the size
    of a unit only when no other cell is left, as it takes its unit with it."""
    sizes = {key for unit_sizes, members in release.units if not members <= hidden
             for key in unit_sizes}
    unknown = hidden - zeros

    def order(keys: Iterable[Key]) -> list[Key]:
        return sorted(keys, key=lambda key: (key in sizes, release.cells[key] == 0,
                                             release.cells[key], key))

    def protects(key: Key) -> bool:
        return not _still_determined(equations, index, unknown | {key}, exposed)

    def cells_of(numbers: Iterable[int]) -> set[Key]:
        return {key for n in numbers for key in (*equations[n][0], *equations[n][1])} \
            - hidden - release.known

    near = order(cells_of(index.get(exposed, ())))
    plain = [key for key in near if key not in sizes]
    wider = order(cells_of(_block(equations, index, unknown, exposed)) - sizes - set(near))
    for candidates in (plain, wider):
        found = next((key for key in candidates if protects(key)), None)
        if found is not None:
            return found
    if plain or wider:
        return (plain or wider)[0]
    return next((key for key in near if protects(key)), near[0] if near else None)


def suppress(release: Release, threshold: int = THRESHOLD) -> Suppression:
    """The cells ``release`` withholds (see the module docstring)."""
    primary = {key for key in release.people if 0 < release.cells[key] < threshold}
    hidden = set(primary)
    _close_units(release, hidden)
    equations = release.linear()
    index = _index(equations)
    while True:
        zeros = known_zeros(release.cells, release.sums, hidden)
        exposed = determined(equations, hidden - zeros)
        if not exposed:
            break
        added = False
        # One complement per independent block each round: they do not interfere.
        blocks = _blocks(_rows(equations, hidden - zeros))
        for block in blocks:
            keys = sorted(exposed & {key for row in block for key in row})
            for key in keys:
                extra = _complement(release, hidden, zeros, key, equations, index)
                if extra is not None:
                    hidden.add(extra)
                    added = True
                    break
        if not added:
            # No shown cell left near what is exposed: withhold everything rather than
            # publish a derivable cell (a release never takes this path when its sums hold).
            hidden |= set(release.cells) - release.known
            break
        _close_units(release, hidden)
    return Suppression(hidden=frozenset(hidden), primary=frozenset(primary),
                       threshold=threshold)

"""What a reader can derive from a published table by linear arithmetic, computed independently
of :mod:`shared.disclosure`: a withheld cell is recoverable when adding its unit vector to the
equations (restricted to the withheld cells) leaves their rank over the rationals unchanged."""

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

Key = tuple[Any, ...]
Sum = tuple[Key, tuple[Key, ...]]


def rank(rows: list[list[Fraction]]) -> int:
    """The rank of a rational matrix, by Gaussian elimination."""
    matrix = [list(row) for row in rows]
    found = 0
    width = len(matrix[0]) if matrix else 0
    for col in range(width):
        pivot = next((r for r in range(found, len(matrix)) if matrix[r][col] != 0), None)
        if pivot is None:
            continue
        matrix[found], matrix[pivot] = matrix[pivot], matrix[found]
        for r in range(found + 1, len(matrix)):
            if matrix[r][col] != 0:
                factor = matrix[r][col] / matrix[found][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[found], strict=True)]
        found += 1
    return found


def zeros_by_sign(values: Mapping[Key, Any], sums: Iterable[Sum], hidden: set[Key]) -> set[Key]:
    """Withheld cells a reader knows are 0: parts of a sum whose total is known to be 0."""
    known: set[Key] = set()
    sums = list(sums)
    while True:
        more = {part for margin, parts in sums
                if values[margin] == 0 and (margin not in hidden or margin in known)
                for part in parts if part in hidden and values[part] == 0} - known
        if not more:
            return known
        known |= more


def _echelon(rows: list[list[Fraction]]) -> list[tuple[int, list[Fraction]]]:
    """Rows in echelon form, each with its pivot column."""
    matrix = [list(row) for row in rows]
    found: list[tuple[int, list[Fraction]]] = []
    width = len(matrix[0]) if matrix else 0
    for col in range(width):
        pivot = next((row for row in matrix if row[col] != 0), None)
        if pivot is None:
            continue
        matrix.remove(pivot)
        for row in matrix:
            if row[col] != 0:
                factor = row[col] / pivot[col]
                row[:] = [a - factor * b for a, b in zip(row, pivot, strict=True)]
        found.append((col, pivot))
    return found


def recoverable(sums: Iterable[Sum], hidden: Iterable[Key],
                equations: Iterable[tuple[tuple[Key, ...], tuple[Key, ...]]] = ()) -> set[Key]:
    """The withheld cells whose value the published cells, the sums (margin = sum of parts)
    and the ``equations`` (sum of left = sum of right) fix: those whose unit vector lies in
    the row space of the relations restricted to the withheld cells (each independent block
    of relations on its own)."""
    unknown = set(hidden)
    relations = [((margin,), parts) for margin, parts in sums] + list(equations)
    touching = [[k for k in (*left, *right) if k in unknown] for left, right in relations]
    block_of: dict[Key, int] = {}
    blocks: list[set[Key]] = []
    for keys in touching:
        joined = {block_of[k] for k in keys if k in block_of}
        merged = set(keys).union(*(blocks[b] for b in joined))
        blocks.append(merged)
        for k in merged:
            block_of[k] = len(blocks) - 1
    found: set[Key] = set()
    for n in sorted(set(block_of.values())):
        columns = sorted(blocks[n], key=repr)
        index = {key: i for i, key in enumerate(columns)}
        rows = []
        for (left, right), keys in zip(relations, touching, strict=True):
            if not keys or block_of[keys[0]] != n:
                continue
            row = [Fraction(0)] * len(columns)
            for key, sign in (*((k, 1) for k in left), *((k, -1) for k in right)):
                if key in index:
                    row[index[key]] += sign
            if any(row):
                rows.append(row)
        echelon = _echelon(rows)
        for key in columns:
            vector = [Fraction(0)] * len(columns)
            vector[index[key]] = Fraction(1)
            for col, pivot in echelon:
                if vector[col] != 0:
                    factor = vector[col] / pivot[col]
                    vector = [a - factor * b for a, b in zip(vector, pivot, strict=True)]
            if not any(vector):
                found.add(key)
    return found


def statistics_withheld(exact: dict[str, Any], seen: dict[str, Any]) -> set[Key]:
    """Assert that a programme's statistics as a reader below officer read them (``seen``)
    disclose nothing of the exact ones: shown counts exact, no count of 1 to 4 shown, none
    withheld recoverable from the total every breakdown adds up to and ``trained =
    trained_and_moved + trained_and_stayed``; the withheld cells."""
    cells: dict[Key, int] = {("total",): exact["applications_total"]}
    sums: list[Sum] = []
    for name in ("by_status", "by_gender", "by_nationality"):
        cells |= {(name, key): value for key, value in exact[name].items()}
        sums.append((("total",), tuple((name, key) for key in exact[name])))
    cells |= {("training", key): value for key, value in exact["training"].items()}
    if exact["training"]:
        sums.append((("training", "trained"), (("training", "trained_and_moved"),
                                               ("training", "trained_and_stayed"))))
    shown = {("total",): seen["applications_total"],
             **{(name, key): seen[name].get(key) for name in
                ("by_status", "by_gender", "by_nationality", "training")
                for key in exact[name]}}
    hidden = {key for key, value in shown.items() if value is None}
    assert all(shown[key] == cells[key] for key in cells if key not in hidden)
    assert {key for key, value in cells.items() if 0 < value < 5} <= hidden
    assert not recoverable(sums, hidden)
    return hidden

"""The fairness of a matching run: who was in its pool, proposed, placed and accepted, by gender,
nationality and age band. Pure arithmetic: no database, no HTTP.

Nothing here feeds a score. The scores (:mod:`.scoring`) never read gender, nationality or age;
this module only counts, after the fact, what the run did to each group.

Definitions, per *dimension* (``gender``, ``nationality``, ``age_band``) and per *group* of it
(``female``, ``MA``, ``25-34``…; ``unknown`` when the value is missing: an age band the
candidates service did not send, or a proposal whose candidate's data was erased since):

=================  ===========================================================================
``pool``           candidates the run considered (selected, consented, not already placed):
                   counted when the run ran and kept in its summary, since the pool itself is
                   not stored; adds up to the summary's ``candidates``
``selected``       the run's proposals (whatever became of them): adds up to its ``proposals``
``placed``         proposals that confirming turned into placements: adds up to the run's
                   ``confirmation.created`` (0 before it is confirmed)
``accepted``       of those placements, the ones both parties accepted (the employer, then the
                   candidate: ``accepted_by_candidate`` or any later status, ``visa_refused``
                   and ``ended_early`` included)
``declined``       of those placements, the ones declined (by either party)
``awaiting``       of those placements, the ones still awaiting an acceptance
                   (``placed = accepted + declined + awaiting``)
``*_share``        the group's count over the dimension's total of that count (null when the
                   total is 0): compare ``selected_share`` and ``placed_share`` with
                   ``pool_share``
``selection_rate`` ``selected / pool`` of the group (null when its pool is 0)
``acceptance_rate`` ``accepted / selected`` of the group: of the group's proposals, the share
                   that ended accepted by both parties (null when it has no proposal); it
                   grows while placements are ``awaiting``
=================  ===========================================================================

The pool counts are the picture on the run's day; the other counts are read from the
proposals and their placements when asked, so an erased candidate's proposal moves to
``unknown`` (its gender, nationality and age band were blanked) and every total still adds up.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from services.placements.matching.inputs import GENDERS
from services.placements.placements.models import STATUSES

DIMENSIONS: Final = ("gender", "nationality", "age_band")
UNKNOWN: Final = "unknown"
# The candidates service's age bands (its matching-profile export), in order; services never
# import each other, so this is a copy, used for ordering only: another band is still counted.
AGE_BANDS: Final = ("under-18", "18-24", "25-34", "35-44", "45+")
_ORDER: Final[Mapping[str, Sequence[str]]] = {"gender": GENDERS, "age_band": AGE_BANDS}
# Placement statuses reached once both parties accepted (the candidate accepts after the
# employer), and the one of a refusal by either.
ACCEPTED_BY_BOTH: Final = frozenset(STATUSES) - {"proposed", "accepted_by_employer", "declined"}
DECLINED: Final = frozenset({"declined"})


class Groups(NamedTuple):
    """One person's group in each dimension (None: unknown)."""

    gender: str | None
    nationality: str | None
    age_band: str | None


class Outcome(NamedTuple):
    """How many proposals of one combination of groups ended one way.

    ``placement``: None when the proposal made no placement, else ``accepted``, ``declined``
    or ``awaiting``.
    """

    groups: Groups
    placement: str | None
    proposals: int


@dataclass(frozen=True, slots=True)
class Figures:
    """One group's figures (see the module docstring); also a dimension's totals."""

    group: str
    pool: int
    selected: int
    placed: int = 0
    accepted: int = 0
    declined: int = 0
    pool_share: float | None = None
    selected_share: float | None = None
    placed_share: float | None = None

    @property
    def awaiting(self) -> int:
        """Placements of the group still awaiting an acceptance."""
        return self.placed - self.accepted - self.declined

    @property
    def selection_rate(self) -> float | None:
        """``selected / pool``; None when the pool is empty."""
        return _ratio(self.selected, self.pool)

    @property
    def acceptance_rate(self) -> float | None:
        """``accepted / selected``; None without proposals."""
        return _ratio(self.accepted, self.selected)


@dataclass(frozen=True, slots=True)
class Report:
    """A run's fairness: its totals and each dimension's groups, in a stable order."""

    totals: Figures
    dimensions: dict[str, list[Figures]]


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _key(groups: Groups, dimension: str) -> str:
    value: str | None = getattr(groups, dimension)
    return UNKNOWN if value is None or value == "" else value


def _ordered(dimension: str, groups: Iterable[str]) -> list[str]:
    """Known values in their vocabulary's order, then others alphabetically, unknown last."""
    known = _ORDER.get(dimension, ())
    return sorted(set(groups), key=lambda g: (g == UNKNOWN, g not in known,
                                              known.index(g) if g in known else 0, g))


def _shared(counts: Mapping[str, Counter[str]], dimension: str) -> list[Figures]:
    """The figures of every group of a dimension from per-column counters (a column absent
    counts 0), with shares."""
    empty: Counter[str] = Counter()
    pool, selected, placed, accepted, declined = (
        counts.get(column, empty) for column in ("pool", "selected", "placed", "accepted",
                                                 "declined"))
    totals = [sum(c.values()) for c in (pool, selected, placed)]
    return [Figures(group=group, pool=pool[group], selected=selected[group],
                    placed=placed[group], accepted=accepted[group], declined=declined[group],
                    pool_share=_ratio(pool[group], totals[0]),
                    selected_share=_ratio(selected[group], totals[1]),
                    placed_share=_ratio(placed[group], totals[2]))
            for group in _ordered(dimension, (g for c in counts.values() for g in c))]


def composition(pool: Iterable[Groups], selected: Iterable[Groups]) -> dict[str, Any]:
    """The pool and the proposals of a run by group, as its summary keeps them (JSON-ready):
    ``{dimension: [{group, pool, pool_share, selected, selected_share}, ...]}``."""
    pool, selected = list(pool), list(selected)
    report: dict[str, Any] = {}
    for dimension in DIMENSIONS:
        counts = {"pool": Counter(_key(g, dimension) for g in pool),
                  "selected": Counter(_key(g, dimension) for g in selected)}
        report[dimension] = [{
            "group": f.group, "pool": f.pool, "pool_share": f.pool_share,
            "selected": f.selected, "selected_share": f.selected_share}
            for f in _shared(counts, dimension)]
    return report


def pool_counts(recorded: Mapping[str, Any]) -> dict[str, Counter[str]]:
    """The pool's count per group of each dimension, from what :func:`composition` recorded."""
    return {dimension: Counter({row["group"]: int(row["pool"])
                                for row in recorded.get(dimension, [])})
            for dimension in DIMENSIONS}


def report(pool: Mapping[str, Counter[str]], outcomes: Iterable[Outcome]) -> Report:
    """The run's fairness report from its pool per group (:func:`pool_counts`) and its
    proposals' outcomes (every proposal counted once, in one :class:`Outcome` or another)."""
    outcomes = list(outcomes)
    dimensions: dict[str, list[Figures]] = {}
    for dimension in DIMENSIONS:
        counts: dict[str, Counter[str]] = {"pool": pool.get(dimension, Counter()),
                                           **{c: Counter() for c in ("selected", "placed",
                                                                     "accepted", "declined")}}
        for outcome in outcomes:
            group = _key(outcome.groups, dimension)
            counts["selected"][group] += outcome.proposals
            if outcome.placement is not None:
                counts["placed"][group] += outcome.proposals
            if outcome.placement in ("accepted", "declined"):
                counts[outcome.placement][group] += outcome.proposals
        dimensions[dimension] = _shared(counts, dimension)
    # Every dimension counts the same proposals; the pool's total is the one its groups add
    # up to (the same in every dimension, as recorded).
    first = dimensions[DIMENSIONS[0]]
    totals = Figures(group="all", **{
        column: sum(getattr(f, column) for f in first)
        for column in ("pool", "selected", "placed", "accepted", "declined")})
    return Report(totals=totals, dimensions=dimensions)

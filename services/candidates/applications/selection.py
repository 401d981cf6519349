"""Cohort selection as a pure algorithm: ranked pool, capacity, gender targets → decisions.

No database here, so the rules can be unit-tested on random inputs.

1. **Rank** the pool by score (highest first), then earlier submission, then application id, so
   the same pool always gives the same order (:func:`rank`).
2. **Seats**: ``capacity`` minus the applications already selected (any gender).
3. **Targets** (:mod:`services.candidates.programmes.targets`): either a minimum share, which
   reserves for women and for men each ``ceil(share * capacity)`` seats, capped at
   ``capacity // 2`` so that both reservations fit together (share 0.5 with capacity 5 reserves
   2 + 2, not 3 + 3) — or, when the programme admits only one of them, for that one alone,
   capped at the capacity; or an exact split, ``{gender: seats}``. Each target, minus those of
   its gender already selected, is claimed by the best-ranked of that gender in the pool, as far
   as the pool has them. When the claims together exceed the seats left, the better-ranked win.
4. **Fill** the remaining seats by rank, whatever the gender, except that a gender of an exact
   split stops at its count; seats still free after that (a split gender had too few eligible
   applicants) go by rank to anyone, so the capacity is filled when the pool allows.
5. **Waitlist** everyone else, in rank order (position 1 is the next to be promoted).

A selected entry is reported as holding a "reserved seat" when a waitlisted entry outranks it
(only a target can do that) and as "within capacity" otherwise. Genders without a target
compete for every non-reserved seat on rank. The summary reports every target: the seats asked,
the number selected, whether it was met and, when not, why.

Invariants (checked by the tests): the number selected is ``min(seats, len(pool))``; within one
gender nobody waitlisted outranks anybody selected; a waitlisted entry outranks a selected one
of another gender only when that one holds a reserved seat; each gender reaches its
reservation whenever the pool and the seats allow.
"""

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final, Literal

from services.candidates.programmes import targets as programme_targets

BALANCED_GENDERS: Final = programme_targets.BALANCED_GENDERS
_WORDS: Final = {"female": ("woman", "women"), "male": ("man", "men"),
                 "other": ("candidate of another gender", "candidates of another gender"),
                 "undisclosed": ("candidate of undisclosed gender",
                                 "candidates of undisclosed gender")}
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

Outcome = Literal["selected", "waitlisted"]
TargetKind = Literal["at_least", "exactly"]


@dataclass(frozen=True, slots=True)
class Entry:
    """An application in the selection pool."""

    key: uuid.UUID
    gender: str
    score: Decimal
    submitted_at: datetime | None = None  # timezone-aware


@dataclass(frozen=True, slots=True)
class Decision:
    """What selection decided for one entry."""

    entry: Entry
    rank: int  # 1-based position in the ranked pool
    outcome: Outcome
    reserved: bool  # holds a seat reserved for gender balance
    waitlist_position: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class Target:
    """Seats asked for one gender: at least so many (a share) or exactly so many (a split)."""

    gender: str
    seats: int
    kind: TargetKind


@dataclass(frozen=True, slots=True)
class TargetOutcome:
    """How one target came out, counting the applications selected before the run."""

    gender: str
    kind: TargetKind
    target: int
    selected: int
    met: bool
    reason: str | None


@dataclass(frozen=True, slots=True)
class Summary:
    """Totals after the run, counting the applications selected before it."""

    capacity: int
    seats_available: int
    reserved_per_gender: int
    selected: int
    newly_selected: int
    waitlisted: int
    by_gender: dict[str, int]
    target_met: bool
    target_note: str
    targets: list[TargetOutcome]


def _sort_key(entry: Entry) -> tuple[Decimal, bool, datetime, uuid.UUID]:
    # Never submitted (cannot happen for a screened application) sorts after every submission.
    return (-entry.score, entry.submitted_at is None, entry.submitted_at or _EPOCH, entry.key)


def rank(entries: Sequence[Entry]) -> list[Entry]:
    """The pool in rank order: score desc, submitted_at asc, key asc."""
    return sorted(entries, key=_sort_key)


def reserved_seats(capacity: int, share: Decimal | None, *, balanced: int = 2) -> int:
    """Seats reserved for each balanced gender: ``ceil(share * capacity)``, capped so that the
    reservations of the ``balanced`` genders (women and men: 2) fit together."""
    return programme_targets.min_seats(capacity, share, balanced=balanced)


def targets_for(capacity: int, *, share: Decimal | None, split: Mapping[str, int] | None,
                balanced: Sequence[str] = BALANCED_GENDERS) -> list[Target]:
    """The programme's targets: the exact split when set, else the share's reservations."""
    if split is not None:
        return [Target(g, n, "exactly") for g, n in sorted(split.items())]
    reserved = reserved_seats(capacity, share, balanced=len(balanced))
    return [Target(g, reserved, "at_least") for g in balanced] if reserved else []


def decide(ranked: Sequence[Entry], *, capacity: int, share: Decimal | None,
           already_selected: Mapping[str, int], split: Mapping[str, int] | None = None,
           balanced: Sequence[str] = BALANCED_GENDERS) -> tuple[list[Decision], Summary]:
    """Select from ``ranked`` (already in rank order) following the module docstring."""
    seats = max(0, capacity - sum(already_selected.values()))
    targets = targets_for(capacity, share=share, split=split, balanced=balanced)

    claims: list[int] = []
    for target in targets:
        need = max(0, target.seats - already_selected.get(target.gender, 0))
        claims += [i for i, e in enumerate(ranked) if e.gender == target.gender][:need]
    chosen = set(sorted(claims)[:seats])
    caps = {t.gender: t.seats for t in targets if t.kind == "exactly"}
    count = Counter(already_selected) + Counter(ranked[i].gender for i in chosen)
    for capped in (True, False):  # the split's counts first; then seats nobody else can take
        for i, entry in enumerate(ranked):
            if len(chosen) >= seats:
                break
            full = capped and entry.gender in caps and count[entry.gender] >= caps[entry.gender]
            if i in chosen or full:
                continue
            chosen.add(i)
            count[entry.gender] += 1

    # A seat counts as reserved when somebody better ranked waits: a target, not the rank,
    # won it. (Filling by rank skips only the genders whose split is full.)
    held_for = "the gender split" if caps else "gender balance"
    first_waiting = next((i for i in range(len(ranked)) if i not in chosen), len(ranked))
    decisions: list[Decision] = []
    position = 0
    for i, entry in enumerate(ranked):
        if i in chosen:
            reserved_seat = i > first_waiting
            reason = (f"selected: reserved seat for {held_for} ({entry.gender})"
                      if reserved_seat else f"selected: rank {i + 1} within capacity")
            decisions.append(Decision(entry, i + 1, "selected", reserved_seat, None, reason))
        else:
            position += 1
            why = (f"within capacity by rank but seats reserved for {held_for}"
                   if i < seats else "capacity reached")
            decisions.append(Decision(entry, i + 1, "waitlisted", False, position,
                                      f"waitlisted: position {position}, {why}"))
    return decisions, _summarise(decisions, ranked, capacity=capacity, seats=seats,
                                 targets=targets, share=share,
                                 already_selected=already_selected)


def _word(gender: str, count: int) -> str:
    singular, plural = _WORDS.get(gender, (f"{gender} candidate", f"{gender} candidates"))
    return singular if count == 1 else plural


def _seats(count: int, kind: TargetKind) -> str:
    seats = f"{count} {'reserved ' if kind == 'at_least' else ''}seat{'' if count == 1 else 's'}"
    return seats if kind == "at_least" else f"exactly {seats}"


def _outcome(target: Target, *, got: int, already: int, available: int) -> TargetOutcome:
    """Whether ``target`` was met with ``got`` selected, and why not."""
    want, kind = target.seats, target.kind
    reason: str | None = None
    if got < want and available < want:
        reason = (f"only {available} eligible {_word(target.gender, available)} for "
                  f"{_seats(want, kind)}")
    elif got < want:
        reason = (f"only {got} {_word(target.gender, got)} selected for {_seats(want, kind)}: "
                  "no seats left")
    elif kind == "exactly" and got > want and already > want:
        reason = (f"{already} {_word(target.gender, already)} were selected before this run, "
                  f"more than the split's {want}")
    elif kind == "exactly" and got > want:
        reason = (f"{got} {_word(target.gender, got)} selected for {_seats(want, kind)}: the "
                  "seats the other genders could not fill went to them by rank")
    return TargetOutcome(target.gender, kind, want, got, reason is None, reason)


def _summarise(decisions: Sequence[Decision], ranked: Sequence[Entry], *, capacity: int,
               seats: int, targets: Sequence[Target], share: Decimal | None,
               already_selected: Mapping[str, int]) -> Summary:
    by_gender = Counter({g: n for g, n in already_selected.items() if n})
    by_gender.update(d.entry.gender for d in decisions if d.outcome == "selected")
    newly = sum(1 for d in decisions if d.outcome == "selected")
    pool = Counter(e.gender for e in ranked)
    outcomes = [_outcome(t, got=by_gender.get(t.gender, 0),
                         already=already_selected.get(t.gender, 0),
                         available=already_selected.get(t.gender, 0) + pool.get(t.gender, 0))
                for t in targets]

    met = all(o.met for o in outcomes)
    if not targets:
        note = ("no gender balance target" if not share else
                f"capacity {capacity} is too small to reserve seats for gender balance")
    elif not met:
        note = "; ".join(o.reason for o in outcomes if o.reason)
    else:
        words = " and ".join(f"{t.seats} {_word(t.gender, t.seats)}" for t in targets)
        note = f"{'exactly' if targets[0].kind == 'exactly' else 'at least'} {words} selected"
    reserved = next((t.seats for t in targets if t.kind == "at_least"), 0)
    return Summary(capacity=capacity, seats_available=seats, reserved_per_gender=reserved,
                   selected=sum(by_gender.values()), newly_selected=newly,
                   waitlisted=len(decisions) - newly, by_gender=dict(sorted(by_gender.items())),
                   target_met=met, target_note=note, targets=outcomes)

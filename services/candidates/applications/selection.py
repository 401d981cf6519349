"""Cohort selection as a pure algorithm: ranked pool, capacity, gender share → decisions.

No database here, so the rules can be unit-tested on random inputs.

1. **Rank** the pool by score (highest first), then earlier submission, then application id, so
   the same pool always gives the same order (:func:`rank`).
2. **Seats**: ``capacity`` minus the applications already selected (any gender).
3. **Reserve** for women and for men each ``ceil(share * capacity)`` seats, capped at
   ``capacity // 2`` so that both reservations fit together (share 0.5 with capacity 5 reserves
   2 + 2, not 3 + 3), minus those of that gender already selected. Each reservation is filled by
   the best-ranked of that gender in the pool, as far as the pool has them. When the
   reservations together exceed the seats left, the better-ranked claims win.
4. **Fill** the remaining seats by rank, whatever the gender.
5. **Waitlist** everyone else, in rank order (position 1 is the next to be promoted).

A selected entry is reported as holding a "reserved seat" when a waitlisted entry outranks it
(only a reservation can do that) and as "within capacity" otherwise. Genders other than female
and male compete for every non-reserved seat on rank.

Invariants (checked by the tests): the number selected is ``min(seats, len(pool))``; within one
gender nobody waitlisted outranks anybody selected; a waitlisted entry outranks a selected one
of another gender only when that one holds a reserved seat; each gender reaches its
reservation whenever the pool and the seats allow.
"""

import math
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final, Literal

BALANCED_GENDERS: Final = ("female", "male")
_WORDS: Final = {"female": ("woman", "women"), "male": ("man", "men")}
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

Outcome = Literal["selected", "waitlisted"]


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


def _sort_key(entry: Entry) -> tuple[Decimal, bool, datetime, uuid.UUID]:
    # Never submitted (cannot happen for a screened application) sorts after every submission.
    return (-entry.score, entry.submitted_at is None, entry.submitted_at or _EPOCH, entry.key)


def rank(entries: Sequence[Entry]) -> list[Entry]:
    """The pool in rank order: score desc, submitted_at asc, key asc."""
    return sorted(entries, key=_sort_key)


def reserved_seats(capacity: int, share: Decimal | None) -> int:
    """Seats reserved for each of women and men: ``ceil(share * capacity)``, at most half."""
    if not share or share <= 0:
        return 0
    # Decimal, not float: ceil(0.45 * 20) must be 9, not 10.
    return min(math.ceil(Decimal(share) * capacity), capacity // 2)


def decide(ranked: Sequence[Entry], *, capacity: int, share: Decimal | None,
           already_selected: Mapping[str, int]) -> tuple[list[Decision], Summary]:
    """Select from ``ranked`` (already in rank order) following the module docstring."""
    seats = max(0, capacity - sum(already_selected.values()))
    reserved = reserved_seats(capacity, share)

    claims: list[int] = []
    for gender in BALANCED_GENDERS:
        need = max(0, reserved - already_selected.get(gender, 0))
        claims += [i for i, e in enumerate(ranked) if e.gender == gender][:need]
    chosen = set(sorted(claims)[:seats])
    for i in range(len(ranked)):
        if len(chosen) >= seats:
            break
        chosen.add(i)

    # A seat counts as reserved when somebody better ranked waits: the reservation, not the
    # rank, won it. (Only reservation claims can be outranked so; filling by rank skips nobody.)
    first_waiting = next((i for i in range(len(ranked)) if i not in chosen), len(ranked))
    decisions: list[Decision] = []
    position = 0
    for i, entry in enumerate(ranked):
        if i in chosen:
            reserved_seat = i > first_waiting
            reason = (f"selected: reserved seat for gender balance ({entry.gender})"
                      if reserved_seat else f"selected: rank {i + 1} within capacity")
            decisions.append(Decision(entry, i + 1, "selected", reserved_seat, None, reason))
        else:
            position += 1
            why = ("within capacity by rank but seats reserved for gender balance"
                   if i < seats else "capacity reached")
            decisions.append(Decision(entry, i + 1, "waitlisted", False, position,
                                      f"waitlisted: position {position}, {why}"))
    return decisions, _summarise(decisions, ranked, capacity=capacity, seats=seats,
                                 reserved=reserved, share=share,
                                 already_selected=already_selected)


def _word(gender: str, count: int) -> str:
    singular, plural = _WORDS[gender]
    return singular if count == 1 else plural


def _seats(count: int) -> str:
    return f"{count} reserved seat{'' if count == 1 else 's'}"


def _summarise(decisions: Sequence[Decision], ranked: Sequence[Entry], *, capacity: int,
               seats: int, reserved: int, share: Decimal | None,
               already_selected: Mapping[str, int]) -> Summary:
    by_gender = Counter({g: n for g, n in already_selected.items() if n})
    by_gender.update(d.entry.gender for d in decisions if d.outcome == "selected")
    newly = sum(1 for d in decisions if d.outcome == "selected")
    pool = Counter(e.gender for e in ranked)

    notes: list[str] = []
    met = True
    if not share:
        notes.append("no gender balance target")
    elif reserved == 0:
        notes.append(f"capacity {capacity} is too small to reserve seats for gender balance")
    else:
        for gender in BALANCED_GENDERS:
            got = by_gender.get(gender, 0)
            if got >= reserved:
                continue
            met = False
            available = already_selected.get(gender, 0) + pool.get(gender, 0)
            if available < reserved:
                notes.append(f"only {available} eligible {_word(gender, available)} for "
                             f"{_seats(reserved)}")
            else:
                notes.append(f"only {got} {_word(gender, got)} selected for {_seats(reserved)}: "
                             "no seats left")
        if met:
            notes.append(f"at least {reserved} women and {reserved} men selected")
    return Summary(capacity=capacity, seats_available=seats, reserved_per_gender=reserved,
                   selected=sum(by_gender.values()), newly_selected=newly,
                   waitlisted=len(decisions) - newly, by_gender=dict(sorted(by_gender.items())),
                   target_met=met, target_note="; ".join(notes))

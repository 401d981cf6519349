"""The pure selection algorithm: examples, then invariants over many random pools."""

import random
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.candidates.applications.selection import (
    BALANCED_GENDERS,
    Decision,
    Entry,
    decide,
    rank,
    reserved_seats,
)

T0 = datetime(2026, 2, 1, tzinfo=UTC)


def entry(gender: str, score: float | str, minutes: int = 0) -> Entry:
    return Entry(uuid.uuid4(), gender, Decimal(str(score)), T0 + timedelta(minutes=minutes))


def outcomes(decisions: list[Decision]) -> list[tuple[str, str]]:
    return [(d.entry.gender, d.outcome) for d in decisions]


class TestRank:
    def test_score_then_submission_then_id(self) -> None:
        a, b = entry("male", 50, 5), entry("male", 50, 1)
        c = Entry(uuid.UUID(int=2), "male", Decimal(50), T0)
        d = Entry(uuid.UUID(int=1), "male", Decimal(50), T0)
        top = entry("female", 70, 9)
        assert rank([a, b, c, d, top]) == [top, d, c, b, a]

    def test_never_submitted_comes_last_among_equals(self) -> None:
        late = Entry(uuid.UUID(int=0), "male", Decimal(1), None)
        early = Entry(uuid.UUID(int=9), "male", Decimal(1), T0)
        assert rank([late, early]) == [early, late]


class TestReservedSeats:
    @pytest.mark.parametrize(("capacity", "share", "expected"), [
        (20, "0.45", 9), (20, "0.40", 8), (50, "0.40", 20), (5, "0.5", 2), (3, "0.4", 1),
        (1, "0.45", 0), (10, "0", 0), (10, None, 0), (7, "0.01", 1),
    ])
    def test_ceil_capped_at_half(self, capacity: int, share: str | None, expected: int) -> None:
        assert reserved_seats(capacity, Decimal(share) if share else None) == expected


class TestDecide:
    def test_by_rank_without_target(self) -> None:
        pool = [entry("male", 90 - i) for i in range(5)]
        decisions, summary = decide(pool, capacity=3, share=None, already_selected={})
        assert [d.outcome for d in decisions] == ["selected"] * 3 + ["waitlisted"] * 2
        assert [d.reason for d in decisions] == [
            "selected: rank 1 within capacity", "selected: rank 2 within capacity",
            "selected: rank 3 within capacity", "waitlisted: position 1, capacity reached",
            "waitlisted: position 2, capacity reached"]
        assert (summary.selected, summary.waitlisted, summary.target_met) == (3, 2, True)
        assert summary.target_note == "no gender balance target"

    def test_reserved_seats_go_to_the_best_of_the_gender(self) -> None:
        pool = [entry("male", 90 - i) for i in range(4)] + [entry("female", 50),
                                                             entry("female", 40),
                                                             entry("female", 30)]
        decisions, summary = decide(pool, capacity=4, share=Decimal("0.5"), already_selected={})
        assert outcomes(decisions) == [("male", "selected"), ("male", "selected"),
                                       ("male", "waitlisted"), ("male", "waitlisted"),
                                       ("female", "selected"), ("female", "selected"),
                                       ("female", "waitlisted")]
        assert decisions[4].reason == "selected: reserved seat for gender balance (female)"
        assert decisions[4].reserved and not decisions[0].reserved
        assert decisions[2].reason == ("waitlisted: position 1, within capacity by rank but "
                                       "seats reserved for gender balance")
        assert summary.by_gender == {"female": 2, "male": 2}
        assert summary.target_met
        assert summary.target_note == "at least 2 women and 2 men selected"

    def test_target_not_met_when_the_pool_lacks_women(self) -> None:
        pool = [entry("male", 80 - i) for i in range(25)] + [entry("female", i) for i in range(3)]
        _, summary = decide(pool, capacity=20, share=Decimal("0.5"), already_selected={})
        assert summary.selected == 20 and summary.by_gender == {"female": 3, "male": 17}
        assert not summary.target_met
        assert summary.target_note == "only 3 eligible women for 10 reserved seats"

    def test_earlier_selections_count(self) -> None:
        pool = [entry("male", 90), entry("female", 10), entry("male", 80)]
        decisions, summary = decide(pool, capacity=4, share=Decimal("0.5"),
                                    already_selected={"female": 2, "male": 1})
        # One seat left; women already hold their two reserved seats, men hold one of two.
        assert outcomes(decisions) == [("male", "selected"), ("female", "waitlisted"),
                                       ("male", "waitlisted")]
        assert summary.selected == 4 and summary.newly_selected == 1 and summary.target_met

    def test_no_seat_left(self) -> None:
        decisions, summary = decide([entry("female", 1)], capacity=2, share=Decimal("0.5"),
                                    already_selected={"male": 3})
        assert outcomes(decisions) == [("female", "waitlisted")]
        assert summary.seats_available == 0 and not summary.target_met
        assert summary.target_note == "only 0 women selected for 1 reserved seat: no seats left"

    def test_competing_reservations_beyond_the_seats_go_by_rank(self) -> None:
        # Two seats left, each gender still needs two: the better-ranked claims win.
        pool = [entry("male", 90), entry("female", 80), entry("male", 70), entry("female", 60)]
        decisions, _ = decide(pool, capacity=6, share=Decimal("0.5"),
                              already_selected={"female": 1, "male": 1, "other": 2})
        assert [d.outcome for d in decisions] == ["selected", "selected", "waitlisted",
                                                  "waitlisted"]

    def test_empty_pool(self) -> None:
        decisions, summary = decide([], capacity=3, share=Decimal("0.4"), already_selected={})
        assert decisions == [] and summary.selected == 0 and not summary.target_met
        assert summary.target_note == ("only 0 eligible women for 1 reserved seat; "
                                       "only 0 eligible men for 1 reserved seat")


GENDERS = ["female", "male", "other", "undisclosed"]
SHARES = [None, Decimal("0"), Decimal("0.1"), Decimal("0.25"), Decimal("0.4"),
          Decimal("0.45"), Decimal("0.5")]


def random_case(rng: random.Random) -> tuple[list[Entry], int, Decimal | None, dict[str, int]]:
    gender_weights = [rng.random() for _ in GENDERS]
    pool = [Entry(uuid.UUID(int=rng.getrandbits(128)),
                  rng.choices(GENDERS, weights=gender_weights)[0],
                  Decimal(rng.randint(0, 12)) / 2,  # few distinct scores: many ties
                  T0 + timedelta(minutes=rng.randint(0, 5)))
            for _ in range(rng.randint(0, 40))]
    capacity = rng.randint(1, 25)
    already = {g: rng.randint(0, 4) for g in GENDERS if rng.random() < 0.3}
    return pool, capacity, rng.choice(SHARES), already


@pytest.mark.parametrize("seed", range(400))
def test_invariants_on_random_pools(seed: int) -> None:
    rng = random.Random(seed)
    pool, capacity, share, already = random_case(rng)
    ranked = rank(pool)
    shuffled = pool[:]
    rng.shuffle(shuffled)
    assert rank(shuffled) == ranked  # deterministic whatever the input order

    decisions, summary = decide(ranked, capacity=capacity, share=share, already_selected=already)
    seats = max(0, capacity - sum(already.values()))
    reserved = reserved_seats(capacity, share)
    selected = [d for d in decisions if d.outcome == "selected"]
    waitlisted = [d for d in decisions if d.outcome == "waitlisted"]

    # Every entry decided once, in rank order.
    assert [d.entry for d in decisions] == ranked
    assert [d.rank for d in decisions] == list(range(1, len(ranked) + 1))
    # Seats are filled as far as the pool allows, never beyond.
    assert len(selected) == min(seats, len(ranked))
    # The waitlist is the rest in rank order.
    assert [d.waitlist_position for d in waitlisted] == list(range(1, len(waitlisted) + 1))
    assert all(d.waitlist_position is None for d in selected)
    # "Reserved seat" means somebody better ranked waits.
    best_waiting = min((d.rank for d in waitlisted), default=len(ranked) + 1)
    assert all(d.reserved == (d.rank > best_waiting) for d in selected)

    total = Counter(already) + Counter(d.entry.gender for d in selected)
    for gender in GENDERS:
        ranks_selected = [d.rank for d in selected if d.entry.gender == gender]
        ranks_waiting = [d.rank for d in waitlisted if d.entry.gender == gender]
        # Within a gender nobody waitlisted outranks anybody selected.
        if ranks_selected and ranks_waiting:
            assert max(ranks_selected) < min(ranks_waiting)

    # Across genders, a waitlisted entry outranks a selected one only if that one holds a
    # reserved seat of a gender that has not gone beyond its reservation.
    for d in selected:
        if best_waiting < d.rank:
            assert d.entry.gender in BALANCED_GENDERS
            assert total[d.entry.gender] <= reserved

    # Each gender reaches its reservation when the pool and the seats allow.
    pool_count = Counter(e.gender for e in ranked)
    claims = {g: min(max(0, reserved - already.get(g, 0)), pool_count[g])
              for g in BALANCED_GENDERS}
    new = Counter(d.entry.gender for d in selected)
    if sum(claims.values()) <= seats:
        for gender in BALANCED_GENDERS:
            assert new[gender] >= claims[gender]
    else:
        assert len(selected) == seats
        assert all(d.entry.gender in BALANCED_GENDERS for d in selected)

    # The summary agrees with the decisions.
    assert summary.selected == sum(total.values())
    assert summary.newly_selected == len(selected)
    assert summary.waitlisted == len(waitlisted)
    assert summary.by_gender == {g: n for g, n in sorted(total.items()) if n}
    expected_met = not share or all(total[g] >= reserved for g in BALANCED_GENDERS)
    assert summary.target_met == expected_met


class TestOneGenderShare:
    def test_a_women_only_share_reserves_every_seat_for_women(self) -> None:
        pool = rank([entry("male", 90), entry("female", 50), entry("female", 40)])
        decisions, summary = decide(pool, capacity=3, share=Decimal("1"), already_selected={},
                                    balanced=("female",))
        assert outcomes(decisions)[0] == ("male", "selected")  # a seat women cannot fill
        assert summary.reserved_per_gender == 3
        assert [(t.gender, t.target, t.selected, t.met) for t in summary.targets] == [
            ("female", 3, 2, False)]
        assert summary.target_note == "only 2 eligible women for 3 reserved seats"


@pytest.mark.parametrize("seed", range(200))
def test_exact_split_on_random_pools(seed: int) -> None:
    rng = random.Random(seed)
    pool, capacity, _, already = random_case(rng)
    split = {g: rng.randint(0, capacity) for g in rng.sample(GENDERS, rng.randint(1, 3))}
    while sum(split.values()) > capacity:
        gender = max(split, key=lambda g: split[g])
        split[gender] -= 1
    ranked = rank(pool)
    decisions, summary = decide(ranked, capacity=capacity, share=None, split=split,
                                already_selected=already)
    seats = max(0, capacity - sum(already.values()))
    chosen = [d for d in decisions if d.outcome == "selected"]
    # Capacity first: the seats are filled as far as the pool allows.
    assert len(chosen) == min(seats, len(ranked))
    total = Counter(already) + Counter(d.entry.gender for d in chosen)
    pool_count = Counter(e.gender for e in ranked)
    for outcome in summary.targets:
        gender, want = outcome.gender, split[outcome.gender]
        assert outcome.selected == total[gender]
        assert outcome.met == (total[gender] == want)
        assert (outcome.reason is None) == outcome.met
        if total[gender] > want and already.get(gender, 0) <= want:
            # Only seats nobody outside the capped genders could take go beyond a count.
            others = sum(n for g, n in pool_count.items() if g not in split)
            assert all(d.outcome == "selected" for d in decisions
                       if d.entry.gender not in split) or others == 0
    # Every split gender is met when its pool, the seats and earlier selections allow.
    if all(already.get(g, 0) + pool_count[g] >= n and already.get(g, 0) <= n
           for g, n in split.items()) and sum(
               max(0, n - already.get(g, 0)) for g, n in split.items()) <= seats:
        over = [g for g in split if total[g] > split[g]]
        assert summary.target_met or over

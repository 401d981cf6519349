"""The overview's planned-versus-actual figures, from a programme and its statistics as the
candidates service answers them (to an officer: every count; to a ministry: withheld counts
null, or left out by an older candidates service). The composed overview itself is tested
through the gateway (test_openapi, tests/candidates/agreements/test_partners_gateway with every
actor, and tests/reintegration/indicators/test_disclosure_through_gateway)."""

from typing import Any

import pytest

from gateway.overview import planned_vs_actual

# PALIM: 9,677 applicants, 120 trained, 30 moved.
PALIM = {"code": "PALIM", "planned": {"applicants": None, "trained": 120, "moved": 30}}


def statistics(by_status: dict[str, int | None], *, total: int | None = None,
               training: dict[str, int | None] | None = None,
               suppressed: int = 0) -> dict[str, Any]:
    """Statistics as ``GET /v1/programmes/{id}/statistics`` answers them."""
    shown = [n for n in by_status.values() if n is not None]
    return {"applications_total": sum(shown) if total is None else total,
            "by_status": by_status, "by_gender": {}, "by_nationality": {},
            "training": training or {}, "suppressed_cells": suppressed}


def figures(programme: dict[str, Any], counts: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {name: (value.planned, value.actual)
            for name, value in planned_vs_actual(programme, counts).items()}


def test_planned_beside_actual() -> None:
    counts = statistics({"ineligible": 9_000, "waitlisted": 557, "placed": 12, "returned": 18,
                         "rejected": 90}, training={"enrolled": 130, "trained": 120,
                                                    "trained_and_moved": 30,
                                                    "trained_and_stayed": 90})
    assert figures(PALIM, counts) == {"applicants": (None, 9_677), "trained": (120, 120),
                                      "moved": (30, 30)}


def test_without_planned_figures_every_plan_is_null() -> None:
    # A programme planned nothing, or the candidates service does not have the field yet.
    counts = statistics({"submitted": 3})
    for programme in ({"code": "OLD"}, {"code": "NEW", "planned": None},
                      {"code": "NEW", "planned": {"applicants": None, "trained": None,
                                                  "moved": None}}):
        assert figures(programme, counts) == {"applicants": (None, 3), "trained": (None, 0),
                                              "moved": (None, 0)}


def test_a_status_nobody_is_in_counts_zero() -> None:
    # HOMERe, all back home: nobody is "placed" any more.
    counts = statistics({"returned": 50, "waitlisted": 190, "rejected": 60})
    assert figures(PALIM, counts)["moved"] == (30, 50)


@pytest.mark.parametrize(("by_status", "total", "moved"), [
    # A ministry's statistics left "placed" out (3 people): the moved count is unknown.
    ({"returned": 50, "waitlisted": 190}, 243, None),
    # Something else was left out, but both moved statuses are shown: still exact.
    ({"returned": 50, "placed": 7, "waitlisted": 190}, 249, 57),
    # Every status shown (their sum is the total): an absent one is truly 0.
    ({"returned": 50, "waitlisted": 190}, 240, 50),
])
def test_moved_for_a_ministry(by_status: dict[str, int], total: int,
                              moved: int | None) -> None:
    counts = statistics(by_status, total=total, suppressed=2)
    assert figures(PALIM, counts)["moved"] == (30, moved)
    assert figures(PALIM, counts)["applicants"] == (None, total)


@pytest.mark.parametrize(("training", "suppressed", "trained"), [
    ({"enrolled": 40, "trained": 0, "trained_and_moved": 0, "trained_and_stayed": 0}, 0, 0),
    ({"enrolled": 40, "trained_and_stayed": 38}, 2, None),  # 2 trained, left out
    ({}, 0, 0),  # nobody enrolled
    ({}, 3, None),  # everything left out, or nobody enrolled: unknown
])
def test_trained_for_a_ministry(training: dict[str, int], suppressed: int,
                                trained: int | None) -> None:
    counts = statistics({"submitted": 40}, training=training, suppressed=suppressed)
    assert figures(PALIM, counts)["trained"] == (120, trained)


@pytest.mark.parametrize(("by_status", "total", "moved"), [
    # "placed" withheld (null): the moved count would give it away, so it is null too.
    ({"returned": 50, "placed": None, "waitlisted": None}, 243, None),
    # Other statuses withheld, both moved ones shown: their sum is no secret.
    ({"returned": 50, "placed": 7, "waitlisted": None, "rejected": None}, 260, 57),
    # Nobody placed: an absent status is nobody, whatever else is withheld.
    ({"returned": 50, "waitlisted": None, "rejected": None}, 243, 50),
])
def test_moved_from_withheld_counts(by_status: dict[str, int | None], total: int,
                                    moved: int | None) -> None:
    counts = statistics(by_status, total=total, suppressed=2)
    assert figures(PALIM, counts)["moved"] == (30, moved)


def test_a_withheld_total_and_trained_count_are_null() -> None:
    counts = statistics({"submitted": None}, total=None, suppressed=4, training={
        "enrolled": 3, "trained": None, "trained_and_moved": None, "trained_and_stayed": None})
    counts["applications_total"] = None
    assert figures(PALIM, counts) == {"applicants": (None, None), "trained": (120, None),
                                      "moved": (30, 0)}

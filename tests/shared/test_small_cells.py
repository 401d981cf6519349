"""The small-cell rule every aggregate read by a ministry follows."""

from shared.small_cells import THRESHOLD, withheld


def test_counts_of_1_to_4_are_withheld_0_and_5_or_more_shown() -> None:
    assert THRESHOLD == 5
    assert [n for n in range(12) if withheld(n)] == [1, 2, 3, 4]

"""Small-cell suppression: which counts of people an aggregate shows to a reader of aggregates
only (a ministry).

The rule: a count of 1 to ``THRESHOLD - 1`` people is withheld; 0 and counts of ``THRESHOLD``
or more are shown. So few people could be named from what else is known of them; nobody can be
named from an empty group, and a zero is what tells a programme that nobody moved or nobody
found work. Each service shows a withheld count its own way (the key left out of a map, the
value null, the whole breakdown cell left out when the count is its size) and counts it once in
its ``suppressed_cells``. Totals stay as they are: suppressing them too, so that a withheld cell
cannot be recovered by subtraction, is not done here.
"""

THRESHOLD = 5


def withheld(count: int) -> bool:
    """Whether a count of ``count`` people is withheld: 1 to ``THRESHOLD - 1``."""
    return 0 < count < THRESHOLD


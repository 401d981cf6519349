"""The disclosure-control rule every aggregate read below officer follows: primary suppression,
units withheld whole, and complementary suppression checked against an independent rank
computation (:mod:`tests.linear_system`) on hand-made and random tables."""

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.disclosure import THRESHOLD, Key, Release, reads_exact, suppress, withheld
from tests.linear_system import recoverable, zeros_by_sign


def breakdowns(total: int, *groups: dict[str, int]) -> Release:
    """A total and several breakdowns of it, each summing to it."""
    release = Release()
    release.add(("total",), total)
    for n, group in enumerate(groups):
        parts = [release.add((f"b{n}", name), count) for name, count in group.items()]
        release.add_sum(("total",), parts)
    return release


def table(values: list[list[int]]) -> Release:
    """A two-way table with its row and column margins and its grand total."""
    release = Release()
    rows, columns = len(values), len(values[0])
    for r in range(rows):
        for c in range(columns):
            release.add(("cell", str(r), str(c)), values[r][c])
    for r in range(rows):
        release.add(("row", str(r)), sum(values[r]))
        release.add_sum(("row", str(r)), [("cell", str(r), str(c)) for c in range(columns)])
    for c in range(columns):
        release.add(("column", str(c)), sum(row[c] for row in values))
        release.add_sum(("column", str(c)), [("cell", str(r), str(c)) for r in range(rows)])
    release.add(("total",), sum(map(sum, values)))
    release.add_sum(("total",), [("row", str(r)) for r in range(rows)])
    release.add_sum(("total",), [("column", str(c)) for c in range(columns)])
    return release


def protected(release: Release) -> None:
    """Every withheld cell is undetermined (but the zeros a zero total shows), every count of
    1 to 4 people is withheld, and a second run withholds the same cells."""
    result = suppress(release)
    assert result == suppress(release)
    assert {k for k in release.people if withheld(int(release.cells[k]))} <= result.hidden
    zeros = zeros_by_sign(release.cells, release.sums, set(result.hidden))
    assert all(release.cells[k] == 0 for k in zeros)
    assert not recoverable(release.sums, result.hidden - zeros, release.equations)


class TestPrimary:
    def test_counts_of_1_to_4_are_withheld_0_and_5_or_more_shown(self) -> None:
        assert THRESHOLD == 5
        assert [n for n in range(12) if withheld(n)] == [1, 2, 3, 4]

    def test_officers_admins_and_services_read_exact_figures(self) -> None:
        assert [r for r in ("admin", "service", "officer", "ministry", "employer",
                            "institution", "visa_authority", "candidate") if reads_exact(r)] \
            == ["admin", "service", "officer"]

    def test_a_total_is_withheld_too(self) -> None:
        # total.returnees: 1, with the threshold at 5.
        result = suppress(breakdowns(1, {"female": 1, "male": 0}))
        assert result.hidden == {("total",), ("b0", "female")}
        assert result.shown(("b0", "male"))

    def test_counts_not_of_people_are_not_withheld_on_their_own(self) -> None:
        release = Release()
        release.add(("amount",), 3, counts_people=False)
        assert suppress(release).hidden == frozenset()


class TestComplementary:
    def test_the_issue_s_employment_by_country(self) -> None:
        # 6 in total, 5 for Morocco: Tunisia's 1 was 6 - 5.
        result = suppress(breakdowns(6, {"MA": 5, "TN": 1}))
        assert result.hidden == {("b0", "MA"), ("b0", "TN")}
        assert result.primary == {("b0", "TN")}
        assert result.count == 2

    def test_the_issue_s_businesses_by_gender(self) -> None:
        # 2 in total, 0 for women: the men's 2 was 2 - 0. The total is withheld now.
        result = suppress(breakdowns(2, {"female": 0, "male": 2}))
        assert result.hidden == {("total",), ("b0", "male")}

    def test_the_smallest_non_zero_cell_goes_first_ties_by_key(self) -> None:
        result = suppress(breakdowns(30, {"a": 9, "b": 3, "c": 0, "d": 9, "e": 9}))
        assert result.hidden == {("b0", "a"), ("b0", "b")}

    def test_two_breakdowns_sharing_a_total(self) -> None:
        # By gender nothing is small; by country one is: withholding its complement must not
        # leave it derivable through the total either.
        release = breakdowns(20, {"female": 10, "male": 10}, {"MA": 12, "TN": 6, "EG": 2})
        result = suppress(release)
        assert result.hidden == {("b1", "EG"), ("b1", "TN")}
        protected(release)

    def test_a_unit_goes_whole_and_is_protected(self) -> None:
        release = Release()
        for group, size, created in (("all", 9, 2), ("female", 6, 2), ("male", 3, 0)):
            release.add((group, "people"), size)
            release.add((group, "businesses"), created)
            release.add_unit([(group, "people")], [(group, "businesses")])
        release.add_sum(("all", "people"), [("female", "people"), ("male", "people")])
        release.add_sum(("all", "businesses"), [("female", "businesses"),
                                                ("male", "businesses")])
        result = suppress(release)
        # The 3 men go whole (their 0 businesses too); so must the women, or 9 - 6 = 3.
        assert {("male", "people"), ("male", "businesses"), ("female", "people"),
                ("female", "businesses")} <= result.hidden
        protected(release)

    def test_a_hidden_zero_under_a_zero_total_is_not_protected(self) -> None:
        release = Release()
        groups = ("female", "male", "unknown")
        for group, size in (("all", 11), ("female", 6), ("male", 3), ("unknown", 2)):
            release.add((group, "people"), size)
            release.add((group, "late"), 0)
            release.add_unit([(group, "people")], [(group, "late")])
        release.add_sum(("all", "people"), [(group, "people") for group in groups])
        release.add_sum(("all", "late"), [(group, "late") for group in groups])
        result = suppress(release)
        # Nobody was late: the small groups' withheld 0 is no secret, and the women's 0 stays.
        assert result.hidden == {("male", "people"), ("male", "late"), ("unknown", "people"),
                                 ("unknown", "late")}
        protected(release)

    def test_a_two_way_table(self) -> None:
        release = table([[20, 1, 9], [7, 8, 30], [6, 12, 2]])
        result = suppress(release)
        assert {("cell", "0", "1"), ("cell", "2", "2")} <= result.hidden
        protected(release)


counts = st.integers(min_value=0, max_value=14)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(counts, min_size=2, max_size=4), min_size=2, max_size=4).filter(
    lambda rows: len({len(r) for r in rows}) == 1))
def test_random_two_way_tables_are_protected(values: list[list[int]]) -> None:
    protected(table(values))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from("abcdef"), counts, min_size=1, max_size=5),
                min_size=1, max_size=4))
def test_random_breakdowns_sharing_a_total_are_protected(groups: list[dict[str, int]]) -> None:
    # Every breakdown of the same people: scale each to the first one's total.
    total = sum(groups[0].values())
    fitted = [groups[0]]
    for group in groups[1:]:
        keys = sorted(group)
        rest = total - sum(group[k] for k in keys[:-1])
        if rest >= 0:
            fitted.append({**group, keys[-1]: rest})
    protected(breakdowns(total, *fitted))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(0, 12)),
                min_size=1, max_size=4))
def test_random_nested_groups_with_units_are_protected(
        groups: list[tuple[int, int, int]]) -> None:
    # Groups of people; each splits into answered and missed (due = answered + missed), and
    # answered into working and not (working is a unit of the group: its size goes, it goes).
    release = Release()
    keys: dict[str, list[Key]] = {name: [] for name in ("due", "answered", "missed",
                                                         "working", "idle")}
    for n, (working, idle, missed) in enumerate(groups):
        group = f"g{n}"
        due = release.add((group, "due"), working + idle + missed)
        answered = release.add((group, "answered"), working + idle)
        parts = {"due": due, "answered": answered,
                 "missed": release.add((group, "missed"), missed),
                 "working": release.add((group, "working"), working),
                 "idle": release.add((group, "idle"), idle)}
        release.add_sum(due, [answered, parts["missed"]])
        release.add_sum(answered, [parts["working"], parts["idle"]])
        release.add_unit([due], [answered, parts["missed"], parts["working"], parts["idle"]])
        for name, key in parts.items():
            keys[name].append(key)
    for name, parts_of in keys.items():
        margin = release.add(("all", name), sum(int(release.cells[k]) for k in parts_of))
        release.add_sum(margin, parts_of)
    protected(release)

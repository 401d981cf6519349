"""Reading CSV and NDJSON lines into candidate documents."""

import csv
import io
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from services.candidates.imports.parsing import read_lines

HEADER = ["given_name", "email", "skills", "languages", "preferred_countries",
          "education_level", "education_year"]


def _csv(*rows: list[str], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue().encode()


def test_cells_become_a_document() -> None:
    content = _csv(["Amina", "a@example.org", "python; https://x.org/s/1 ;; sql",
                    "fr:B2; ar : C2", "FR; BE", "master", "2023"])
    [(number, document)] = read_lines(content, "csv")
    assert number == 2
    assert document == {
        "given_name": "Amina", "email": "a@example.org",
        "skills": [{"label": "python"}, {"uri": "https://x.org/s/1"}, {"label": "sql"}],
        "languages": [{"language": "fr", "level": "B2"}, {"language": "ar", "level": "C2"}],
        "preferred_countries": ["FR", "BE"],
        "education": [{"level": "master", "year": "2023"}],
    }


def test_blank_cells_are_absent_and_blank_lines_skipped() -> None:
    content = _csv(["Amina", "  ", "", " ", "", "", ""]) + b"\nYoussef,y@example.org,,,,,\n"
    lines = list(read_lines(content, "csv"))
    assert lines == [(2, {"given_name": "Amina"}),
                     (4, {"given_name": "Youssef", "email": "y@example.org"})]


def test_unreadable_lines_are_reported_with_their_number() -> None:
    content = _csv(["Amina", "a@example.org", "", "fr-B2", "", "", ""],
                   ["too", "few"],
                   ["Youssef", "y@example.org", "", "", "", "", ""])
    lines = list(read_lines(content, "csv"))
    assert [number for number, _ in lines] == [2, 3, 4]
    assert lines[0][1] == "language 'fr-B2' must look like 'fr:B2'"
    assert lines[1][1] == "2 cells where the header has 7 columns"


def test_a_quoted_cell_over_two_lines_is_numbered_by_its_last() -> None:
    content = _csv(["Amina", "a@example.org", "python\nsql", "", "", "", ""],
                   ["Youssef", "y@example.org", "", "", "", "", ""])
    assert [number for number, _ in read_lines(content, "csv")] == [3, 4]


def test_ndjson_lines() -> None:
    content = b'{"given_name": " Amina "}\n\n[1]\n{broken\n'
    lines = list(read_lines(content, "ndjson"))
    assert lines[0] == (1, {"given_name": " Amina "})  # as sent: validation strips it
    assert lines[1] == (3, "not a JSON object")
    assert lines[2][0] == 4 and lines[2][1].startswith("not valid JSON")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    return [s for item in value for s in _strings(item)]


_CELL = st.text(st.sampled_from(" \t\u00a0\u2003;:ab,\"h/"), max_size=12)


@given(st.lists(_CELL, min_size=len(HEADER), max_size=len(HEADER)))
def test_every_csv_string_is_stripped(cells: list[str]) -> None:
    # The import validates CSV lines without pydantic's stripping (schemas.py), counting on this.
    [(_, document)] = read_lines(_csv(cells), "csv")
    if isinstance(document, dict):
        assert all(s == s.strip() for s in _strings(document))

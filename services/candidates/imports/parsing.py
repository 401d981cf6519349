"""Reading an import file into candidate documents, line by line.

Two formats:

* **NDJSON**: one JSON object per line, exactly the body of ``POST /v1/candidates``.
* **CSV** with a header row. Flat columns carry the same names as the JSON fields; the nested
  ones are packed so a spreadsheet can hold them:

  ``skills``            ``python; sql; https://data.europa.eu/esco/skill/abc`` (URIs recognised)
  ``languages``         ``fr:B2; ar:C2``
  ``preferred_sectors`` / ``preferred_countries``  ``ict; electrical_engineering`` / ``FR; BE``
  ``education_level``, ``education_field``, ``education_institution``, ``education_year``
                        one education entry (the highest); omit all four for none

Empty cells are absent values. A line that cannot be parsed at all is reported like any other
bad line.
"""

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

import orjson

FORMATS = ("csv", "ndjson")
_LISTS = ("preferred_sectors", "preferred_countries")
_EDUCATION = ("education_level", "education_field", "education_institution", "education_year")


class UnreadableLine(ValueError):
    """A line that is not a JSON object / CSV record of the expected shape."""


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _skill(item: str) -> dict[str, str]:
    return {"uri": item} if item.startswith(("http://", "https://")) else {"label": item}


def _language(item: str) -> dict[str, str]:
    language, sep, level = item.partition(":")
    if not sep:
        raise UnreadableLine(f"language '{item}' must look like 'fr:B2'")
    return {"language": language.strip(), "level": level.strip()}


def _put_text(document: dict[str, Any], education: dict[str, Any], name: str, cell: str) -> None:
    document[name] = cell


def _put_list(document: dict[str, Any], education: dict[str, Any], name: str, cell: str) -> None:
    document[name] = _split(cell)


def _put_skills(document: dict[str, Any], education: dict[str, Any], name: str,
                cell: str) -> None:
    document[name] = [_skill(item) for item in _split(cell)]


def _put_languages(document: dict[str, Any], education: dict[str, Any], name: str,
                   cell: str) -> None:
    document[name] = [_language(item) for item in _split(cell)]


def _put_education(document: dict[str, Any], education: dict[str, Any], name: str,
                   cell: str) -> None:
    education[name.removeprefix("education_")] = cell


_Put = Callable[[dict[str, Any], dict[str, Any], str, str], None]


def _put_for(column: str) -> _Put:
    if column == "skills":
        return _put_skills
    if column == "languages":
        return _put_languages
    if column in _LISTS:
        return _put_list
    if column in _EDUCATION:
        return _put_education
    return _put_text


def _csv_documents(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    # csv.reader and one converter per column chosen once from the header: a large file spends
    # most of its parsing time in this loop.
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return
    columns = [(index, name.strip(), _put_for(name.strip())) for index, name in enumerate(header)]
    width = len(header)
    for cells in reader:
        number = reader.line_num
        if not cells:
            continue
        if len(cells) != width:
            yield number, f"{len(cells)} cells where the header has {width} columns"
            continue
        document: dict[str, Any] = {}
        education: dict[str, Any] = {}
        try:
            for index, name, put in columns:
                cell = cells[index].strip()
                if cell:
                    put(document, education, name, cell)
        except UnreadableLine as exc:
            yield number, str(exc)
            continue
        if education:
            document["education"] = [education]
        yield number, document


def read_lines(content: bytes, file_format: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Yield ``(line number, document)`` or ``(line number, why it is unreadable)``.

    Line numbers are those a person sees in an editor (CSV: the header is line 1).
    """
    if file_format == "ndjson":
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                document = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield number, f"not valid JSON: {exc.msg}"
                continue
            yield number, document if isinstance(document, dict) else "not a JSON object"
        return
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        yield 1, "the file is not UTF-8 text"
        return
    yield from _csv_documents(text)

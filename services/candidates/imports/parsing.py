"""Reading an import file into candidate documents, line by line.

Two formats:

* **NDJSON**: one JSON object per line, exactly the body of ``POST /v1/candidates`` (with the
  application's fields, in an import of applications).
* **CSV** with a header row. Flat columns carry the same names as the JSON fields; the nested
  ones are packed so a spreadsheet can hold them:

  ``skills``            ``python; sql; http://data.europa.eu/esco/skill/…`` (URIs recognised)
  ``languages``         ``fr:B2; ar:C2``
  ``preferred_sectors`` / ``preferred_countries``  ``ict; electrical_engineering`` / ``FR; BE``
  ``education_level``, ``education_field``, ``education_institution``, ``education_year``
                        one education entry (the highest); omit all four for none
  ``consents``          ``data_processing; visa_file_sharing`` (an import of applications)

Every value read from a CSV is stripped (``str.strip``), which the import counts on: it does not
validate them with pydantic's own stripping. Empty cells (or only spaces) are absent values. A
line that cannot be parsed at all is reported like any other bad line.
"""

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from shared.i18n import _

FORMATS = ("csv", "ndjson")
_EDUCATION = ("education_level", "education_field", "education_institution", "education_year")
_URI_SCHEMES = ("http://", "https://")

Document = dict[str, Any]


class UnreadableLine(ValueError):
    """A line that is not a JSON object / CSV record of the expected shape."""


def _split(cell: str) -> list[str]:
    # map/filter run in C: this splits every packed cell of every line of a large file.
    return list(filter(None, map(str.strip, cell.split(";"))))


def _skills(cell: str) -> list[dict[str, str]]:
    items = _split(cell)
    if "://" not in cell:  # no URI anywhere in the cell, the usual case: labels only
        return [{"label": item} for item in items]
    return [{"uri": item} if item.startswith(_URI_SCHEMES) else {"label": item}
            for item in items]


def _language(item: str) -> dict[str, str]:
    language, sep, level = item.partition(":")
    if not sep:
        raise UnreadableLine(_("language '{item}' must look like 'fr:B2'", item=item))
    return {"language": language.strip(), "level": level.strip()}


def _languages(cell: str) -> list[dict[str, str]]:
    return [_language(item) for item in _split(cell)]


# How a packed cell becomes its JSON field; every other column is copied as it is.
_PACKED: dict[str, Callable[[str], list[Any]]] = {
    "skills": _skills, "languages": _languages,
    "preferred_sectors": _split, "preferred_countries": _split, "consents": _split,
}


def _document_builder(header: list[str]) -> Callable[[list[str]], Document]:
    """A function turning the cells of one record under ``header`` into a candidate document.

    The columns are sorted out once, from the header, so each line costs a few comprehensions
    rather than a lookup per cell: a large file spends most of its parsing time here. Raises
    :class:`UnreadableLine` for a packed cell that cannot be unpacked.
    """
    names = [name.strip() for name in header]
    flat = [(index, name) for index, name in enumerate(names)
            if name not in _PACKED and name not in _EDUCATION]
    packed = [(index, name, _PACKED[name]) for index, name in enumerate(names)
              if name in _PACKED]
    education = [(index, name.removeprefix("education_")) for index, name in enumerate(names)
                 if name in _EDUCATION]

    def build(cells: list[str]) -> Document:
        document: Document = {name: cell for index, name in flat
                              if (cell := cells[index].strip())}
        for index, name, unpack in packed:
            if cell := cells[index].strip():
                document[name] = unpack(cell)
        if education and (entry := {name: cell for index, name in education
                                    if (cell := cells[index].strip())}):
            document["education"] = [entry]
        return document

    return build


def _csv_documents(text: str) -> Iterator[tuple[int, Document | str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return
    build = _document_builder(header)
    width = len(header)
    for cells in reader:
        if not cells:
            continue
        if len(cells) != width:
            yield reader.line_num, f"{len(cells)} cells where the header has {width} columns"
            continue
        try:
            yield reader.line_num, build(cells)
        except UnreadableLine as exc:
            yield reader.line_num, str(exc)


def _ndjson_documents(content: bytes) -> Iterator[tuple[int, Document | str]]:
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            document = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield number, f"not valid JSON: {exc.msg}"
            continue
        yield number, document if isinstance(document, dict) else "not a JSON object"


def read_lines(content: bytes, file_format: str) -> Iterator[tuple[int, Document | str]]:
    """Yield ``(line number, document)`` or ``(line number, why it is unreadable)``.

    Line numbers are those a person sees in an editor (CSV: the header is line 1; a record
    whose quoted cell spans lines is numbered by its last line).
    """
    if file_format == "ndjson":
        yield from _ndjson_documents(content)
        return
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        yield 1, "the file is not UTF-8 text"
        return
    yield from _csv_documents(text)

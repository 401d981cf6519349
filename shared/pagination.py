"""Keyset pagination over any ordering columns, with a hard maximum page size.

A list is ordered by some columns, the last of them unique (usually the id): ``(created_at,
id)``, ``(window_closes_at, id)``, ``(position, code)``. A cursor carries the values of those
columns for the last item of the previous page, as a JSON array, opaque to clients (base64url).
Reading one back takes the kinds of the values (datetime, date, UUID, int, text): a cursor that
does not hold values of those kinds, tampered or issued by a list ordered otherwise, is a 400.
"""

import base64
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

import asyncpg
import orjson
from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import tuple_

from shared.errors import InvalidCursor
from shared.i18n import _

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
# Most lists: oldest first, the id breaking ties.
BY_CREATION = ("created_at", "id")
T = TypeVar("T")
Statement = TypeVar("Statement")


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` to get the next one."""

    items: list[T]
    next_cursor: str | None = Field(None, description="Absent on the last page.")


@dataclass(frozen=True, slots=True)
class PageParams:
    """The requested page: its size and where it starts (the ordering values it follows)."""

    limit: int
    after: tuple[Any, ...] | None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not text")
    return value


def _integer(value: Any) -> int:
    if type(value) is not int:  # bool is an int, and no ordering column of ours
        raise TypeError("not an integer")
    return value


# How a cursor's JSON value is read back, per kind of ordering column.
_READERS: dict[type, Callable[[Any], Any]] = {
    datetime: lambda value: datetime.fromisoformat(_text(value)),
    date: lambda value: date.fromisoformat(_text(value)),
    uuid.UUID: lambda value: uuid.UUID(_text(value)),
    int: _integer,
    str: _text,
}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode_cursor(*values: Any) -> str:
    """The opaque cursor pointing after the item whose ordering columns hold ``values``."""
    raw = orjson.dumps([_json_value(v) for v in values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, key: type = uuid.UUID, *,
                  by: Sequence[type] = (datetime,)) -> tuple[Any, ...]:
    """Read a cursor back: values of the kinds ``by`` (a creation time unless the list is
    ordered otherwise), then its unique ``key`` (a UUID unless the rows are keyed by text).

    A tampered cursor, or one of a list ordered by other kinds of values, is a 400 problem.
    """
    readers = [_READERS[kind] for kind in (*by, key)]
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
        if not isinstance(values, list) or len(values) != len(readers):
            raise ValueError("not the values of this list's ordering")
        return tuple(read(value) for read, value in zip(readers, values, strict=True))
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise InvalidCursor(_("The cursor is not one this API issued.")) from exc


class PageQuery(BaseModel):
    """``limit`` and ``cursor`` as a query model: read by :func:`paging`'s dependencies, and
    extended by a list whose route reads its whole query as one model (``Annotated[Model,
    Query()]``) so that its express lane (``shared.express``) reads it the very same way."""

    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE,
                       description=f"Page size, at most {MAX_PAGE_SIZE}.")
    cursor: str | None = Field(None, max_length=200,
                               description="`next_cursor` of the previous page.")

    def page(self, key: type = uuid.UUID, *, by: Sequence[type] = (datetime,)) -> PageParams:
        """The page asked for, of a list ordered by ``by`` then ``key`` (by default
        ``(created_at, id)``); a 400 for a foreign cursor."""
        return PageParams(limit=self.limit,
                          after=decode_cursor(self.cursor, key, by=by) if self.cursor else None)


def paging(key: type = uuid.UUID, *,
           by: Sequence[type] = (datetime,)) -> Callable[..., Awaitable[PageParams]]:
    """The dependency reading ``limit`` and ``cursor`` (:class:`PageQuery`) of a list ordered
    by values of the kinds ``by`` then ``key`` (see :func:`decode_cursor`); :data:`PageDep` for
    ``(created_at, id)``."""
    by = tuple(by)

    # async although it awaits nothing: FastAPI runs a plain ``def`` dependency in a worker
    # thread, a hand-off that costs more than the work on a hot list endpoint.
    async def page_params(query: Annotated[PageQuery, Query()]) -> PageParams:
        """Dependency reading ``limit`` and ``cursor`` from the query string."""
        return query.page(key, by=by)

    return page_params


page_params = paging()
PageDep = Annotated[PageParams, Depends(page_params)]


def keyset(statement: Statement, columns: Sequence[Any], params: PageParams) -> Statement:
    """Apply the page to a SQLAlchemy select: rows after the cursor's in the order of
    ``columns`` (the last one unique), ``limit + 1`` of them to tell whether more follow."""
    paged: Any = statement
    if params.after is not None:
        paged = paged.where(tuple_(*columns) > tuple_(*params.after))
    limited: Statement = paged.order_by(*columns).limit(params.limit + 1)
    return limited


def _split(rows: Sequence[Any], params: PageParams,
           columns: Sequence[str]) -> tuple[Sequence[Any], str | None]:
    """The page's rows and the cursor after its last one, which reads ``columns`` (by name,
    from a mapping or a record, else as attributes); no cursor on the last page."""
    items = rows[: params.limit]
    if len(rows) <= params.limit:
        return items, None
    last = items[-1]
    if isinstance(last, Mapping | asyncpg.Record):
        return items, encode_cursor(*(last[name] for name in columns))
    return items, encode_cursor(*(getattr(last, name) for name in columns))


def page_of(rows: Sequence[Any], params: PageParams,
            columns: Sequence[str] = BY_CREATION) -> tuple[list[Any], str | None]:
    """Split rows fetched with ``limit + 1`` (:func:`keyset`) into the page's items and the
    next cursor, read from the last item's ordering ``columns``."""
    items, next_cursor = _split(rows, params, columns)
    return list(items), next_cursor


def raw_page_body(rows: Sequence[Any], params: PageParams, *, document: str = "doc",
                  columns: Sequence[str] = BY_CREATION) -> bytes:
    """The JSON of a :class:`Page` from rows whose items are already serialised JSON text.

    For hot read paths where Postgres renders each item: rows (fetched with ``limit + 1``) carry
    the ordering ``columns`` and the item's JSON in the column ``document``; nothing is parsed.
    """
    items, next_cursor = _split(rows, params, columns)
    joined = ",".join([row[document] for row in items]).encode()
    return b'{"items":[' + joined + b'],"next_cursor":' + orjson.dumps(next_cursor) + b"}"

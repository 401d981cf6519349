"""Keyset pagination with a hard maximum page size.

A cursor is the ``(created_at, id)`` of the last item of the previous page, opaque to clients.
"""

import base64
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import tuple_

from shared.errors import InvalidCursor

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` to get the next one."""

    items: list[T]
    next_cursor: str | None = Field(None, description="Absent on the last page.")


@dataclass(frozen=True, slots=True)
class PageParams:
    """The requested page: its size and where it starts."""

    limit: int
    after: tuple[datetime, uuid.UUID] | None


def encode_cursor(created_at: datetime, id_: uuid.UUID | str) -> str:
    """The opaque cursor pointing after the item ``(created_at, id_)``."""
    raw = orjson.dumps([created_at.isoformat(), str(id_)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, key: Callable[[str], Any] = uuid.UUID) -> tuple[datetime, Any]:
    """Read a cursor back, its id read by ``key`` (a UUID unless the rows are keyed by text);
    a tampered or foreign one is a 400 problem."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, id_ = orjson.loads(raw)
        return datetime.fromisoformat(created_at), key(str(id_))
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise InvalidCursor("The cursor is not one this API issued.") from exc


# async although it awaits nothing: FastAPI runs a plain ``def`` dependency in a worker thread,
# a hand-off that costs more than the work on a hot list endpoint.
async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE,
                                description=f"Page size, at most {MAX_PAGE_SIZE}.")]
    = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=200,
                                        description="`next_cursor` of the previous page.")]
    = None,
) -> PageParams:
    """Dependency reading ``limit`` and ``cursor`` from the query string."""
    return PageParams(limit=limit, after=decode_cursor(cursor) if cursor else None)


PageDep = Annotated[PageParams, Depends(page_params)]


def page_of(rows: Sequence[Any], params: PageParams) -> tuple[list[Any], str | None]:
    """Split rows fetched with ``limit + 1`` into the page's items and the next cursor.

    Rows are mappings or objects with ``created_at`` and ``id``.
    """
    items = list(rows[: params.limit])
    if len(rows) <= params.limit:
        return items, None
    last = items[-1]
    if isinstance(last, Mapping):
        return items, encode_cursor(last["created_at"], last["id"])
    return items, encode_cursor(last.created_at, last.id)


def raw_page_body(rows: Sequence[Any], params: PageParams, *, document: str = "doc") -> bytes:
    """The JSON of a :class:`Page` from rows whose items are already serialised JSON text.

    For hot read paths where Postgres renders each item: rows (fetched with ``limit + 1``) carry
    ``created_at``, ``id`` and the item's JSON in the column ``document``; nothing is parsed.
    """
    items = rows[: params.limit]
    next_cursor = None
    if len(rows) > params.limit:
        last = items[-1]
        next_cursor = encode_cursor(last["created_at"], last["id"])
    joined = ",".join([row[document] for row in items]).encode()
    return b'{"items":[' + joined + b'],"next_cursor":' + orjson.dumps(next_cursor) + b"}"


def keyset(statement: Any, created_at: Any, id_: Any, params: PageParams) -> Any:
    """Apply the page to a SQLAlchemy select ordered by ``(created_at, id)``: ``limit + 1``."""
    if params.after is not None:
        statement = statement.where(tuple_(created_at, id_) > tuple_(*params.after))
    return statement.order_by(created_at, id_).limit(params.limit + 1)

"""What every router of the service uses: the clock, resources with their ETag, pages, CSV."""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends
from pydantic import BaseModel
from starlette.responses import Response

from shared.pagination import Page, PageParams, encode_cursor
from shared.responses import json_response

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


async def utc_now() -> datetime:
    """Now, in UTC: when a request happens. Tests override this dependency to move time."""
    return datetime.now(UTC)


NowDep = Annotated[datetime, Depends(utc_now)]


def utc_date(now: datetime) -> date:
    """The calendar date of ``now`` in UTC, the API's calendar."""
    return now.astimezone(UTC).date()


def resource(out: type[BaseModel], row: Any, *, collection: str,
             status_code: int = 200) -> Response:
    """``row`` as ``out`` with its ETag; a 201 also gives its Location in ``collection``."""
    return json_response(out.model_validate(row), status_code=status_code, version=row.version,
                         location=f"{collection}/{row.id}" if status_code == 201 else None)


def page(out: type[BaseModel], rows: Sequence[Any], params: PageParams, *,
         order: str = "created_at") -> Response:
    """A page of ``rows`` (fetched with ``limit + 1``, ordered by ``(order, id)``) as ``out``
    items, with the cursor after its last item."""
    items = list(rows[: params.limit])
    next_cursor = None
    if len(rows) > params.limit:
        next_cursor = encode_cursor(getattr(items[-1], order), items[-1].id)
    return json_response(Page[out](  # type: ignore[valid-type]
        items=[out.model_validate(r) for r in items], next_cursor=next_cursor))


def csv_response(body: bytes, *, filename: str) -> Response:
    """A CSV download."""
    return Response(body, media_type=CSV_MEDIA_TYPE,
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


def wants_csv(accept: str | None) -> bool:
    """Whether an ``Accept`` header asks for CSV rather than JSON."""
    return accept is not None and "text/csv" in accept.lower()

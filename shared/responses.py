"""JSON responses with the headers resources carry (ETag, Location), and pages of a list."""

from collections.abc import Sequence
from typing import Any

import orjson
from pydantic import BaseModel
from starlette.responses import Response

from shared.concurrency import etag
from shared.pagination import BY_CREATION, Page, PageParams, page_of


def json_response(body: BaseModel | Any, *, status_code: int = 200, version: int | None = None,
                  location: str | None = None) -> Response:
    """Serialise ``body`` (a model or plain data) with an ETag for ``version`` and a Location."""
    content = body.model_dump_json().encode() if isinstance(body, BaseModel) else orjson.dumps(body)
    headers: dict[str, str] = {}
    if version is not None:
        headers["etag"] = etag(version)
    if location is not None:
        headers["location"] = location
    return Response(content, status_code=status_code, media_type="application/json",
                    headers=headers)


def resource_response(out: type[BaseModel], row: Any, *, collection: str,
             status_code: int = 200) -> Response:
    """``row`` as ``out`` with its ETag; a 201 also gives its Location in ``collection``."""
    return json_response(out.model_validate(row), status_code=status_code, version=row.version,
                         location=f"{collection}/{row.id}" if status_code == 201 else None)


def page_response(out: type[BaseModel], rows: Sequence[Any], params: PageParams, *,
         columns: Sequence[str] = BY_CREATION) -> Response:
    """A page of ``rows`` (fetched with ``limit + 1``, ordered by ``columns``) as ``out``
    items, with the cursor after its last item."""
    items, next_cursor = page_of(rows, params, columns)
    # Parametrised at run time, so the items serialise as ``out``; mypy takes no variable as a
    # type argument.
    return json_response(Page[out](  # type: ignore[valid-type]
        items=[out.model_validate(r) for r in items], next_cursor=next_cursor))

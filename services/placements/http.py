"""Response shapes every router of the service uses: a resource with its ETag, a page."""

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from starlette.responses import Response

from shared.pagination import Page, PageParams, page_of
from shared.responses import json_response


def resource(out: type[BaseModel], row: Any, *, collection: str,
             status_code: int = 200) -> Response:
    """``row`` as ``out`` with its ETag; a 201 also gives its Location in ``collection``."""
    return json_response(out.model_validate(row), status_code=status_code, version=row.version,
                         location=f"{collection}/{row.id}" if status_code == 201 else None)


def page(out: type[BaseModel], rows: Sequence[Any], params: PageParams) -> Response:
    """A page of ``rows`` (fetched with ``limit + 1``) as ``out`` items, with its cursor."""
    items, next_cursor = page_of(rows, params)
    return json_response(Page[out](  # type: ignore[valid-type]
        items=[out.model_validate(r) for r in items], next_cursor=next_cursor))

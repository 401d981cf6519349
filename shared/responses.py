"""JSON responses with the headers resources carry (ETag, Location)."""

from typing import Any

import orjson
from pydantic import BaseModel
from starlette.responses import Response

from shared.concurrency import etag


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

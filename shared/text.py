"""Text PostgreSQL cannot hold, refused where requests come in: the NUL character (U+0000).

Neither ``text`` nor ``jsonb`` can contain U+0000, so a value carrying one fails in the first
query that binds it: a 500 for what is bad input. It is refused as a 422 instead, before any
work: anywhere in a request model's input (:class:`shared.schemas.StorableText`, which every
request model derives from, asks :func:`nul_path`) and, by :class:`RefuseNulMiddleware`, in the
path and query string.
"""

from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.errors import problem_response, problem_type
from shared.i18n import N_, _, translate

NUL = "\x00"
MESSAGE = N_("Text may not contain the NUL character (U+0000).")
# The only way a NUL reaches a URL: percent-encoded (a raw one is not valid HTTP).
ENCODED_NUL = b"%00"


def nul_path(value: Any) -> str | None:
    """Where in ``value`` a string (a dict key included) holds a NUL, as ``skills[0].label``
    (``""`` for ``value`` itself); None when none does."""
    try:
        # orjson writes a NUL as \u0000, which nothing else but a literal backslash-u0000
        # looks like: at C speed it clears nearly every value before the exact walk below.
        if b"\\u0000" not in orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS):
            return None
    except TypeError:
        pass  # not plain JSON data (a model built from Python objects): walk it
    return _walk(value, "")


def _walk(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and NUL in key:
                return path
            found = _walk(item, f"{path}.{key}" if path else str(key))
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _walk(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


class RefuseNulMiddleware:
    """Answers a 422 validation problem to a request whose path or query string holds an
    encoded NUL; lets every other request through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for location, raw in (("path", scope.get("raw_path") or b""),
                                  ("query", scope.get("query_string", b""))):
                if ENCODED_NUL in raw:
                    message = translate(MESSAGE)
                    response = problem_response({
                        "type": problem_type("validation"), "title": _("Validation failed"),
                        "status": 422, "detail": message, "instance": scope["path"],
                        "errors": [{"loc": [location], "msg": message, "type": "value_error"}]})
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)

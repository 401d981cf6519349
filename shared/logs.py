"""JSON logs with the request id, and the middleware that assigns it.

Logs never carry personal data: the access line has the route's path template where one matched
(never the query string, which may hold a name searched for) and no bodies.
"""

import itertools
import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import (
    database_unavailable,
    report_database_unavailable,
    send_database_unavailable,
)

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
# The caller's W3C trace context, kept so events recorded by the request carry it on.
traceparent_var: ContextVar[str | None] = ContextVar("traceparent", default=None)
_VALID_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Assigned request ids: a random prefix per process and a counter, 32 hex digits like a UUID.
# Unique without a uuid4 per request, whose getrandom() call cost more than the rest of this
# middleware; a request id only needs to be unique, not unguessable.
_ID_PREFIX = uuid.uuid4().hex[:20]
_id_counter = itertools.count()
_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def _entry(when: datetime, *, level: str, logger: str, msg: str,
           service: str) -> dict[str, Any]:
    """The fields every log line starts with, access lines included."""
    return {"ts": when.isoformat(timespec="milliseconds"), "level": level, "logger": logger,
            "msg": msg, "service": service, "request_id": request_id_var.get()}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, service, request id, extras."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        # orjson and a hand-built dict: this runs once per request on the hottest paths.
        entry = _entry(datetime.fromtimestamp(record.created, UTC),
                       level=record.levelname.lower(), logger=record.name,
                       msg=record.getMessage(), service=self.service)
        for key, value in record.__dict__.items():
            if key not in _RESERVED:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class _StdoutHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stdout`` is now (test runners swap it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every log record, uvicorn's included, to stdout as JSON lines."""
    handler = _StdoutHandler()
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # uvicorn's access log prints query strings, which may carry personal data; ours does not.
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every URL it calls, query string included; keep only its warnings.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def incoming_request_id(raw: bytes | None) -> str:
    """The caller's request id when it is well-formed, else a fresh one."""
    if raw:
        value = raw.decode("latin-1")
        if _VALID_REQUEST_ID.match(value):
            return value
    return f"{_ID_PREFIX}{next(_id_counter) & 0xFFFFFFFFFFFF:012x}"


async def _send_internal_error(send: Send, request_id: str) -> None:
    body = json.dumps({
        "type": "/problems/internal", "title": "Internal error", "status": 500,
        "detail": f"An unexpected error occurred; quote request id {request_id}.",
    }).encode()
    await send({"type": "http.response.start", "status": 500, "headers": [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# Routes polled by the system itself every second (services follow the gateway's revocations):
# their successful requests would bury everything else in the access log.
QUIET_ROUTES = frozenset({"/internal/revocations"})


class AccessLog:
    """Writes each request's access line: one JSON object on stdout, in :class:`JsonFormatter`'s
    layout, when ``pathways.access`` is enabled for INFO.

    It bypasses the logging machinery on purpose: measured on the hot reads, one
    ``Logger.info`` (its LogRecord, the caller's frame lookup, the handler's lock and flush) cost
    about 50 µs, a sixth of the whole request's time in Python; this costs under 10.
    """

    def __init__(self, service: str) -> None:
        self.service = service
        self.logger = logging.getLogger("pathways.access")

    def write(self, *, method: str, path: str, status: int, duration_ms: float) -> None:
        """Log one request: its method, route template, status and duration."""
        if not self.logger.isEnabledFor(logging.INFO) or (status < 400 and path in QUIET_ROUTES):
            return
        line = orjson.dumps({
            **_entry(datetime.now(UTC), level="info", logger=self.logger.name, msg="request",
                     service=self.service),
            "method": method, "path": path, "status": status, "duration_ms": duration_ms})
        stream = sys.stdout  # whatever it is now: test runners swap it
        stream.write(line.decode() + "\n")
        stream.flush()


class RequestContextMiddleware:
    """Take or assign ``X-Request-ID``, echo it on the response, and log one access line.

    It also turns an unexpected exception into a bare 500 problem carrying the request id, so
    no stack trace ever reaches a client; the database out of reach is a 503 instead
    (``shared.errors.database_unavailable``).
    """

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.log = logging.getLogger("pathways.errors")
        self.access = AccessLog(service)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = trace = None
        for key, value in scope["headers"]:
            if key == b"x-request-id" and raw is None:
                raw = value
            elif key == b"traceparent" and trace is None:
                trace = value.decode("latin-1")
        request_id = incoming_request_id(raw)
        token = request_id_var.set(request_id)
        trace_token = traceparent_var.set(
            trace if trace is not None and _VALID_TRACEPARENT.match(trace) else None)
        started = time.perf_counter()
        status = 500
        started_response = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                started_response = True
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if database_unavailable(exc):  # no bug: the database is down or restarting
                report_database_unavailable(exc)
                if not started_response:
                    await send_database_unavailable(send_with_id, instance=scope["path"])
                return
            # A bug: log it with its traceback, answer a bare problem, keep the process serving.
            self.log.error("unhandled error", exc_info=exc,
                           extra={"error_type": type(exc).__name__})
            if not started_response:
                await _send_internal_error(send_with_id, request_id)
        finally:
            route = scope.get("route")
            self.access.write(method=scope["method"],
                              path=getattr(route, "path", None) or "(unmatched)", status=status,
                              duration_ms=round((time.perf_counter() - started) * 1000, 2))
            request_id_var.reset(token)
            traceparent_var.reset(trace_token)

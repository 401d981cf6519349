"""JSON logs with the request id and trace id, and the middleware that assigns them.

Logs never carry personal data: the access line has the route's path template where one matched
(never the query string, which may hold a name searched for), the caller as a keyed pseudonym
(never the token's subject, see :func:`caller_pseudonym`) and no bodies.

Every line written while a request or an event delivery is handled carries ``trace_id`` and
``span_id``: the current OpenTelemetry span's when tracing is on (:mod:`shared.tracing`), else
those of the incoming W3C ``traceparent``, so that a request's lines in every process it went
through share one trace id either way.
"""

import functools
import itertools
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Sequence
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson
from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import metrics, sealing, tracing
from shared.auth import PRINCIPAL_KEY, Principal
from shared.errors import (
    database_unavailable,
    report_database_unavailable,
    send_database_unavailable,
)
from shared.i18n import _

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
# What request_identity set: the request id's and the traceparent's context tokens.
_IdentityTokens = tuple[Token[str], Token[str | None]]
_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
# Where a request that matched no route of the app keeps its route template, when something
# else knew it (the gateway's proxy: the template of the service's route).
ROUTE_KEY = "pathways.route"
ANONYMOUS = "anonymous"


def trace_ids() -> tuple[str, str] | None:
    """The trace id and span id of the work under way: the current span's, else the incoming
    ``traceparent``'s, else None."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        return f"{context.trace_id:032x}", f"{context.span_id:016x}"
    incoming = traceparent_var.get()
    return None if incoming is None else (incoming[3:35], incoming[36:52])


def span_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, or None (tracing is off, or no span)."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        return f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"
    return None


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the work under way (the current span when tracing is on, else
    the incoming one): what events recorded now carry, so their delivery joins this trace."""
    return span_traceparent() or traceparent_var.get()


@functools.lru_cache(maxsize=4096)
def caller_pseudonym(subject: str) -> str:
    """A token subject as the logs name it: the first 16 hex digits of its keyed digest
    (``DIGEST_KEY``, :mod:`shared.sealing`), the same in every process; without the key it
    cannot be turned back into the subject, nor made from one."""
    try:
        digests = sealing.keys().digests
    except sealing.MissingKey:
        return "(no digest key)"
    return digests.digest(f"caller:{subject}")[:16]


def _entry(when: datetime, *, level: str, logger: str, msg: str,
           service: str) -> dict[str, Any]:
    """The fields every log line starts with, access lines included."""
    entry = {"ts": when.isoformat(timespec="milliseconds"), "level": level, "logger": logger,
             "msg": msg, "service": service, "request_id": request_id_var.get()}
    if (ids := trace_ids()) is not None:
        entry["trace_id"], entry["span_id"] = ids
    return entry


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, service, request id, trace and
    span ids, extras."""

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
        "type": "/problems/internal", "title": _("Internal error"), "status": 500,
        "detail": _("An unexpected error occurred; quote request id {request_id}.",
                    request_id=request_id),
    }).encode()
    await send({"type": "http.response.start", "status": 500, "headers": [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# Routes polled by the system itself every second (services follow the gateway's revocations):
# their successful requests would bury everything else in the access log.
# The scraper's reads of /metrics likewise.
QUIET_ROUTES = frozenset({"/internal/revocations", "/metrics"})


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

    def write(self, *, method: str, path: str, status: int, duration_ms: float,
              caller: str = ANONYMOUS) -> None:
        """Log one request: its method, route template, status, duration and caller (a
        pseudonym, or ``anonymous``)."""
        if not self.logger.isEnabledFor(logging.INFO) or (status < 400 and path in QUIET_ROUTES):
            return
        line = orjson.dumps({
            **_entry(datetime.now(UTC), level="info", logger=self.logger.name, msg="request",
                     service=self.service),
            "method": method, "path": path, "status": status, "duration_ms": duration_ms,
            "caller": caller})
        stream = sys.stdout  # whatever it is now: test runners swap it
        stream.write(line.decode() + "\n")
        stream.flush()


def route_of(scope: Scope) -> str:
    """The route template a request matched (the app's, else :data:`ROUTE_KEY`'s), or
    ``(unmatched)``: never the raw path, which holds ids."""
    route = scope.get("route")
    return getattr(route, "path", None) or scope.get(ROUTE_KEY) or "(unmatched)"


def caller_of(scope: Scope) -> str:
    """The pseudonym of the caller whose token the request proved, or ``anonymous``."""
    principal: Principal | None = scope.get(PRINCIPAL_KEY)
    return ANONYMOUS if principal is None else caller_pseudonym(principal.subject)


# The route template a service answered with, for the gateway's access line and metrics; the
# gateway takes it off before relaying the answer.
ROUTE_HEADER = b"pathways-route"


def request_identity(headers: Sequence[tuple[bytes, bytes]]) -> tuple[str, _IdentityTokens]:
    """Take the request's id (or assign one) and its W3C ``traceparent`` from its headers into
    the context (:data:`request_id_var`, :data:`traceparent_var`) for its logs and calls; the
    id, and the tokens to :func:`reset_request_identity` with once it is answered."""
    raw = incoming = None
    for key, value in headers:
        if key == b"x-request-id" and raw is None:
            raw = value
        elif key == b"traceparent" and incoming is None:
            incoming = value.decode("latin-1")
    request_id = incoming_request_id(raw)
    return request_id, (request_id_var.set(request_id), traceparent_var.set(
        incoming if incoming is not None and _VALID_TRACEPARENT.match(incoming) else None))


def reset_request_identity(tokens: _IdentityTokens) -> None:
    """Forget a request's id and traceparent (see :func:`request_identity`)."""
    request_id_var.reset(tokens[0])
    traceparent_var.reset(tokens[1])


class RequestContextMiddleware:
    """Take or assign ``X-Request-ID``, echo it on the response, log one access line and count
    the request in the metrics (:mod:`shared.metrics`).

    It also turns an unexpected exception into a bare 500 problem carrying the request id, so
    no stack trace ever reaches a client; the database out of reach is a 503 instead
    (``shared.errors.database_unavailable``). With ``name_routes`` (a service, behind the
    gateway) an answer names its route template in the ``Pathways-Route`` header, which the
    gateway reads and drops.
    """

    def __init__(self, app: ASGIApp, *, service: str, name_routes: bool = True) -> None:
        self.app = app
        self.log = logging.getLogger("pathways.errors")
        self.access = AccessLog(service)
        self.name_routes = name_routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id, identity = request_identity(scope["headers"])
        started = time.perf_counter()
        status = 500
        started_response = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                started_response = True
                status = message["status"]
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                if (template := getattr(scope.get("route"), "path", None)) is not None:
                    if self.name_routes:
                        headers.append((ROUTE_HEADER, template.encode()))
                elif ROUTE_KEY in scope:  # the server span ends with the answer: name it now
                    tracing.name_server_span(scope["method"], scope[ROUTE_KEY])
                message["headers"] = headers
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
            seconds = time.perf_counter() - started
            route = route_of(scope)
            metrics.REQUESTS.observe(scope["method"], route, status, seconds)
            self.access.write(method=scope["method"], path=route, status=status,
                              duration_ms=round(seconds * 1000, 2), caller=caller_of(scope))
            reset_request_identity(identity)

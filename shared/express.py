"""The express lane: a service's hottest reads answered without its middleware and routing.

Measured on the candidates service, the ten layers every request crosses (request ids and the
access line, language, protective headers, NUL refusal, 304s, problems, body limits) and
FastAPI's routing and dependency solving cost more than the read itself: a read by id took
twice the time of a bare FastAPI endpoint running the same SQL. A service declares its few hot
reads as :class:`Lane` s; :class:`ExpressLanes`, in front of the app's whole stack
(:class:`ExpressApp`), answers them directly in the common case and lets the app answer
everything else.

The lane answers only a plain success: a GET with a verified bearer token, no body, no
conditional header, no encoded NUL, parameters given once each, that its handler answers
without raising. And one failure: when the database is out of reach, the lane answers the
app's 503 itself, rather than have the app wait for the database a second time (on a silently
dropped network, a second connect timeout). Either answer is the app's own, header for header
(request id, route template, ``Content-Language`` and ``Vary``, ``nosniff`` and ``no-store``,
the ETag), with the same access line and metrics; a 200's access-record entries are appended
with the next batch of reads before it leaves. Anything else falls through to the app, which
answers as it always has: the 401, 403, 404, 422 and 304 are the app's, worded in the request's
language. A handler has no side effect before it returns, so trying the lane first and the app
second is safe.

The lane stands aside while traces are exported (the instrumented stack makes the spans) and
while the app's dependencies are overridden (tests reading inside their own transaction).
"""

import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from prometheus_client import Counter
from starlette.types import ASGIApp, Receive, Scope, Send

from shared import metrics, tracing
from shared.access_record import AccessRecorder, ServiceAccessRecord, request_context
from shared.auth import Principal, get_principal
from shared.db import Database, HotReads
from shared.errors import (
    DatabaseUnavailable,
    database_unavailable,
    database_unavailable_problem,
    problem_response,
    report_database_unavailable,
)
from shared.i18n import choose_language, reset_language
from shared.logs import (
    ROUTE_HEADER,
    AccessLog,
    caller_of,
    request_identity,
    reset_request_identity,
)
from shared.protective_headers import NO_STORE
from shared.text import ENCODED_NUL

# Every answer counts in pathways_http_requests as the app's would; this tells which were
# the lane's (the rest of a lane route's requests were the app's).
EXPRESS_ANSWERS = Counter("pathways_http_express_answers", "Reads answered in the express "
                          "lane (shared.express), by route template (its 200s, and its 503s "
                          "while the database is out of reach).", ["route"])


@dataclass(frozen=True, slots=True)
class ExpressRead:
    """What a lane's handler reads: who asks, the path's parameter (the text after the route's
    fixed part, or ``""``), the query's parameters, and where to read and record."""

    principal: Principal
    path_value: str
    query: dict[str, str]
    hot_reads: HotReads
    recorder: AccessRecorder


@dataclass(frozen=True, slots=True)
class ExpressAnswer:
    """A lane's 200: its JSON body and, for a single resource, its ETag (quoted)."""

    body: bytes
    etag: str | None = None


def _unavailable(exc: Exception, path: str) -> Response | None:
    """The app's answer to ``exc`` when it says the database is out of reach (reported as the
    app reports it), else None."""
    if not database_unavailable(exc):
        return None
    report_database_unavailable(exc)
    return problem_response(database_unavailable_problem(path),
                            headers=DatabaseUnavailable.headers)


Handler = Callable[[ExpressRead], Awaitable[ExpressAnswer]]


@dataclass(frozen=True, slots=True)
class Lane:
    """A GET route answered in the express lane: its template (as the app's route declares it:
    a fixed path, or a fixed part and one trailing ``{parameter}``), the handler giving the
    same 200 as the route, and the access record its entries go to."""

    template: str
    handler: Handler
    record: ServiceAccessRecord
    # The template's fixed part, and whether a parameter follows it (read once, not per request).
    fixed: str = field(init=False)
    parameter: bool = field(init=False)

    def __post_init__(self) -> None:
        fixed, brace, _name = self.template.partition("{")
        object.__setattr__(self, "fixed", fixed)  # frozen: set once, here
        object.__setattr__(self, "parameter", bool(brace))

    def matches(self, path: str) -> str | None:
        """The trailing parameter's text when ``path`` is this route's, else None (``""`` for
        a fixed path)."""
        if not self.parameter:
            return "" if path == self.fixed else None
        if not path.startswith(self.fixed):
            return None
        value = path[len(self.fixed):]
        return value if value and "/" not in value else None


# A request carrying any of these takes the app's path: a body (GETs take none, the app says
# so) or a condition (the 304 and 412 are the app's).
_APP_ANSWERS = frozenset({b"content-length", b"transfer-encoding", b"if-none-match",
                          b"if-modified-since", b"if-match", b"if-unmodified-since",
                          b"if-range", b"range"})


class ExpressLanes:
    """ASGI middleware answering ``lanes`` in the express lane (see the module); every other
    request, and every lane request off the common case, goes to ``app``."""

    def __init__(self, app: ASGIApp, *, lanes: Sequence[Lane], service: str,
                 name_routes: bool = True) -> None:
        self.app = app
        self.lanes = tuple(lanes)
        self.access = AccessLog(service)
        self.name_routes = name_routes

    def _lane(self, scope: Scope) -> tuple[Lane, str] | None:
        if scope["type"] != "http" or scope["method"] != "GET" or not self.lanes:
            return None
        path: str = scope["path"]
        for lane in self.lanes:
            value = lane.matches(path)
            if value is not None:
                return lane, value
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self._lane(scope)
        if found is None or not _in_service(scope) \
                or ENCODED_NUL in scope.get("raw_path", b"") \
                or ENCODED_NUL in scope["query_string"] \
                or any(name in _APP_ANSWERS for name, _value in scope["headers"]):
            await self.app(scope, receive, send)
            return
        lane, value = found
        query = single_valued(scope["query_string"])
        if query is None:
            await self.app(scope, receive, send)
            return
        own = dict(scope)  # the lane's: should the app answer, it gets the request untouched
        started = time.perf_counter()
        request_id, identity = request_identity(own["headers"])
        chosen, language = choose_language(own)
        status: int | None = None  # the lane's answer's, once it answered
        try:
            try:
                answer = await self._answer(own, lane, value, query)
            except Exception as exc:  # whatever else it is, the app answers it as always
                if (failed := _unavailable(exc, own["path"])) is not None:
                    status = failed.status_code
                    await self._send_problem(send, failed, lane, request_id=request_id,
                                             language=chosen.language)
            else:
                status = 200
                await self._send(send, answer, lane, request_id=request_id,
                                 language=chosen.language)
            if status is not None:
                seconds = time.perf_counter() - started
                metrics.REQUESTS.observe("GET", lane.template, status, seconds)
                EXPRESS_ANSWERS.labels(lane.template).inc()
                self.access.write(method="GET", path=lane.template, status=status,
                                  duration_ms=round(seconds * 1000, 2), caller=caller_of(own))
        finally:
            reset_language(language)
            reset_request_identity(identity)
        if status is None:
            await self.app(scope, receive, send)

    def _stack_headers(self, lane: Lane, *, request_id: str,
                       language: str) -> list[tuple[bytes, bytes]]:
        """What the app's stack adds to each of its answers, in its order."""
        headers = [(b"x-request-id", request_id.encode())]
        if self.name_routes:
            headers.append((ROUTE_HEADER, lane.template.encode()))
        return [*headers, (b"content-language", language.encode()),
                (b"vary", b"Accept-Language"), *NO_STORE]

    async def _send_problem(self, send: Send, problem: Response, lane: Lane, *,
                            request_id: str, language: str) -> None:
        """A problem the app would answer, with the headers the app's stack gives it."""
        await send({"type": "http.response.start", "status": problem.status_code,
                    "headers": [*problem.raw_headers, *self._stack_headers(
                        lane, request_id=request_id, language=language)]})
        await send({"type": "http.response.body", "body": problem.body})

    async def _send(self, send: Send, answer: ExpressAnswer, lane: Lane, *, request_id: str,
                    language: str) -> None:
        """The 200, with the headers the app's stack gives it, in the same order."""
        headers = [(b"content-length", str(len(answer.body)).encode()),
                   (b"content-type", b"application/json")]
        if answer.etag is not None:
            headers.insert(0, (b"etag", answer.etag.encode()))
        headers += self._stack_headers(lane, request_id=request_id, language=language)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})

    async def _answer(self, scope: Scope, lane: Lane, value: str,
                      query: dict[str, str]) -> ExpressAnswer:
        """The lane's answer, its entries committed; raises when the app must answer."""
        request = Request(scope)
        principal = await get_principal(request)
        database: Database = scope["app"].state.database
        recorder = AccessRecorder(table=lane.record.table,
                                  context=request_context(request, principal,
                                                          route=lane.template))
        answer = await lane.handler(ExpressRead(principal=principal, path_value=value,
                                                query=query, hot_reads=database.hot_reads,
                                                recorder=recorder))
        await lane.record.append_read(database, recorder)
        return answer


class ExpressApp(FastAPI):
    """A service's app, its :attr:`express` lanes (when it has some) tried before any of its
    middleware, Starlette's outermost layers included."""

    express: ExpressLanes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a request: in a lane, else (or when the lane lets it go) through the app."""
        if self.express is None or scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self  # as Starlette sets it, for the lane and for the app
        await self.express(scope, receive, send)

    async def stack(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app without its lanes: what a lane lets a request go to."""
        await super().__call__(scope, receive, send)


def _in_service(scope: Scope) -> bool:
    """Whether the lane may answer for the app: not while traces are exported or the app's
    dependencies are overridden."""
    app: FastAPI | None = scope.get("app")
    return app is not None and not app.dependency_overrides and not tracing.configured()


def single_valued(query_string: bytes) -> dict[str, str] | None:
    """The query's parameters, or None when one is given twice (the app decides which
    counts) or the query is not valid UTF-8."""
    try:
        pairs = parse_qsl(query_string.decode(), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return None
    query = dict(pairs)
    return query if len(query) == len(pairs) else None


def uuid_of(text: str) -> uuid.UUID:
    """A path's id in its usual spelling (8-4-4-4-12 hex digits); ValueError for any other,
    whose 404 or 422 the app answers."""
    if len(text) != 36 or text[8] != "-" or text[13] != "-" or text[18] != "-" \
            or text[23] != "-":
        raise ValueError("not a UUID in its usual spelling")
    return uuid.UUID(text)

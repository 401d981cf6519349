"""RFC 9457 problem details: one error base for every service and the handlers that render it.

Every 4xx/5xx leaving a service is ``application/problem+json`` with a stable ``type``. Unexpected
exceptions become a bare 500 problem in ``shared.logs.RequestContextMiddleware``; their traceback
goes to the log, never to the client. The database being out of reach is not a bug: it answers
503 ``database-unavailable`` with ``Retry-After`` (:func:`database_unavailable` tells it apart).
"""

import inspect
import logging
import time
import traceback
from collections.abc import Mapping
from typing import Any, ClassVar

import asyncpg
import orjson
import pydantic_core
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Send

from shared.i18n import N_, _, translate

PROBLEM_MEDIA_TYPE = "application/problem+json"
IF_MATCH_MISSING = N_("Send If-Match with the ETag last read (GET it first): a change without one "
                       "could overwrite another's.")
log = logging.getLogger("pathways.errors")
_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def problem_type(slug: str) -> str:
    """The stable ``type`` URI of a problem."""
    return f"/problems/{slug}"


class Problem(BaseModel):
    """An RFC 9457 problem document as Pathways sends it.

    The schema carries no example of its own: it is shared by every error response, so any
    example here would show under every status. Each response gets its own instead
    (:meth:`ProblemError.example`, ``shared.problem_docs``).
    """

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="Stable identifier of the kind of problem.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="For validation problems: each offending field and why."
    )


class ProblemError(Exception):
    """Base of every domain error: carries its HTTP status, problem type and title."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.extra = extra

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """This error as a problem document."""
        body: dict[str, Any] = {"type": problem_type(self.slug),
                                "title": translate(self.title), "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body

    @classmethod
    def example(cls) -> dict[str, Any]:
        """A problem document of this error, as the API documents it."""
        return {"type": problem_type(cls.slug), "title": cls.title, "status": cls.status,
                "detail": f"{cls.title}."}

    @classmethod
    def explanation(cls) -> str | None:
        """When this error happens: its class's own docstring (its first paragraph)."""
        doc = cls.__dict__.get("__doc__")
        return inspect.cleandoc(doc).split("\n\n")[0].replace("\n", " ") if doc else None

    @classmethod
    def response_doc(cls) -> dict[int | str, dict[str, Any]]:
        """The OpenAPI ``responses`` entry documenting this error, with its own example (and
        its explanation, which the gateway's problem pages show)."""
        example: dict[str, Any] = {"summary": cls.title, "value": cls.example()}
        if (explanation := cls.explanation()) is not None:
            example["description"] = explanation
        return {cls.status: {"model": Problem, "description": cls.title,
                             "content": {PROBLEM_MEDIA_TYPE: {"examples": {cls.slug: example}}}}}


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict"


class IllegalTransition(ProblemError):
    """An action that the object's current state does not allow; names that state."""

    status, slug, title = 409, "illegal-transition", "Illegal state transition"

    def __init__(self, *, action: str, current_state: str, allowed_from: list[str]) -> None:
        super().__init__(
            _("Cannot {action} from state '{current_state}'; allowed from: {allowed_from}.",
              action=action, current_state=current_state, allowed_from=", ".join(allowed_from)),
            current_state=current_state, action=action,
        )

    @classmethod
    def example(cls) -> dict[str, Any]:
        """An illegal transition names the state the object is in and the action refused."""
        return {**super().example(),
                "detail": "Cannot submit from state 'withdrawn'; allowed from: draft.",
                "current_state": "withdrawn", "action": "submit"}


class PreconditionFailed(ProblemError):
    status, slug, title = 412, "precondition-failed", "Precondition failed"


class PreconditionRequired(ProblemError):
    """An update without ``If-Match`` (``shared.concurrency.IfMatchRequired``)."""

    status, slug, title = 428, "precondition-required", "Precondition required"

    @classmethod
    def example(cls) -> dict[str, Any]:
        """A 428 says what to send."""
        return {**super().example(), "detail": IF_MATCH_MISSING}


class UnsupportedMediaType(ProblemError):
    """A body of a type its route does not take (``shared.media_types``)."""

    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"

    def __init__(self, detail: str, *, accepted: list[str], header: str | None = None) -> None:
        super().__init__(detail, accepted=accepted)
        # Accept-Post or Accept-Patch: the types the route takes (RFC 5789 §3.1)
        self.headers = {header: ", ".join(accepted)} if header else None

    @classmethod
    def example(cls) -> dict[str, Any]:
        """A 415 names the types the route takes."""
        return {**super().example(),
                "detail": "This body must be application/json or application/*+json, not "
                          "'text/plain'.", "accepted": ["application/json", "application/*+json"]}


class UnprocessableEntity(ProblemError):
    status, slug, title = 422, "unprocessable", "Unprocessable request"


class InvalidCursor(ProblemError):
    status, slug, title = 400, "invalid-cursor", "Invalid pagination cursor"


class DatabaseUnavailable(ProblemError):
    """The database cannot be reached, or dropped the connection: try again shortly."""

    status, slug, title = 503, "database-unavailable", "Database unavailable"
    retry_after_seconds: ClassVar[int] = 5
    headers: ClassVar[dict[str, str]] = {"Retry-After": str(retry_after_seconds)}

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or _("The database cannot be reached right now; try again in "
                                     "{seconds} s.", seconds=self.retry_after_seconds), **extra)


# SQLSTATEs saying the connection, not the statement, failed: class 08 (connection exception,
# but a protocol violation, a bug), the server shutting down or starting (57P01-57P03), and no
# connection slot left (53300).
_UNAVAILABLE_STATES = frozenset({"08000", "08001", "08003", "08004", "08006",
                                 "57P01", "57P02", "57P03", "53300"})
# The driver's own modules: an OSError raised in them is the database's socket failing.
_DRIVER_MODULES = ("asyncpg.", "sqlalchemy.dialects.postgresql.asyncpg")


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is out of reach, rather than that a statement failed.

    Yes for: a refused, reset or timed-out connection to the database (an ``OSError`` the driver
    raised: the same error from anything else, a file or another service, is no outage), a
    connection SQLAlchemy found dead (``connection_invalidated``), an error whose SQLSTATE is a
    connection one (see ``_UNAVAILABLE_STATES``), asyncpg's "connection is closed", and no
    pooled connection coming free in time. Follows ``orig`` and ``__cause__``: SQLAlchemy and
    asyncpg wrap the driver's error. Anything else (a constraint, a syntax error, a
    statement cancelled) stays a bug or a problem of its own.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DatabaseUnavailable | sqlalchemy.exc.TimeoutError):
            return True
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return True
        if getattr(current, "sqlstate", None) in _UNAVAILABLE_STATES:
            return True
        if isinstance(current, asyncpg.InterfaceError) and "connection is closed" in str(current):
            return True
        if isinstance(current, OSError) and _raised_by_driver(current):
            return True
        current = current.orig if isinstance(current, sqlalchemy.exc.DBAPIError) \
            else current.__cause__
    return False


def _raised_by_driver(exc: BaseException) -> bool:
    return any(frame.f_globals.get("__name__", "").startswith(_DRIVER_MODULES)
               for frame, _ in traceback.walk_tb(exc.__traceback__))


class _OutageLog:
    """Logs that the database is out of reach at most once every ``every`` seconds per process:
    during an outage every request would say it, and the access log already counts them."""

    def __init__(self, every: float = 10.0) -> None:
        self.every = every
        self._last = float("-inf")

    def __call__(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            # The error's kind only: a database error's message may quote a person's data.
            log.warning("database unavailable: answering 503",
                        extra={"error_type": type(exc).__name__})


report_database_unavailable = _OutageLog()


def database_unavailable_problem(instance: str | None = None) -> dict[str, Any]:
    """The 503 problem document answered while the database is out of reach."""
    return DatabaseUnavailable().to_problem(instance=instance)


async def send_database_unavailable(send: Send, *, instance: str | None = None) -> None:
    """Answer the 503 problem straight from the ASGI layer (a middleware's fallback)."""
    body = orjson.dumps(database_unavailable_problem(instance))
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in DatabaseUnavailable.headers.items())]})
    await send({"type": "http.response.body", "body": body})


VALIDATION_EXAMPLE: dict[str, Any] = {
    "type": problem_type("validation"), "title": "Validation failed", "status": 422,
    "detail": "The request has invalid or unknown fields; see errors.",
    "errors": [{"loc": ["body", "name"], "msg": "Field required", "type": "missing"}],
}


def responses(*errors: type[ProblemError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for a route raising ``errors`` (plus validation).

    Errors of one status share its entry: each keeps its own named example and title, where a
    plain ``dict.update`` would let the last one hide the others (a route's 422 ``IntakeClosed``
    would hide the validation problem it can answer too).
    """
    docs: dict[int | str, dict[str, Any]] = {
        422: {"model": Problem, "description": "Validation failed",
              "content": {PROBLEM_MEDIA_TYPE: {"examples": {"validation": {
                  "summary": "Validation failed", "value": VALIDATION_EXAMPLE}}}}},
    }
    for error in errors:
        for status, doc in error.response_doc().items():
            if status not in docs:
                docs[status] = doc
                continue
            known = docs[status]["content"][PROBLEM_MEDIA_TYPE]["examples"]
            if error.slug not in known:
                known.update(doc["content"][PROBLEM_MEDIA_TYPE]["examples"])
                docs[status]["description"] += f"; {error.title}"
    return docs


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    """Render a problem document."""
    return Response(orjson.dumps(body), status_code=body["status"],
                    media_type=PROBLEM_MEDIA_TYPE, headers=headers)


# Pydantic's own English message of each kind of field error: the message ids of the translated
# ones (the kit's catalogues hold them; launcher/messages.py collects them).
VALIDATION_TEMPLATES: dict[str, str] = {
    error["type"]: error["message_template_python"]
    for error in pydantic_core._pydantic_core.list_all_errors()}


_COUNTED = ("min_length", "max_length", "max_digits", "decimal_places", "whole_digits")


def field_message(error: Mapping[str, Any]) -> str:
    """A field error's message in the request's language: Pydantic's template for its type,
    translated and filled with the error's context (its own words when that cannot be done)."""
    template = VALIDATION_TEMPLATES.get(str(error.get("type", "")))
    if template is None:
        return str(error.get("msg", ""))
    context = {str(k): v for k, v in (error.get("ctx") or {}).items()}
    # English plurals the way Pydantic makes them; a translation words its count its own way.
    counted = next((context[name] for name in _COUNTED if name in context), None)
    context.setdefault("expected_plural", "" if counted == 1 else "s")
    try:
        return translate(template, **context)
    except (KeyError, IndexError, ValueError):
        return str(error.get("msg", ""))


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Only location, message and type: echoing the rejected input could copy personal data.
    return [{"loc": [str(p) for p in e.get("loc", ())], "msg": field_message(e),
             "type": e.get("type", "")} for e in exc.errors()]


async def _problem_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem_response(exc.to_problem(instance=request.url.path),
                            headers=getattr(exc, "headers", None))


def _lacks_if_match(exc: RequestValidationError) -> bool:
    return any(e.get("type") == "missing" and tuple(e.get("loc", ())) == ("header", "If-Match")
               for e in exc.errors())


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _lacks_if_match(exc):  # a required If-Match (shared.concurrency): 428, not a field error
        return problem_response(
            PreconditionRequired(translate(IF_MATCH_MISSING)).to_problem(instance=request.url.path))
    return problem_response({
        "type": problem_type("validation"), "title": _("Validation failed"), "status": 422,
        "detail": _("The request has invalid or unknown fields; see errors."),
        "instance": request.url.path, "errors": _field_errors(exc),
    })


def allowed_methods(request: Request) -> str:
    """Every method the app serves on the request's path, for a 405's ``Allow``: Starlette's
    names only those of the first route whose path matched. Each method is tried on the app's
    routes as the router would (included routers too), on a copy of the request's scope."""
    allowed = []
    for method in _METHODS:
        probe = {name: dict(value) if isinstance(value, dict) else value
                 for name, value in request.scope.items()} | {"method": method}
        if any(route.matches(probe)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return ", ".join(allowed)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers, detail = getattr(exc, "headers", None), str(exc.detail)
    if exc.status_code == 405:
        allow = allowed_methods(request)
        headers, detail = {**(headers or {}), "Allow": allow}, _("This path allows {allow}.",
                                                                   allow=allow)
    titles = {404: N_("Not found"), 405: N_("Method not allowed"), 413: N_("Request too large")}
    slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    return problem_response({
        "type": problem_type(slug),
        "title": translate(titles.get(exc.status_code, N_("HTTP error"))),
        "status": exc.status_code, "detail": detail, "instance": request.url.path,
    }, headers=headers)


async def _database_error(request: Request, exc: Exception) -> Response:
    if not database_unavailable(exc):
        raise exc  # a bug after all: shared.logs answers the bare 500 and logs its traceback
    report_database_unavailable(exc)
    return problem_response(database_unavailable_problem(request.url.path),
                            headers=DatabaseUnavailable.headers)


# What a lost or refused database connection raises; _database_error tells outages apart.
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    sqlalchemy.exc.DBAPIError, sqlalchemy.exc.TimeoutError, asyncpg.PostgresError,
    asyncpg.InterfaceError, OSError)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error the app can raise as problem+json."""
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for error in DATABASE_ERRORS:
        app.add_exception_handler(error, _database_error)

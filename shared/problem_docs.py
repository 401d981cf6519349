"""Every operation's documented errors as they really are: ``application/problem+json``.

FastAPI puts a ``responses=`` model under ``application/json`` and documents its own 422 shape
(``HTTPValidationError``), while every error a Pathways process sends is a problem document
(``shared.errors``). And the shared machinery can answer some errors on any operation of a
given shape that no route lists itself. So each app's document is corrected once, here:

- every 4xx/5xx response carries only ``application/problem+json`` with the ``Problem`` schema;
- each operation gets the errors its shape makes possible: 422 (validation) when it takes any
  input, 404 when its path names an object, 400 and 413 when it takes a body, 401 and 403 when
  it needs a token, and the error of each shared parameter it takes (``cursor``,
  ``Idempotency-Key``, ``If-Match``; 428 too where ``If-Match`` is required), 415 when it takes
  a body. A status a route documents itself keeps its description.
- each error response shows an example of its own status: the examples of the errors the route
  lists (``shared.errors.responses``), else the problem the shared machinery sends for that
  status (a 404 names the route's object, a 422 lists its ``errors``). The ``Problem`` schema
  has none, or every status would show the same one.

The gateway adds the errors only it answers (rate limits, its body limits) in ``gateway.openapi``.
"""

import re
from collections.abc import Callable, Iterator, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from shared.auth import Forbidden, InvalidToken, authenticates
from shared.errors import (
    PROBLEM_MEDIA_TYPE,
    VALIDATION_EXAMPLE,
    Conflict,
    InvalidCursor,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Problem,
    ProblemError,
    UnsupportedMediaType,
    problem_type,
)
from shared.example_nulls import restore_nulls
from shared.idempotency import InvalidIdempotencyKey

PROBLEM_REF = "#/components/schemas/Problem"
PROBLEM_SCHEMA = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
# FastAPI's own validation error shapes, which no Pathways process ever sends.
_FASTAPI_ERROR_SCHEMAS = ("HTTPValidationError", "ValidationError")

# Shared parameters (location, lower-cased name) and the problem their module raises for them.
PARAMETER_PROBLEMS: dict[tuple[str, str], type[ProblemError]] = {
    ("query", "cursor"): InvalidCursor,
    ("header", "idempotency-key"): InvalidIdempotencyKey,
    ("header", "if-match"): PreconditionFailed,
}
# And the problem answered when such a parameter is required but missing.
REQUIRED_PARAMETER_PROBLEMS: dict[tuple[str, str], type[ProblemError]] = {
    ("header", "if-match"): PreconditionRequired,
}


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Each ``(path, method, operation)`` of an OpenAPI document."""
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                yield path, method, operation


# What the shared machinery (and the gateway) send for each status no route documents itself:
# the same type, title and fields as the real answers, so an example is never a made-up shape.
_STATUS_EXAMPLES: dict[int, dict[str, Any]] = {
    400: {"type": problem_type("http-error"), "title": "HTTP error", "status": 400,
          "detail": "There was an error parsing the body"},
    401: {"type": problem_type("invalid-token"), "title": "Invalid or missing token",
          "status": 401, "detail": "Send a bearer token: Authorization: Bearer <access_token>. "
                                   "Get one at POST /v1/auth/token."},
    403: {"type": problem_type("forbidden"), "title": "Forbidden", "status": 403,
          "detail": "This role may not do that."},
    409: Conflict.example(),
    412: {**PreconditionFailed.example(),
          "detail": "If-Match does not name the current version; read it again."},
    413: {"type": problem_type("request-too-large"), "title": "Request too large",
          "status": 413, "detail": "The body may be at most 1048576 bytes here.",
          "max_bytes": 1048576},
    415: UnsupportedMediaType.example(),
    422: VALIDATION_EXAMPLE,
    428: PreconditionRequired.example(),
    429: {"type": problem_type("rate-limited"), "title": "Too many requests", "status": 429,
          "detail": "Slow down: retry in 12 s."},
    502: {"type": problem_type("bad-gateway"), "title": "Bad gateway", "status": 502,
          "detail": "The candidates service gave an answer that could not be relayed.",
          "service": "candidates"},
    503: {"type": problem_type("service-unavailable"), "title": "Service unavailable",
          "status": 503, "detail": "The candidates service is not reachable; try again shortly.",
          "service": "candidates"},
    504: {"type": problem_type("upstream-timeout"), "title": "Service timed out", "status": 504,
          "detail": "The candidates service did not answer in time.", "service": "candidates"},
}
_PATH_PARAMETER = re.compile(r"\{([^}]+)\}")
_EXAMPLE_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


def _object_of(path: str) -> str | None:
    """The object a path names by its last parameter: ``/v1/training-modules/{module_id}``
    names a "module" (``{id}`` alone: the segment before it, singular)."""
    names: list[str] = _PATH_PARAMETER.findall(path)
    if not names:
        return None
    name = names[-1].removesuffix("_id").replace("_", " ")
    if name != "id":
        return name
    segments = [s for s in path.split("/") if s and not s.startswith("{")]
    return segments[-1].removesuffix("s").replace("-", " ") if segments else None


def problem_example(status: int, path: str = "") -> dict[str, Any]:
    """A problem document of ``status`` as the API sends it on ``path`` (a 404 names the
    object of ``path``; any other status without a known shape gets the generic one)."""
    if status == 404:
        thing = _object_of(path)
        detail = f"No {thing} {_EXAMPLE_ID}." if thing else "No such path."
        return {**NotFound.example(), "detail": detail}
    if status in _STATUS_EXAMPLES:
        return dict(_STATUS_EXAMPLES[status])
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "HTTP error"
    return {"type": problem_type("http-error"), "title": title, "status": status}


def _problem_content(examples: dict[str, Any]) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": {"$ref": PROBLEM_REF}}
    if examples:
        media["examples"] = examples
    return {PROBLEM_MEDIA_TYPE: media}


def _named(example: dict[str, Any]) -> dict[str, Any]:
    """``example`` as the only entry of a media type's ``examples``."""
    name = str(example.get("type", "problem")).rsplit("/", 1)[-1]
    return {name: {"summary": example.get("title", name), "value": example}}


def add_problem(operation: dict[str, Any], status: int, description: str,
                example: dict[str, Any] | None = None) -> None:
    """Document that ``operation`` may answer a ``status`` problem, unless the route already
    does (its own description is the more specific one). ``example`` defaults to
    :func:`problem_example` of ``status``."""
    operation.setdefault("responses", {}).setdefault(str(status), {
        "description": description,
        "content": _problem_content(_named(example or problem_example(status)))})


def _own_examples(response: dict[str, Any], status: str, path: str) -> dict[str, Any]:
    """The examples a route gave an error response (FastAPI may have put them under any media
    type), else the default one of its status (none for a range such as ``4XX``)."""
    for media in response.get("content", {}).values():
        if isinstance(media, dict) and media.get("examples"):
            return dict(media["examples"])
        if isinstance(media, dict) and "example" in media:
            return _named(media["example"])
    return _named(problem_example(int(status), path)) if status.isdigit() else {}


def _is_error(status: str) -> bool:
    return status[:1] in ("4", "5")


def _shape_problems(path: str, operation: dict[str, Any]) -> list[tuple[int, str, dict[str, Any]]]:
    """The problems the shared machinery can answer on an operation of this shape."""
    parameters = [p for p in operation.get("parameters", []) if isinstance(p, dict)]
    problems: list[tuple[int, str, dict[str, Any]]] = []
    if parameters or "requestBody" in operation:
        problems.append((422, "Validation failed", _validation_example(parameters)))
    if any(p.get("in") == "path" for p in parameters) or "{" in path:
        problems.append((404, "Not found", problem_example(404, path)))
    if "requestBody" in operation:
        problems.append((400, "The body could not be parsed", problem_example(400)))
        problems.append((413, "Request too large", problem_example(413)))
        problems.append((415, UnsupportedMediaType.title, problem_example(415)))
    for parameter in parameters:
        key = (parameter.get("in", ""), parameter.get("name", "").lower())
        error = PARAMETER_PROBLEMS.get(key)
        if error is not None:
            problems.append((error.status, error.title, error.example()))
        missing = REQUIRED_PARAMETER_PROBLEMS.get(key) if parameter.get("required") else None
        if missing is not None:
            problems.append((missing.status, missing.title, problem_example(missing.status)))
    return problems


def _validation_example(parameters: list[dict[str, Any]]) -> dict[str, Any]:
    """The validation problem, naming a parameter of the operation when it takes one (else a
    body field): the ``errors`` entry then points at something the reader can find."""
    if not parameters:
        return dict(VALIDATION_EXAMPLE)
    first = parameters[0]
    return {**VALIDATION_EXAMPLE, "errors": [{
        "loc": [first.get("in", "query"), first.get("name", "")],
        "msg": "Field required" if first.get("required") else "Input should be a valid string",
        "type": "missing" if first.get("required") else "string_type"}]}


def describe_problems(document: dict[str, Any], *,
                      secured: Callable[[str, str], bool]) -> dict[str, Any]:
    """Correct ``document`` in place (see the module docstring); ``secured(path, method)`` says
    whether an operation needs a token."""
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA  # one shape everywhere, so the gateway merges one
    for path, method, operation in operations(document):
        for status, response in operation.get("responses", {}).items():
            if _is_error(str(status)) and isinstance(response, dict):
                response["content"] = _problem_content(_own_examples(response, str(status), path))
        problems = _shape_problems(path, operation)
        if secured(path, method):
            problems += [(InvalidToken.status, InvalidToken.title, problem_example(401)),
                         (Forbidden.status, Forbidden.title, problem_example(403))]
        for status, description, example in problems:
            add_problem(operation, status, description, example)
    for name in _FASTAPI_ERROR_SCHEMAS:
        schemas.pop(name, None)
    return document


def secured_operations(routers: Sequence[APIRouter]) -> set[tuple[str, str]]:
    """``(path, method)`` of each route of ``routers`` that checks the caller's token."""
    return {(route.path, method.lower()) for router in routers for route in router.routes
            if isinstance(route, APIRoute) and authenticates(route.dependant)
            for method in route.methods or ()}


def install(app: FastAPI, *, secured: set[tuple[str, str]]) -> None:
    """Serve ``app``'s OpenAPI document corrected by :func:`describe_problems`; ``secured``
    lists the operations that need a token."""
    build = app.openapi
    described: dict[str, Any] | None = None

    def openapi() -> dict[str, Any]:
        nonlocal described
        document = build()
        if document is not described:  # FastAPI built it anew (first call, or routes changed)
            described = describe_problems(  # on examples whole again (shared.example_nulls)
                restore_nulls(document), secured=lambda path, method: (path, method) in secured)
        return document

    # FastAPI's documented way to serve a customised document; mypy forbids assigning a method.
    app.openapi = openapi  # type: ignore[method-assign]

"""Every operation's documented errors as they really are: ``application/problem+json``.

FastAPI puts a ``responses=`` model under ``application/json`` and documents its own 422 shape
(``HTTPValidationError``), while every error a Pathways process sends is a problem document
(``shared.errors``). And the shared machinery can answer some errors on any operation of a
given shape that no route lists itself. So each app's document is corrected once, here:

- every 4xx/5xx response carries only ``application/problem+json`` with the ``Problem`` schema;
- each operation gets the errors its shape makes possible: 422 (validation) when it takes any
  input, 404 when its path names an object, 400 and 413 when it takes a body, 401 and 403 when
  it needs a token, and the error of each shared parameter it takes (``cursor``,
  ``Idempotency-Key``, ``If-Match``). A status a route documents itself keeps its description.

The gateway adds the errors only it answers (rate limits, its body limits) in ``gateway.openapi``.
"""

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from shared.auth import Forbidden, InvalidToken, authenticates
from shared.errors import (
    PROBLEM_MEDIA_TYPE,
    InvalidCursor,
    PreconditionFailed,
    Problem,
    ProblemError,
)
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


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Each ``(path, method, operation)`` of an OpenAPI document."""
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                yield path, method, operation


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}


def add_problem(operation: dict[str, Any], status: int, description: str) -> None:
    """Document that ``operation`` may answer a ``status`` problem, unless the route already
    does (its own description is the more specific one)."""
    operation.setdefault("responses", {}).setdefault(
        str(status), {"description": description, "content": _problem_content()})


def _is_error(status: str) -> bool:
    return status[:1] in ("4", "5")


def _shape_problems(path: str, operation: dict[str, Any]) -> list[tuple[int, str]]:
    """The problems the shared machinery can answer on an operation of this shape."""
    parameters = [p for p in operation.get("parameters", []) if isinstance(p, dict)]
    problems: list[tuple[int, str]] = []
    if parameters or "requestBody" in operation:
        problems.append((422, "Validation failed"))
    if any(p.get("in") == "path" for p in parameters) or "{" in path:
        problems.append((404, "Not found"))
    if "requestBody" in operation:
        problems.append((400, "The body could not be parsed"))
        problems.append((413, "Request too large"))
    for parameter in parameters:
        error = PARAMETER_PROBLEMS.get((parameter.get("in", ""), parameter.get("name", "").lower()))
        if error is not None:
            problems.append((error.status, error.title))
    return problems


def describe_problems(document: dict[str, Any], *,
                      secured: Callable[[str, str], bool]) -> dict[str, Any]:
    """Correct ``document`` in place (see the module docstring); ``secured(path, method)`` says
    whether an operation needs a token."""
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA  # one shape everywhere, so the gateway merges one
    for path, method, operation in operations(document):
        for status, response in operation.get("responses", {}).items():
            if _is_error(str(status)) and isinstance(response, dict):
                response["content"] = _problem_content()
        problems = _shape_problems(path, operation)
        if secured(path, method):
            problems += [(InvalidToken.status, InvalidToken.title),
                         (Forbidden.status, Forbidden.title)]
        for status, description in problems:
            add_problem(operation, status, description)
    for name in _FASTAPI_ERROR_SCHEMAS:
        schemas.pop(name, None)
    return document


def secured_operations(routers: Sequence[APIRouter]) -> set[tuple[str, str]]:
    """``(path, method)`` of each route of ``routers`` that checks the caller's token."""
    return {(route.path, method.lower()) for router in routers for route in router.routes
            if isinstance(route, APIRoute) and authenticates(route.dependant)
            for method in route.methods}


def install(app: FastAPI, *, secured: set[tuple[str, str]]) -> None:
    """Serve ``app``'s OpenAPI document corrected by :func:`describe_problems`; ``secured``
    lists the operations that need a token."""
    build = app.openapi
    described: dict[str, Any] | None = None

    def openapi() -> dict[str, Any]:
        nonlocal described
        document = build()
        if document is not described:  # FastAPI built it anew (first call, or routes changed)
            described = describe_problems(
                document, secured=lambda path, method: (path, method) in secured)
        return document

    app.openapi = openapi  # type: ignore[method-assign]

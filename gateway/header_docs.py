"""The response headers of the merged document: what each answer carries, documented once in
``components/headers`` and referenced from every response that sends it.

Which responses carry which header follows from how the API sends them (``shared.responses``,
``shared.idempotency``, ``shared.logs``, ``gateway.proxy``), read off the document:

- ``X-Request-ID`` on every answer (``shared.logs`` sets it everywhere);
- ``ETag`` on a success whose body is a versioned resource (a schema with ``version``): its
  ETag is that version (``shared.concurrency``), as every route answering one sends it;
- ``Location`` on the 201/202 of a POST whose created object can be read by a GET of the
  document: at the POSTed path plus its id, or by a GET answering the same schema;
- ``Idempotent-Replayed`` on the successes of an operation taking ``Idempotency-Key``;
- ``Retry-After`` on the 429 and 503 of ``/v1/…`` (the gateway's rate limit and its upstreams).
"""

import copy
from typing import Any

from shared.problem_docs import operations

_REF = "#/components/headers/"
_PARAMETER = "{"

HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "This request's id: the caller's own when it sent one (1 to 128 "
                       "letters, digits and `._:-`), else one made for it. Quote it when "
                       "reporting a problem.",
        "schema": {"type": "string", "maxLength": 128},
        "example": "c0ffee-2026-06-01-0001",
    },
    "ETag": {
        "description": "The version of the resource in the body, quoted. Send it as `If-Match` "
                       "with the next change: a stale one gets 412 `precondition-failed`.",
        "schema": {"type": "string"},
        "example": '"3"',
    },
    "Location": {
        "description": "Where the created object is read from now on.",
        "schema": {"type": "string", "format": "uri-reference"},
        "example": "/v1/programmes/3fa85f64-5717-4562-b3fc-2c963f66afa6",
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the same "
                       "`Idempotency-Key` and body: nothing was done again. Absent otherwise.",
        "schema": {"type": "string", "enum": ["true"]},
        "example": "true",
    },
    "Retry-After": {
        "description": "Seconds to wait before sending the request again.",
        "schema": {"type": "integer", "minimum": 0},
        "example": 12,
    },
}


def _json_schema(response: dict[str, Any]) -> dict[str, Any] | None:
    media = response.get("content", {}).get("application/json")
    schema = media.get("schema") if isinstance(media, dict) else None
    return schema if isinstance(schema, dict) else None


def _is_versioned(schema: dict[str, Any] | None, schemas: dict[str, Any]) -> bool:
    ref = (schema or {}).get("$ref", "")
    target = schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else {}
    return "version" in target.get("properties", {})


def _readable(document: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The collections whose objects have a GET (``/v1/programmes`` for
    ``/v1/programmes/{programme_id}``), and the schemas some GET answers."""
    collections, schemas = set(), set()
    for path, method, operation in operations(document):
        if method != "get":
            continue
        parent, _, last = path.rpartition("/")
        if last.startswith(_PARAMETER):
            collections.add(parent)
        schema = _json_schema(operation.get("responses", {}).get("200", {}))
        if schema and "$ref" in schema:
            schemas.add(schema["$ref"])
    return collections, schemas


def _takes_idempotency_key(operation: dict[str, Any]) -> bool:
    return any(isinstance(p, dict) and p.get("in") == "header"
               and str(p.get("name", "")).lower() == "idempotency-key"
               for p in operation.get("parameters", ()))


def describe_headers(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (changed in place) with the headers of every response documented."""
    document.setdefault("components", {})["headers"] = copy.deepcopy(HEADERS)
    schemas = document["components"].get("schemas", {})
    collections, read_schemas = _readable(document)
    for path, method, operation in operations(document):
        idempotent = _takes_idempotency_key(operation)
        for status, response in operation.get("responses", {}).items():
            names = ["X-Request-ID"]
            schema = _json_schema(response)
            if status.startswith("2"):
                if _is_versioned(schema, schemas):
                    names.append("ETag")
                if method == "post" and status in ("201", "202") and (
                        path in collections or (schema or {}).get("$ref") in read_schemas):
                    names.append("Location")
                if idempotent:
                    names.append("Idempotent-Replayed")
            if status in ("429", "503") and path.startswith("/v1/"):
                names.append("Retry-After")
            headers = response.setdefault("headers", {})
            for name in names:
                headers.setdefault(name, {"$ref": _REF + name})
    return document

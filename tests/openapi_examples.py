"""Every example of an OpenAPI 3.1 document checked against the schema it illustrates.

OpenAPI 3.1 schemas are JSON Schema Draft 2020-12, so each example is validated by
``jsonschema`` with that dialect, formats included (a ``date`` example must be a date), and with
every ``$ref`` resolved in the document itself. Examples sit on schemas (``examples``, or the
older ``example``), on parameters and headers, and on the media types of request bodies and
responses (``example``, or ``examples`` of Example Objects with a ``value``).
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCUMENT_URI = "urn:pathways:openapi"
# Keywords whose value is a schema, a list of schemas, or a map of names to schemas.
_ONE = ("additionalProperties", "items", "not", "if", "then", "else", "contains",
        "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema")
_MANY = ("allOf", "anyOf", "oneOf", "prefixItems")
_NAMED = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Pointer = tuple[str, ...]


def _schemas(schema: Any, at: Pointer) -> Iterator[tuple[Pointer, dict[str, Any]]]:
    """``schema`` and each schema nested in it, with where each is."""
    if not isinstance(schema, dict):
        return
    yield at, schema
    for key in _ONE:
        yield from _schemas(schema.get(key), (*at, key))
    for key in _MANY:
        for i, sub in enumerate(schema.get(key) or ()):
            yield from _schemas(sub, (*at, key, str(i)))
    for key in _NAMED:
        for name, sub in (schema.get(key) or {}).items():
            yield from _schemas(sub, (*at, key, name))


def _with_examples(holder: dict[str, Any], at: Pointer) -> Iterator[tuple[str, Any, Pointer]]:
    """The examples of a parameter, header or media type, with where the schema of each is."""
    if "schema" not in holder:
        return
    if "example" in holder:
        yield "/".join((*at, "example")), holder["example"], (*at, "schema")
    for name, example in (holder.get("examples") or {}).items():
        if isinstance(example, dict) and "value" in example:
            yield "/".join((*at, "examples", name)), example["value"], (*at, "schema")


def _content(holder: dict[str, Any], at: Pointer) -> Iterator[tuple[str, Any, Pointer]]:
    for media_type, media in (holder.get("content") or {}).items():
        yield from _with_examples(media, (*at, "content", media_type))


def examples(document: dict[str, Any]) -> Iterator[tuple[str, Any, Pointer]]:
    """Each ``(where, example, pointer to its schema)`` of ``document``."""
    components = document.get("components", {})
    holders: list[tuple[Pointer, Any]] = []
    for path, item in document.get("paths", {}).items():
        holders += [(("paths", path, "parameters", str(i)), p)
                    for i, p in enumerate(item.get("parameters", ()))]
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            at: Pointer = ("paths", path, method)
            holders += [((*at, "parameters", str(i)), p)
                        for i, p in enumerate(operation.get("parameters", ()))]
            if "requestBody" in operation:
                yield from _content(operation["requestBody"], (*at, "requestBody"))
            for status, response in operation.get("responses", {}).items():
                yield from _content(response, (*at, "responses", status))
                holders += [((*at, "responses", status, "headers", name), header)
                            for name, header in (response.get("headers") or {}).items()]
    for kind in ("parameters", "headers"):
        holders += [(("components", kind, name), h)
                    for name, h in components.get(kind, {}).items()]
    for at, holder in holders:
        if isinstance(holder, dict):
            yield from _with_examples(holder, at)
    roots = [(("components", "schemas", name), s)
             for name, s in components.get("schemas", {}).items()]
    for at, holder in holders:
        if isinstance(holder, dict):
            roots.append(((*at, "schema"), holder.get("schema")))
    for root_at, root in roots:
        for at, schema in _schemas(root, root_at):
            if "example" in schema:
                yield "/".join((*at, "example")), schema["example"], at
            for i, example in enumerate(schema.get("examples") or ()):
                yield "/".join((*at, "examples", str(i))), example, at


def _pointer(at: Pointer) -> str:
    escaped = (part.replace("~", "~0").replace("/", "~1") for part in at)
    return quote("/" + "/".join(escaped), safe="/~")


def invalid_examples(document: dict[str, Any]) -> list[str]:
    """Where each example that its schema refuses is, and why; empty when all are valid."""
    registry: Registry[Any] = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012))
    failures = []
    for where, example, schema_at in examples(document):
        validator = Draft202012Validator(
            {"$ref": f"{DOCUMENT_URI}#{_pointer(schema_at)}"}, registry=registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER)
        failures += [f"{where}: {error.message}" for error in validator.iter_errors(example)]
    return failures

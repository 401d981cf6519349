"""The ``null``s of the document's examples, put back where FastAPI dropped them.

FastAPI writes its OpenAPI document without any ``None``, and that reaches inside examples: a
response model's example showing ``"closed_at": None`` loses the field, and since a response
always carries every field (the field is ``required``) the example no longer fits its own
schema. Each example is walked along its schema here, and each required property it lacks
whose schema admits ``null`` gets ``null`` again: exactly the fields the answers carry as
``null``. An optional field whose example was ``None`` stays absent, which its schema allows.
"""

from collections.abc import Iterator
from typing import Any

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Keywords whose value is a schema, a list of schemas, or a map of names to schemas.
_ONE = ("additionalProperties", "items", "not", "contains")
_MANY = ("allOf", "anyOf", "oneOf", "prefixItems")
_NAMED = ("properties", "patternProperties", "$defs")


class _Document:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, schema: Any) -> Any:
        """``schema`` with its ``$ref`` (in this document) followed."""
        seen = 0
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 32:
            node: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) \
                    if isinstance(node, dict) else {}
            schema, seen = node, seen + 1
        return schema

    def admits_null(self, schema: Any) -> bool:
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return False
        kind = schema.get("type")
        if kind == "null" or (isinstance(kind, list) and "null" in kind):
            return True
        return any(self.admits_null(s) for s in (*schema.get("anyOf", ()),
                                                  *schema.get("oneOf", ())))

    def _branch(self, schema: dict[str, Any], value: Any) -> Any:
        """The one ``anyOf``/``oneOf`` branch of ``schema`` of ``value``'s JSON type."""
        kind = "object" if isinstance(value, dict) else "array"
        fitting = [b for b in (*schema.get("anyOf", ()), *schema.get("oneOf", ()))
                   if isinstance(r := self.resolve(b), dict)
                   and (r.get("type") == kind or (kind == "object" and "properties" in r))]
        return fitting[0] if len(fitting) == 1 else None

    def fill(self, value: Any, schema: Any) -> None:
        """Put back in ``value`` the nulls ``schema`` requires, at every depth."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict) or not isinstance(value, dict | list):
            return
        for part in schema.get("allOf", ()):
            self.fill(value, part)
        if (branch := self._branch(schema, value)) is not None:
            self.fill(value, branch)
        if isinstance(value, list):
            for item in value:
                self.fill(item, schema.get("items"))
            return
        properties: dict[str, Any] = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value and name in properties and self.admits_null(properties[name]):
                value[name] = None
        others = schema.get("additionalProperties")
        for name, item in value.items():
            self.fill(item, properties.get(name, others))


def _schemas(schema: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(schema, dict):
        return
    yield schema
    for key in _ONE:
        yield from _schemas(schema.get(key))
    for key in _MANY:
        for sub in schema.get(key) or ():
            yield from _schemas(sub)
    for key in _NAMED:
        for sub in (schema.get(key) or {}).values():
            yield from _schemas(sub)


def _holders(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Each parameter, header and media type of ``document``: what carries an example of its
    ``schema``."""
    for item in document.get("paths", {}).values():
        yield from item.get("parameters", ())
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            yield from operation.get("parameters", ())
            yield from operation.get("requestBody", {}).get("content", {}).values()
            for response in operation.get("responses", {}).values():
                yield from response.get("content", {}).values()
                yield from response.get("headers", {}).values()


def restore_nulls(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (changed in place) with the nulls of its examples put back."""
    walker = _Document(document)
    holders = [h for h in _holders(document) if isinstance(h, dict)]
    roots = [*document.get("components", {}).get("schemas", {}).values(),
             *(h.get("schema") for h in holders)]
    for root in roots:
        for schema in _schemas(root):
            for example in (*schema.get("examples", ()), schema.get("example")):
                walker.fill(example, schema)
    for holder in holders:
        values = [e.get("value") for e in holder.get("examples", {}).values()
                  if isinstance(e, dict)]
        for value in (*values, holder.get("example")):
            walker.fill(value, holder.get("schema"))
    return document

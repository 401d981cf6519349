"""One OpenAPI document for the whole API: the gateway's own paths plus every routed path of
every service, fetched from the services' ``/openapi.json`` and cached.

:func:`merge` makes one consistent document of them:

- paths: the gateway's own, then each service's routed ones (``gateway.routes``); each
  document brings only the component schemas its kept paths use.
- schema names: a name that means the same schema in every document having it is shared. A
  name whose schemas differ, or whose schema refers to such a name (its references then differ
  too), is prefixed in every document with the document's source (``PlacementsCompleteBody``,
  ``ReintegrationCompleteBody``), its ``title`` too, and every ``$ref`` rewritten: names never
  depend on the order of merging, and client generators, which name classes after titles,
  get one class per schema. Titles are unique across the document (FastAPI gives a model's
  ``-Input`` and ``-Output`` schemas one title: each gets its own name as title).
- operation ids (``shared.operation_ids``) must be unique: a clash raises
  :class:`MergeConflict` rather than leave a generated client one function short.
- the tags are listed with their descriptions (``gateway.api_tags``), the public URL is the
  server, and each response documents the headers it carries (``gateway.header_docs``).
- each ``/v1/…`` operation documents the gateway's own answers that no service gives: the 429
  of its rate limit, the 503 of a limiter (and, routed, of a service) that does not answer.

While a service does not give its document (any replica of it), there is no merged one:
``/openapi.json`` answers 503 ``api-incomplete`` naming the services missing, with
``Retry-After``, rather than a partial API (only complete documents are cached).
"""

import asyncio
import copy
import json
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import aiohttp
from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from starlette.routing import Route

from gateway import header_docs, problem_pages
from gateway.api_tags import TAGS
from gateway.routes import Router
from shared.errors import PROBLEM_MEDIA_TYPE, ProblemError, problem_type
from shared.i18n import _
from shared.problem_docs import add_problem, operations, problem_example

BEARER = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
          "description": "An access token from POST /v1/auth/token."}
SCHEMA_REF = "#/components/schemas/"
OWN = "gateway"
LIMITER_UNAVAILABLE = {
    "type": problem_type("rate-limiter-unavailable"), "title": "Rate limiter unavailable",
    "status": 503, "detail": "Requests cannot be counted right now: retry in 5 s."}
# Answers of any /v1 operation while PostgreSQL (the gateway's or the service's) cannot be reached,
# and of a routed one while the service cannot read the token keys (shared.errors, shared.jwks).
DATABASE_UNAVAILABLE = {
    "type": problem_type("database-unavailable"), "title": "Database unavailable",
    "status": 503, "detail": "The database cannot be reached right now; try again in 5 s."}
KEYS_UNAVAILABLE = {
    "type": problem_type("token-keys-unavailable"), "title": "Token keys unavailable",
    "status": 503, "detail": "The keys that check tokens cannot be fetched from their issuer "
                             "right now; try again shortly."}
PROBLEM_PAGES_NOTE = ("\n\nEvery problem's `type` (`/problems/…`, relative to this API's URL) is "
                      "a page describing it: what it means and what to do.")


class MergeConflict(ValueError):
    """The documents cannot be merged into one consistent document as they are."""


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(SCHEMA_REF):
                name = value.removeprefix(SCHEMA_REF)
                out[key] = f"{SCHEMA_REF}{renames.get(name, name)}"
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _refs(node: Any) -> set[str]:
    """The component schemas ``node`` refers to."""
    if isinstance(node, dict):
        found = {node["$ref"].removeprefix(SCHEMA_REF)} if isinstance(node.get("$ref"), str) \
            and node["$ref"].startswith(SCHEMA_REF) else set()
        return found.union(*(_refs(v) for k, v in node.items() if k != "$ref"))
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node))
    return set()


@dataclass
class _Source:
    """One document's part of the merge: its kept paths and the schemas they use."""

    name: str
    paths: dict[str, Any]
    schemas: dict[str, Any]
    components: dict[str, Any]

    @classmethod
    def of(cls, name: str, document: dict[str, Any], paths: dict[str, Any]) -> "_Source":
        components: dict[str, Any] = document.get("components", {})
        everything: dict[str, Any] = components.get("schemas", {})
        used: set[str] = set()
        todo = list(_refs(paths))
        while todo:
            schema = todo.pop()
            if schema not in used and schema in everything:
                used.add(schema)
                todo += _refs(everything[schema])
        return cls(name, paths, {n: everything[n] for n in sorted(used)}, components)

    @property
    def prefix(self) -> str:
        return self.name.title().replace("-", "").replace("_", "")


def _clashing(sources: list[_Source]) -> set[str]:
    """The schema names that must be prefixed: different schemas in two documents, or a
    schema in two documents referring to such a name."""
    holders: dict[str, list[_Source]] = defaultdict(list)
    for source in sources:
        for name in source.schemas:
            holders[name].append(source)
    clash = {name for name, held in holders.items()
             if len({json.dumps(s.schemas[name], sort_keys=True) for s in held}) > 1}
    grown = True
    while grown:
        grown = False
        for name, held in holders.items():
            if name not in clash and len(held) > 1 and \
                    any(_refs(s.schemas[name]) & clash for s in held):
                clash.add(name)
                grown = True
    return clash


def _merge_schemas(sources: list[_Source]) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """Every source's schemas under their merged names, and each source's renames."""
    clash = _clashing(sources)
    renames = {s.name: {n: f"{s.prefix}{n}" for n in s.schemas if n in clash} for s in sources}
    kept = {n for s in sources for n in s.schemas if n not in clash}
    schemas: dict[str, Any] = {}
    for source in sources:
        for name, schema in source.schemas.items():
            final = renames[source.name].get(name, name)
            if final != name and final in kept:
                raise MergeConflict(f"Schema {name} of {source.name} would be renamed {final}, "
                                    "which another schema already is.")
            schema = _rewrite_refs(schema, renames[source.name])
            if final != name:
                schema = {**schema, "title": final}
            schemas[final] = schema
    return dict(sorted(schemas.items())), renames


def _unique_titles(schemas: dict[str, Any]) -> None:
    """Give each schema whose title another schema has too its own name as title: FastAPI
    titles both ``Agreement-Input`` and ``Agreement-Output`` "Agreement"."""
    titles = Counter(str(s.get("title")) for s in schemas.values() if isinstance(s, dict))
    for name, schema in schemas.items():
        if isinstance(schema, dict) and titles[str(schema.get("title"))] > 1:
            schema["title"] = re.sub(r"[^A-Za-z0-9]", "", name)
    retitled = Counter(str(s.get("title")) for s in schemas.values() if isinstance(s, dict))
    if doubled := sorted(t for t, n in retitled.items() if n > 1 and t != "None"):
        raise MergeConflict(f"Several schemas are titled {', '.join(doubled)}.")


def check_operation_ids(document: dict[str, Any]) -> None:
    """Raise :class:`MergeConflict` when two operations share an id (or one has none)."""
    seen: dict[str, str] = {}
    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        operation_id = operation.get("operationId")
        if not operation_id:
            raise MergeConflict(f"{where} has no operation id.")
        if operation_id in seen:
            raise MergeConflict(f"Operation id {operation_id} of {where} is already the id of "
                                f"{seen[operation_id]}: rename one (shared.operation_ids).")
        seen[operation_id] = where


def _tags(document: dict[str, Any]) -> list[dict[str, str]]:
    """The tags the operations use, described, in the order of ``gateway.api_tags``."""
    used = {str(t) for _, _, operation in operations(document) for t in operation.get("tags", ())}
    known = [{"name": name, "description": text} for name, text in TAGS.items() if name in used]
    return known + [{"name": name} for name in sorted(used - TAGS.keys())]


def _gateway_problems(document: dict[str, Any], own_paths: set[str]) -> None:
    for path, _method, operation in operations(document):
        if not path.startswith("/v1/"):
            continue
        add_problem(operation, 429, "Too many requests")  # gateway.proxy counts every call
        add_problem(operation, 503, "Service unavailable", LIMITER_UNAVAILABLE)
        examples = operation["responses"]["503"]["content"][PROBLEM_MEDIA_TYPE]["examples"]
        examples.setdefault("database-unavailable", {"summary": DATABASE_UNAVAILABLE["title"],
                                                     "value": DATABASE_UNAVAILABLE})
        if path not in own_paths:
            routed = problem_example(503)
            examples.setdefault("service-unavailable",
                                {"summary": routed["title"], "value": routed})
            examples.setdefault("token-keys-unavailable", {"summary": KEYS_UNAVAILABLE["title"],
                                                           "value": KEYS_UNAVAILABLE})


def merge(own: dict[str, Any], upstream: dict[str, dict[str, Any]], router: Router, *,
          public_url: str | None = None) -> dict[str, Any]:
    """The gateway's document with each service's routed paths and their schemas merged in;
    ``public_url`` is the API's address, given as its server."""
    sources = [_Source.of(OWN, own, dict(own.get("paths", {})))]
    taken = set(own.get("paths", {}))
    for service, document in sorted(upstream.items()):
        paths = {p: item for p, item in document.get("paths", {}).items()
                 if router.service_for(p) == service and p not in taken}
        taken |= paths.keys()
        sources.append(_Source.of(service, document, paths))
    merged = copy.deepcopy(own)
    schemas, renames = _merge_schemas(sources)
    _unique_titles(schemas)
    merged["paths"] = {path: _rewrite_refs(item, renames[source.name])
                       for source in sources for path, item in source.paths.items()}
    components: dict[str, Any] = merged.setdefault("components", {})
    components["schemas"] = schemas
    for source in sources[1:]:
        for kind, entries in source.components.items():
            if kind != "schemas":
                components.setdefault(kind, {}).update(copy.deepcopy(entries))
    components.setdefault("securitySchemes", {})["bearer"] = BEARER
    merged["security"] = [{"bearer": []}]
    for path, item in merged["paths"].items():
        if not path.startswith("/v1/") or path == "/v1/auth/token":
            for operation in item.values():
                if isinstance(operation, dict):
                    operation["security"] = []
    _gateway_problems(merged, set(own.get("paths", {})))
    header_docs.describe_headers(merged)
    merged["tags"] = _tags(merged)
    if public_url:
        merged["servers"] = [{"url": public_url.rstrip("/"),
                              "description": "This deployment's gateway."}]
    info = merged.setdefault("info", {})
    info["description"] = info.get("description", "") + PROBLEM_PAGES_NOTE
    check_operation_ids(merged)
    return merged


class IncompleteDocument(ProblemError):
    """Some service routed to did not give its OpenAPI document: there is no whole one yet."""

    status, slug, title = 503, "api-incomplete", "API description incomplete"

    def __init__(self, missing: list[str]) -> None:
        super().__init__(_("The API description is not available until every service gives "
                           "its own; missing: {missing}. Try again shortly.",
                           missing=", ".join(missing)), missing=missing)
        self.headers = {"Retry-After": "5"}


class MergedOpenAPI:
    """Builds the merged document on demand and keeps it for ``ttl`` seconds."""

    def __init__(self, app: FastAPI, *, ttl: float, public_url: str | None = None) -> None:
        self.app = app
        self.ttl = ttl
        self.public_url = public_url
        self._document: dict[str, Any] | None = None
        self._built_at = 0.0
        self._lock = asyncio.Lock()

    async def document(self) -> dict[str, Any]:
        """The merged document, rebuilt when stale; :class:`IncompleteDocument` while a service
        does not give its own."""
        async with self._lock:
            if self._document is None or time.monotonic() - self._built_at > self.ttl:
                document, missing = await self._build()
                if missing:
                    raise IncompleteDocument(missing)
                self._document, self._built_at = document, time.monotonic()
            return self._document

    async def _build(self) -> tuple[dict[str, Any], list[str]]:
        """The merged document and the services whose document is missing from it."""
        proxy = self.app.state.proxy
        session: aiohttp.ClientSession = proxy.session
        services = sorted(set(proxy.router.table.values()))

        async def fetch(service: str) -> dict[str, Any] | None:
            for base in proxy.upstreams.in_turn(service):  # any replica's will do
                try:
                    async with session.get(f"{base}/openapi.json",
                                           timeout=aiohttp.ClientTimeout(total=5)) as response:
                        if response.status == 200:
                            document: dict[str, Any] = await response.json()
                            return document
                except (aiohttp.ClientError, TimeoutError, ValueError):
                    continue
            return None

        documents = await asyncio.gather(*(fetch(s) for s in services))
        found = {s: d for s, d in zip(services, documents, strict=True) if d is not None}
        missing = [s for s in services if s not in found]
        if missing:  # no document is made of a part
            return {}, missing
        return merge(self.app.openapi(), found, proxy.router, public_url=self.public_url), []


def install(app: FastAPI, *, ttl: float, public_url: str | None = None) -> None:
    """Serve the merged document at ``/openapi.json`` (which /docs and /redoc read), with
    ``public_url`` as its server, and a page for each problem type it documents at
    ``/problems/{slug}`` (``gateway.problem_pages``)."""
    merged = MergedOpenAPI(app, ttl=ttl, public_url=public_url)
    app.router.routes[:] = [r for r in app.router.routes
                            if not (isinstance(r, Route) and not isinstance(r, APIRoute)
                                    and r.path == app.openapi_url)]

    async def openapi_json(request: Request) -> dict[str, Any]:
        return await merged.document()

    app.add_api_route(app.openapi_url or "/openapi.json", openapi_json, include_in_schema=False)
    problem_pages.install(app, merged.document)

"""One OpenAPI document for the whole API: the gateway's own paths plus every routed path of
every service, fetched from the services' ``/openapi.json`` and cached.

Component schemas with the same name but different content in two documents are renamed
``<service>__<name>`` (and every ``$ref`` to them rewritten), so merging never silently
replaces one service's model with another's. While a service does not give its document (any
replica of it), there is no merged one: ``/openapi.json`` answers 503 ``api-incomplete`` naming
the services missing, with ``Retry-After``, rather than a partial API (only complete documents
are cached). Each ``/v1/…`` operation also documents the 429 of the gateway's rate limit, which
no service answers itself.
"""

import asyncio
import copy
import time
from typing import Any

import aiohttp
from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from starlette.routing import Route

from gateway.routes import Router
from shared.errors import ProblemError
from shared.problem_docs import add_problem, operations

BEARER = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
          "description": "An access token from POST /v1/auth/token."}


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and \
                    value.startswith("#/components/schemas/"):
                name = value.removeprefix("#/components/schemas/")
                out[key] = f"#/components/schemas/{renames.get(name, name)}"
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def merge(own: dict[str, Any], upstream: dict[str, dict[str, Any]],
          router: Router) -> dict[str, Any]:
    """The gateway's document with each service's routed paths and components merged in."""
    merged = copy.deepcopy(own)
    paths: dict[str, Any] = merged.setdefault("paths", {})
    components: dict[str, Any] = merged.setdefault("components", {})
    schemas: dict[str, Any] = components.setdefault("schemas", {})
    tags = {t["name"]: t for t in merged.get("tags", [])}
    for service, document in sorted(upstream.items()):
        theirs: dict[str, Any] = document.get("components", {}).get("schemas", {})
        renames = {name: f"{service}__{name}" for name, schema in theirs.items()
                   if name in schemas and schemas[name] != schema}
        document = _rewrite_refs(document, renames)
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            schemas[renames.get(name, name)] = schema
        for kind, entries in document.get("components", {}).items():
            if kind != "schemas":
                components.setdefault(kind, {}).update(entries)
        for path, item in document.get("paths", {}).items():
            if router.service_for(path) == service and path not in paths:
                paths[path] = item
        for tag in document.get("tags", []):
            tags.setdefault(tag["name"], tag)
    if tags:
        merged["tags"] = list(tags.values())
    components.setdefault("securitySchemes", {})["bearer"] = BEARER
    merged["security"] = [{"bearer": []}]
    for path, item in paths.items():
        if not path.startswith("/v1/") or path == "/v1/auth/token":
            for operation in item.values():
                if isinstance(operation, dict):
                    operation["security"] = []
    for path, _method, operation in operations(merged):
        if path.startswith("/v1/"):  # gateway.proxy counts each against its caller's limit
            add_problem(operation, 429, "Too many requests")
    return merged


class IncompleteDocument(ProblemError):
    """Some service routed to did not give its OpenAPI document: there is no whole one yet."""

    status, slug, title = 503, "api-incomplete", "API description incomplete"

    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"The API description is not available until every service gives its "
                         f"own; missing: {', '.join(missing)}. Try again shortly.",
                         missing=missing)
        self.headers = {"Retry-After": "5"}


class MergedOpenAPI:
    """Builds the merged document on demand and keeps it for ``ttl`` seconds."""

    def __init__(self, app: FastAPI, *, ttl: float) -> None:
        self.app = app
        self.ttl = ttl
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
        return merge(self.app.openapi(), found, proxy.router), missing


def install(app: FastAPI, *, ttl: float) -> None:
    """Serve the merged document at ``/openapi.json`` (which /docs and /redoc read)."""
    merged = MergedOpenAPI(app, ttl=ttl)
    app.router.routes[:] = [r for r in app.router.routes
                            if not (isinstance(r, Route) and not isinstance(r, APIRoute)
                                    and r.path == app.openapi_url)]

    async def openapi_json(request: Request) -> dict[str, Any]:
        return await merged.document()

    app.add_api_route(app.openapi_url or "/openapi.json", openapi_json, include_in_schema=False)

"""Forwarding ``/v1/…`` requests to the service that owns them, streaming both ways.

This is a plain ASGI middleware in front of the gateway's own FastAPI routes: a routed request
never goes through FastAPI's router, dependency injection or response classes, which would
cost more than the forwarding itself. All requests share one lean HTTP/1.1 client
(:mod:`gateway.upstream_client`: keep-alive connection pool, connect and read timeouts): a
bare uvicorn proxy forwarding with it spends about half the CPU per request of one forwarding
with aiohttp's session (see bench/gateway.py for the gateway against nginx).

Before forwarding: the bearer token is verified (401, or 403 for a trusted external issuer's
token that grants no Pathways role; a read of an erasure's progress may carry its receipt
instead, see ``gateway.routes.RECEIPT_PATHS``; verifying a credential needs none,
``gateway.routes.PUBLIC_PATHS``), the client's rate limit counted (429), the page
size (422) and body size (413) checked. Upstream failures become problems naming the
service: refused connection 503, timeout 504, anything malformed 502. Hop-by-hop headers are
dropped both ways; ``X-Request-ID``, W3C ``traceparent`` and ``X-Forwarded-*`` are set.

For the access line and the metrics, a routed request is labelled with the route template the
service names in its answer (``Pathways-Route``, taken off here), else with the routed prefix
(``/v1/programmes/*``: the service did not answer, or the gateway refused the request first),
and with its verified caller (:mod:`shared.logs`).
"""

import logging
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.ratelimit import RateLimiter, RateLimiterUnavailable
from gateway.routes import (
    LARGE_BODY_PREFIXES,
    OWN_PATHS,
    PUBLIC_PATHS,
    RECEIPT_HEADER,
    RECEIPT_PATHS,
    Router,
)
from gateway.upstream_client import (
    ConnectFailed,
    Disconnected,
    UpstreamClient,
    UpstreamResponse,
)
from gateway.upstreams import Upstreams
from shared import tracing
from shared.auth import (
    PRINCIPAL_KEY,
    Forbidden,
    InvalidToken,
    Principal,
    TokenVerifier,
    bearer_token,
)
from shared.errors import field_message, problem_type
from shared.i18n import N_, _, prefer, translate
from shared.logs import (
    ROUTE_HEADER,
    ROUTE_KEY,
    request_id_var,
    span_traceparent,
    traceparent_var,
)

log = logging.getLogger("pathways.gateway.proxy")

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "trailers", "transfer-encoding", "upgrade",
})
# Set by the gateway itself, never taken from the client as they are.
_REPLACED = frozenset({"host", "x-request-id", "traceparent", "x-forwarded-for",
                       "x-forwarded-proto", "x-forwarded-host", "forwarded"})
# Not sent on: hop-by-hop, set by the gateway itself, or answered by the gateway's server
# already (it read the body the client said it would send on ``Expect: 100-continue``).
_NOT_FORWARDED = HOP_BY_HOP | _REPLACED | {"expect"}
# The gateway's server sets its own Date and Server: the service's would make two of each.
_RESPONSE_DROP = frozenset({b"connection", b"keep-alive", b"proxy-authenticate",
                            b"proxy-authorization", b"te", b"trailer", b"trailers",
                            b"transfer-encoding", b"upgrade", b"x-request-id", b"date",
                            b"server", ROUTE_HEADER})
_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_SMALL_BODY = 256 * 1024
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# A created object's JSON read whole when a hook wants it (a programme is a few kB).
_CAPTURE_LIMIT = 1024 * 1024

# Called with the caller and the body of a 201 before it is relayed.
CreatedHook = Callable[[Principal, bytes], Awaitable[None]]


def next_traceparent(incoming: str | None) -> str:
    """The ``traceparent`` to send upstream: the caller's trace with a new span, or a new trace."""
    # Ids need to be unique, not unguessable: the random module's generator (seeded from the
    # system, again in a forked child), not a getrandom() system call for each.
    span = f"{random.getrandbits(64) or 1:016x}"
    if incoming and (match := _TRACEPARENT.match(incoming.strip())) \
            and match.group(1) != "0" * 32 and match.group(2) != "0" * 16:
        return f"00-{match.group(1)}-{span}-{match.group(3)}"
    return f"00-{random.getrandbits(128) or 1:032x}-{span}-01"


def build_session(*, connect_timeout: float, read_timeout: float,
                  max_connections: int) -> aiohttp.ClientSession:
    """The one client session every forwarded request shares."""
    connector = aiohttp.TCPConnector(
        limit=max_connections, limit_per_host=0, ttl_dns_cache=300,
        # below uvicorn's 5 s keep-alive, so we never reuse a connection the service closed
        keepalive_timeout=4.0,
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout,
                                      sock_read=read_timeout),
        auto_decompress=False,  # bytes pass through as the service encoded them
        cookie_jar=aiohttp.DummyCookieJar(),  # never keep one caller's cookies for another
        skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept", "Content-Type"),
    )


class BodyTooLarge(Exception):
    """The request body is over its limit."""


async def send_problem(send: Send, *, status: int, slug: str, title: str, detail: str,
                       instance: str, headers: dict[str, str] | None = None,
                       **extra: Any) -> None:
    """Answer a problem document straight from the ASGI layer; ``title`` is an English title
    (marked with ``N_``), worded here in the request's language."""
    body = orjson.dumps({"type": problem_type(slug), "title": translate(title), "status": status,
                         "detail": detail, "instance": instance, **extra})
    raw = [(b"content-type", b"application/problem+json"),
           (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def refused_by_limiter(send: Send, limiter: RateLimiter, key: str, *,
                             instance: str) -> bool:
    """Count a request against ``key``; answer 429 when over the limit, or 503 when the limiter
    cannot count and fails closed (see gateway.ratelimit). True when answered: stop there."""
    try:
        retry_after = await limiter.hit(key)
    except RateLimiterUnavailable as exc:
        await send_problem(send, status=503, slug="rate-limiter-unavailable",
                           title=N_("Rate limiter unavailable"), instance=instance,
                           detail=_("Requests cannot be counted right now: retry in "
                                    "{seconds} s.", seconds=exc.retry_after),
                           headers={"retry-after": str(exc.retry_after)})
        return True
    if retry_after is None:
        return False
    await send_problem(send, status=429, slug="rate-limited", title=N_("Too many requests"),
                       detail=_("Slow down: retry in {seconds:.0f} s.", seconds=retry_after),
                       instance=instance, headers={"retry-after": f"{retry_after:.0f}"})
    return True


@dataclass
class Proxy:
    """Everything forwarding needs, built in the gateway's lifespan."""

    router: Router
    upstreams: Upstreams
    client: UpstreamClient  # the forwarded requests'
    session: aiohttp.ClientSession  # the gateway's own calls to them (API document, readiness)
    verifier: TokenVerifier
    limiter: RateLimiter
    max_body_bytes: int
    import_max_body_bytes: int
    max_page_size: int
    # What the gateway does when a role's POST to a path answers 201, before relaying it: an
    # officer who opens a programme becomes its officer; a candidate's own new profile is
    # linked to their account.
    after_create: dict[tuple[str, str], CreatedHook] = field(default_factory=dict)

    async def forward(self, scope: Scope, receive: Receive, send: Send, service: str) -> None:
        """Check the request and forward it to ``service``."""
        path: str = scope["path"]
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1")
            value = raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        if "/./" in path or "/../" in path or path.endswith(("/.", "/..")):
            await send_problem(send, status=404, slug="not-found", title=N_("Not found"),
                               detail=_("No such path."), instance=path)
            return

        token = bearer_token(headers.get("authorization"))
        if token is None and (PUBLIC_PATHS.match(path) or (
                scope["method"] in ("GET", "HEAD") and headers.get(RECEIPT_HEADER)
                and RECEIPT_PATHS.match(path))):
            await self._forward_without_token(scope, receive, send, service, headers)
            return
        try:
            if token is None:
                raise InvalidToken(_("Send a bearer token: Authorization: Bearer <access_token>. "
                                     "Get one at POST /v1/auth/token."))
            principal = await self.verifier.verify(token)
        except InvalidToken as exc:
            await send_problem(send, status=401, slug=exc.slug, title=exc.title,
                               detail=exc.detail or translate(exc.title), instance=path,
                               headers=exc.headers)
            return
        except Forbidden as exc:  # a trusted issuer's token that grants no Pathways role
            await send_problem(send, status=403, slug=exc.slug, title=exc.title,
                               detail=exc.detail or translate(exc.title), instance=path)
            return
        scope[PRINCIPAL_KEY] = principal
        if principal.locale and "accept-language" not in headers:
            # The person's saved language: the service answers in it, and so does the gateway.
            headers["accept-language"] = principal.locale
            prefer(scope, principal.locale)

        if await refused_by_limiter(send, self.limiter, principal.subject, instance=path):
            return

        query: bytes = scope.get("query_string", b"")
        if b"limit=" in query:
            for name, value in parse_qsl(query.decode("latin-1")):
                if name == "limit" and value.isdigit() and int(value) > self.max_page_size:
                    await send_problem(
                        send, status=422, slug="validation", title=N_("Validation failed"),
                        detail=_("limit is at most {most}.", most=self.max_page_size),
                        instance=path,
                        errors=[{"loc": ["query", "limit"], "type": "less_than_equal",
                                 "msg": field_message({"type": "less_than_equal",
                                                       "ctx": {"le": self.max_page_size}})}])
                    return

        limit = self.import_max_body_bytes if path.startswith(LARGE_BODY_PREFIXES) \
            else self.max_body_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._too_large(send, path, limit)
            return
        hook = self.after_create.get((principal.role, path.rstrip("/"))) \
            if scope["method"] == "POST" else None
        await self._send_upstream(scope, receive, send, service, headers, limit,
                                  on_created=None if hook is None else (principal, hook))

    async def _forward_without_token(self, scope: Scope, receive: Receive, send: Send,
                                     service: str, headers: dict[str, str]) -> None:
        """Forward a tokenless request to :data:`PUBLIC_PATHS`, or a read of
        :data:`RECEIPT_PATHS` (its service checks the receipt). Counted against the caller's
        address, as the gateway's own tokenless paths are."""
        client = scope.get("client")
        if await refused_by_limiter(send, self.limiter, f"addr:{client[0] if client else '-'}",
                                    instance=scope["path"]):
            return
        await self._send_upstream(scope, receive, send, service, headers, self.max_body_bytes)

    async def _too_large(self, send: Send, path: str, limit: int) -> None:
        await send_problem(send, status=413, slug="request-too-large",
                           title=N_("Request too large"), instance=path,
                           detail=_("The body may be at most {limit} bytes here.", limit=limit),
                           max_bytes=limit)

    async def _send_upstream(self, scope: Scope, receive: Receive, send: Send, service: str,
                             incoming: dict[str, str], limit: int, *,
                             on_created: tuple[Principal, CreatedHook] | None = None) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        dropped = _NOT_FORWARDED
        if "connection" in incoming:
            dropped = dropped | {t.strip().lower() for t in incoming["connection"].split(",")}
        out = [(k, v) for k, v in incoming.items() if k not in dropped]
        # With tracing on, the service's span is a child of this request's; off, the trace
        # goes on with a new span id, also in the gateway's own log lines.
        outgoing = span_traceparent() if tracing.configured() else None
        if outgoing is None:
            outgoing = next_traceparent(incoming.get("traceparent"))
            traceparent_var.set(outgoing)
        out += [("x-request-id", request_id_var.get()), ("traceparent", outgoing),
                ("x-forwarded-proto", scope.get("scheme", "http"))]
        client = scope.get("client")
        if client:
            out.append(("x-forwarded-for", client[0]))
        if "host" in incoming:
            out.append(("x-forwarded-host", incoming["host"]))

        raw_path: bytes = scope.get("raw_path") or path.encode()
        query: bytes = scope.get("query_string", b"")
        target = raw_path.decode("latin-1")
        if query:
            target += "?" + query.decode("latin-1")

        first = await receive()
        body: bytes = first.get("body", b"")
        too_large = False
        data: bytes | AsyncIterator[bytes] | None
        if len(body) > limit:
            await self._too_large(send, path, limit)
            return
        if first.get("more_body", False):
            async def stream() -> AsyncIterator[bytes]:
                nonlocal too_large
                size = len(body)
                yield body
                while True:
                    message = await receive()
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        too_large = True
                        raise BodyTooLarge
                    if chunk:
                        yield chunk
                    if not message.get("more_body", False):
                        return

            data = stream()
        else:
            data = body or None

        streamed = isinstance(data, AsyncIterator)
        # Each replica once when it refuses the connection (nothing was sent, so any method may
        # go to the next); one retry on a kept-alive connection the service had just closed.
        bases = [self.upstreams.base(service)] if streamed else self.upstreams.in_turn(service)
        retries = 1 if method in _IDEMPOTENT and not streamed else 0
        response: UpstreamResponse | None = None
        try:
            while True:
                try:
                    async with self.client.request(bases[0], method, target, headers=out,
                                                   body=data) as response:
                        await self._relay(response, scope, send, on_created)
                        return
                except Disconnected:
                    if (response is not None and response.relayed) or retries == 0:
                        raise
                    retries -= 1
                except ConnectFailed:
                    if len(bases) == 1:
                        raise
                    bases.pop(0)
        except Exception as exc:
            if response is not None and response.relayed:
                raise  # the status is sent: all we can do is cut the response short
            await self._upstream_problem(send, exc, service=service, path=path,
                                         too_large=too_large, limit=limit)

    async def _relay(self, response: UpstreamResponse, scope: Scope, send: Send,
                     on_created: tuple[Principal, CreatedHook] | None = None) -> None:
        headers = []
        for name, value in response.headers:
            if name == ROUTE_HEADER:
                scope[ROUTE_KEY] = value.decode("latin-1")
            elif name not in _RESPONSE_DROP:
                headers.append((name, value))
        length = response.content_length
        if on_created is not None and response.status == 201 \
                and (length is None or length <= _CAPTURE_LIMIT):
            # Read whole and handed to the hook before the caller sees the 201, so that a
            # token asked for right after it already carries what the hook did.
            content = await response.read()
            principal, hook = on_created
            try:
                await hook(principal, content)
            except Exception:  # the object exists: relay it, and say what was not done
                log.exception("after-create hook failed")
        elif response.complete or (length is not None and length <= _SMALL_BODY):
            content = await response.read()
        else:
            response.relayed = True
            await send({"type": "http.response.start", "status": response.status,
                        "headers": headers})
            async for chunk in response.iter_chunks():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
            return
        response.relayed = True
        await send({"type": "http.response.start", "status": response.status,
                    "headers": headers})
        await send({"type": "http.response.body", "body": content})

    async def _upstream_problem(self, send: Send, exc: Exception, *, service: str, path: str,
                                too_large: bool, limit: int) -> None:
        if too_large or isinstance(exc, BodyTooLarge) or isinstance(exc.__cause__, BodyTooLarge):
            await self._too_large(send, path, limit)
        elif isinstance(exc, ConnectFailed):
            await send_problem(send, status=503, slug="service-unavailable",
                               title=N_("Service unavailable"), service=service, instance=path,
                               detail=_("The {service} service is not reachable; try again "
                                        "shortly.", service=service),
                               headers={"retry-after": "5"})
        elif isinstance(exc, TimeoutError):
            await send_problem(send, status=504, slug="upstream-timeout",
                               title=N_("Service timed out"), service=service, instance=path,
                               detail=_("The {service} service did not answer in time.",
                                        service=service))
        else:
            log.warning("bad answer from upstream", extra={
                "upstream": service, "error_type": type(exc).__name__})
            await send_problem(send, status=502, slug="bad-gateway", title=N_("Bad gateway"),
                               service=service, instance=path,
                               detail=_("The {service} service gave an answer that could not "
                                        "be relayed.", service=service))


async def _own_path_key(proxy: Proxy, scope: Scope) -> str:
    """Whose budget a request to one of the gateway's own paths counts against."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            token = bearer_token(value.decode("latin-1"))
            if token is not None:
                try:
                    principal = await proxy.verifier.verify(token)
                except (InvalidToken, Forbidden):
                    break  # the route answers 401 or 403; counted by address meanwhile
                scope[PRINCIPAL_KEY] = principal  # the route's own check takes it from there
                prefer(scope, principal.locale)
                return principal.subject
    client = scope.get("client")
    return f"addr:{client[0] if client else '-'}"


class GatewayMiddleware:
    """Routes ``/v1/…`` paths of a service to it; the gateway's own paths go to its app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        proxy: Proxy = scope["app"].state.proxy
        if OWN_PATHS.match(path) is None:
            routed = proxy.router.match(path)
            if routed is not None:
                prefix, service = routed
                # Until the service names its route: the prefix, never the path (it holds ids).
                scope[ROUTE_KEY] = prefix if path == prefix else f"{prefix}/*"
                await proxy.forward(scope, receive, send, service)
                return
        else:
            # The gateway's own endpoints are limited too: a signed-in caller (composed reports,
            # admin) by its subject as a proxied request is, everyone else (token requests,
            # sign-ups) by address.
            if await refused_by_limiter(send, proxy.limiter, await _own_path_key(proxy, scope),
                                        instance=path):
                return
        await self.app(scope, receive, send)

"""The app factory every service uses: a service adds its routers and nothing else."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.telemetry import TelemetryConfig
from sqlalchemy import Table
from starlette.middleware import Middleware

from shared import docs_pages, health, metrics_endpoint, operation_ids, problem_docs, tracing
from shared.auth import AuthSettings, Revocations, poll_revocations, verifier_from_settings
from shared.db import Database
from shared.errors import install_error_handlers
from shared.events.inbox import Inbox
from shared.events.service_events import ServiceEvents
from shared.express import ExpressApp, ExpressLanes, Lane
from shared.i18n import LanguageMiddleware
from shared.logs import RequestContextMiddleware, configure_logging
from shared.media_types import MEDIA_TYPE_CHECK
from shared.not_modified import NotModifiedMiddleware
from shared.protective_headers import ProtectiveHeadersMiddleware
from shared.settings import MissingSetting, ServiceSettings
from shared.text import RefuseNulMiddleware
from shared.trusted_issuers import TrustedIssuersSettings, trusts

Hook = Callable[[FastAPI], Awaitable[None]]
log = logging.getLogger("pathways.app")


def auth_settings_or_refuse(*, token_required: bool) -> AuthSettings:
    """The token settings; a service that needs tokens but is told neither how to verify them
    nor, explicitly, not to, refuses to start: a forgotten variable must not make every caller
    an admin."""
    settings = AuthSettings()
    if token_required and not settings.auth_jwks_url and not settings.auth_disabled:
        raise MissingSetting(
            "No token verification configured: set AUTH_JWKS_URL (the gateway's "
            "/.well-known/jwks.json, with AUTH_ISSUER) or, to let every caller in as an admin "
            "(tests, debugging one service on its own), AUTH_DISABLED=true.")
    return settings


def tune_garbage_collector() -> None:
    """Once started: move everything alive to the permanent generation and collect the young
    generation less often. What a request allocates dies young; the full collections that
    otherwise walk every module, model and table object stall requests in the tail (p99)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    idempotency_table: Table | None = None,
    version: str = "0.1.0",
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    middleware: Sequence[Middleware] = (),
    token_required: bool = True,
    internal_routers: Sequence[APIRouter] = (),
    events: ServiceEvents | None = None,
    inbox: Inbox | None = None,
    public_entry: bool = False,
    express: Sequence[Lane] = (),
) -> FastAPI:
    """A FastAPI app with the database, problem+json errors, request ids, logs, health,
    metrics (``/metrics``), traces when an OTLP endpoint is configured (``shared.tracing``) and
    ``/docs`` and ``/redoc`` pages that need no internet (``shared.docs_pages``).

    With ``token_required`` every route of ``routers`` must check a bearer token (once auth is
    on), and the app refuses to start if one does not, or if ``AUTH_JWKS_URL`` is unset without
    an explicit ``AUTH_DISABLED=true``; the gateway, which issues tokens, checks them route by
    route instead. Revoked tokens are refused: the gateway's feed is polled about every second.
    Tokens of the external issuers of ``AUTH_TRUSTED_ISSUERS`` are accepted too
    (:mod:`shared.trusted_issuers`).
    ``internal_routers`` (the events inbox) authenticate their callers otherwise, by signature.
    ``events`` and ``inbox`` are what the shared events routes serve and apply for this service
    (:mod:`shared.events.service_events`, :class:`shared.events.inbox.Inbox`).
    ``public_entry``: the public reaches this app (the gateway): its ``/metrics`` is served only
    with ``METRICS_TOKEN`` set (:mod:`shared.metrics_endpoint`), and its answers do not name
    their route template (``Pathways-Route``, which a service tells the gateway).
    ``express``: the service's hottest reads, answered in the express lane in the common case
    (:mod:`shared.express`); a lane's answer crosses no middleware, so a service with
    ``middleware`` of its own declares none.
    """
    if express and middleware:
        raise ValueError("An express lane would answer without the service's own middleware: "
                         "give either, not both.")
    configure_logging(settings.service_name, settings.log_level)
    tracing.configure(settings.service_name)
    assert settings.database_url is not None  # resolved or refused by ServiceSettings
    auth_settings = auth_settings_or_refuse(token_required=token_required)
    trusted_issuers = TrustedIssuersSettings().auth_trusted_issuers

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.database = Database(
            settings.database_url or "", application_name=settings.service_name,
            pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow,
            hot_pool_size=settings.db_hot_pool_size,
        )
        jwks_client = httpx.AsyncClient() if auth_settings.auth_jwks_url else None
        poller: asyncio.Task[None] | None = None
        if jwks_client is not None:
            revocations = Revocations()
            app.state.token_verifier = verifier_from_settings(
                auth_settings, jwks_client, revocations,
                trusted=trusts(trusted_issuers, jwks_client))
            if (feed := auth_settings.revocations_url()) is not None:
                poller = asyncio.create_task(poll_revocations(
                    revocations, url=feed, client=jwks_client,
                    interval=auth_settings.auth_revocations_poll_seconds))
        elif token_required:  # AUTH_DISABLED=true: shared.auth.PrincipalDep lets all in
            log.warning("token verification is disabled: every caller is an admin "
                        "(AUTH_DISABLED=true)")
        try:
            for hook in on_startup:
                await hook(app)
            tune_garbage_collector()
            yield
        finally:
            for hook in on_shutdown:
                await hook(app)
            await app.state.database.dispose()
            if poller is not None:
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller
            if jwks_client is not None:
                await jwks_client.aclose()

    # FastAPI's own /docs and /redoc load their assets from CDNs: docs_pages serves offline ones.
    # Every route refuses a body of a type it does not take (415) before validating it.
    app = ExpressApp(title=title, description=description, version=version, lifespan=lifespan,
                     docs_url=None, redoc_url=None, dependencies=[MEDIA_TYPE_CHECK],
                     generate_unique_id_function=operation_ids.operation_id,
                     telemetry=None if tracing.configured() else NO_NATIVE_TELEMETRY)
    docs_pages.install(app)
    app.state.settings = settings
    app.state.idempotency_table = idempotency_table
    app.state.events = events
    app.state.inbox = inbox
    app.state.token_verifier = None
    app.state.metrics_access = metrics_endpoint.MetricsAccess(
        metrics_endpoint.MetricsSettings().metrics_token, token_required=public_entry)
    install_error_handlers(app)
    # Innermost: a 304 stands for the route's own 200 (the gateway's proxied answers are the
    # services' own, 304s included).
    app.add_middleware(NotModifiedMiddleware)
    for extra in middleware:  # inside the request context: they see the request id
        app.add_middleware(extra.cls, *extra.args, **extra.kwargs)
    app.add_middleware(RefuseNulMiddleware)  # before any of them reads the query string
    app.add_middleware(RequestContextMiddleware, service=settings.service_name,
                       name_routes=not public_entry)
    # Around the request context: its bare 500 is worded in the request's language too.
    app.add_middleware(LanguageMiddleware)
    # Outermost: every answer carries the headers, the request context's bare 500 included.
    app.add_middleware(ProtectiveHeadersMiddleware)
    if express:  # in front of them all: it gives its answers every header they add
        app.express = ExpressLanes(app.stack, lanes=express, service=settings.service_name,
                                   name_routes=not public_entry)
    app.include_router(health.router)
    app.include_router(metrics_endpoint.router)
    secured = problem_docs.secured_operations(routers)
    if token_required:
        refuse_unguarded_routes(routers, secured)
    for router in routers:
        app.include_router(router)
    for router in internal_routers:
        app.include_router(router)
    problem_docs.install(app, secured=secured)
    tracing.instrument_app(app)
    return app


# Without traces (shared.tracing), FastAPI's own telemetry is off as it finds no provider: said
# once here, rather than found out again on every request by asking the three providers.
NO_NATIVE_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def refuse_unguarded_routes(routers: Sequence[APIRouter],
                            secured: set[tuple[str, str]]) -> None:
    """Fail at startup when a route of ``routers`` is not among the ``secured`` operations
    (``problem_docs.secured_operations``: those that check a token).

    Every route needs one, even one that asks nothing of its caller (a programme is public to
    every signed-in role, not to anyone): a route says so with a role dependency or
    ``shared.auth.SIGNED_IN``. Checked here rather than added to every route, so that a route
    resolves its caller once, not twice.
    """
    unguarded = [f"{method} {route.path}" for router in routers for route in router.routes
                 if isinstance(route, APIRoute) for method in sorted(route.methods or ())
                 if (route.path, method.lower()) not in secured]
    if unguarded:
        raise RuntimeError(f"Routes without a token check: {', '.join(unguarded)}. Give each "
                           "a role dependency or shared.auth.SIGNED_IN.")

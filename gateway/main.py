"""App factory of the gateway: the only public entry point of Pathways.

Routed ``/v1/…`` requests are forwarded by :class:`gateway.proxy.GatewayMiddleware`; the
gateway's own routes are the issuer (tokens, JWKS, discovery, admin), composed reports, health
and the merged OpenAPI document with its docs pages.
"""

import asyncio
import uuid
from pathlib import Path

import httpx
import orjson
from fastapi import FastAPI
from starlette.middleware import Middleware

from gateway import (
    access_log,
    admin_router,
    auth_router,
    erasure,
    identity,
    openapi,
    overview,
    revocations,
    signup,
)
from gateway.proxy import GatewayMiddleware, Proxy, build_session
from gateway.ratelimit import build_rate_limiter
from gateway.readiness import UpstreamReadiness
from gateway.routes import Router, route_table
from gateway.settings import Settings
from gateway.throttle import LoginThrottle, Policy, build_failure_store
from gateway.upstream_client import UpstreamClient
from gateway.upstreams import Upstreams
from shared.app import create_service_app
from shared.auth import Principal, TokenVerifier
from shared.events import inbox
from shared.i18n import register_catalogues
from shared.jwks import StaticKeySource
from shared.trusted_issuers import trusts


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the gateway app; settings are read here, not at import."""
    settings = settings or Settings()
    register_catalogues(Path(__file__).parent / "locales")

    async def start(app: FastAPI) -> None:
        database = app.state.database
        async with database.sessionmaker() as session, session.begin():
            app.state.signing_key = await identity.ensure_signing_key(
                session, algorithm=settings.signing_algorithm)

        async def load_keys() -> dict[str, object]:
            async with database.sessionmaker() as session:
                return await identity.published_keys(
                    session, token_ttl_seconds=settings.token_ttl_seconds)

        # Loaded before the first request, then followed: a change made at another replica
        # reaches this one within revocations_poll_seconds.
        revoked = await revocations.load(app)
        app.state.revocations_task = asyncio.create_task(revocations.follow(
            app, revoked, interval=settings.revocations_poll_seconds))
        # The external issuers' keys are read with this client (none when there is none).
        app.state.issuers_client = httpx.AsyncClient() if settings.trusted_issuers else None
        verifier = TokenVerifier(
            issuer=settings.issuer, audience=settings.audience,
            keys=StaticKeySource(load_keys, min_refresh_interval=1.0), revocations=revoked,
            trusted=trusts(settings.trusted_issuers, app.state.issuers_client)
            if app.state.issuers_client is not None else ())
        app.state.token_verifier = verifier

        async def officer_opened(principal: Principal, body: bytes) -> None:
            # The officer who opens a programme runs it: add it to their programmes (not a
            # revocation: it only widens). Their next token carries it. An external officer
            # (AUTH_TRUSTED_ISSUERS) has no account here: their programmes are their own
            # provider's claims, so add_programme finds no one and the provider's operator
            # grants the programme there.
            programme_id = uuid.UUID(orjson.loads(body)["id"])
            async with database.sessionmaker() as session, session.begin():
                await identity.add_programme(session, subject=principal.subject,
                                             programme_id=programme_id)

        async def profile_created(principal: Principal, body: bytes) -> None:
            # A candidate account that made its own profile (outside sign-up) is linked to it,
            # so that its next token names it in every service. Not a revocation either.
            candidate_id = uuid.UUID(orjson.loads(body)["id"])
            async with database.sessionmaker() as session, session.begin():
                await identity.link_candidate(session, subject=principal.subject,
                                              candidate_id=candidate_id)

        app.state.login_throttle = LoginThrottle(
            store=build_failure_store(redis_url=settings.redis_url,
                                      prefix=f"{settings.rate_limit_key_prefix}:login"),
            account=Policy(failures=settings.login_account_failures,
                           window=settings.login_failure_window_seconds,
                           delay=settings.login_account_delay_seconds,
                           max_delay=settings.login_account_max_delay_seconds),
            address=Policy(failures=settings.login_address_failures,
                           window=settings.login_failure_window_seconds,
                           delay=settings.login_address_delay_seconds,
                           max_delay=settings.login_address_max_delay_seconds))
        app.state.signup_limiter = build_rate_limiter(
            redis_url=settings.redis_url, limit=settings.signup_rate_limit_requests,
            window=settings.signup_rate_limit_window_seconds,
            prefix=f"{settings.rate_limit_key_prefix}:signup",
            fail_open=settings.rate_limit_fail_open)
        app.state.overview_section_seconds = settings.overview_section_seconds
        router, upstreams = Router(route_table(settings.routes)), Upstreams(settings.upstreams)
        app.state.proxy = Proxy(
            router=router,
            upstreams=upstreams,
            client=UpstreamClient(connect_timeout=settings.connect_timeout,
                                  read_timeout=settings.read_timeout,
                                  max_connections=settings.max_connections),
            session=build_session(connect_timeout=settings.connect_timeout,
                                  read_timeout=settings.read_timeout,
                                  max_connections=settings.max_connections),
            verifier=verifier,
            limiter=build_rate_limiter(redis_url=settings.redis_url,
                                       limit=settings.rate_limit_requests,
                                       window=settings.rate_limit_window_seconds,
                                       prefix=settings.rate_limit_key_prefix,
                                       fail_open=settings.rate_limit_fail_open),
            max_body_bytes=settings.max_body_bytes,
            import_max_body_bytes=settings.import_max_body_bytes,
            max_page_size=settings.max_page_size,
            after_create={("officer", "/v1/programmes"): officer_opened,
                          ("candidate", "/v1/candidates"): profile_created},
        )
        # Ready (shared.health) only once every service routed to is.
        app.state.readiness_checks = [UpstreamReadiness(
            list(set(router.table.values())), upstreams, app.state.proxy.session,
            timeout=settings.upstream_ready_timeout,
            cache_seconds=settings.upstream_ready_cache_seconds)]

    async def stop(app: FastAPI) -> None:
        await revocations.stop(getattr(app.state, "revocations_task", None))
        proxy: Proxy | None = getattr(app.state, "proxy", None)
        if proxy is not None:
            await proxy.client.close()
            await proxy.session.close()
            await proxy.limiter.close()
        for name in ("login_throttle", "signup_limiter"):
            if (held := getattr(app.state, name, None)) is not None:
                await (held.store if name == "login_throttle" else held).close()
        if (client := getattr(app.state, "issuers_client", None)) is not None:
            await client.aclose()

    app = create_service_app(
        settings=settings,
        title="Pathways API",
        description="The whole Pathways API behind one gateway: programmes, candidates, "
        "applications, training, placements and reintegration. Get a token at "
        "`POST /v1/auth/token` and send it as `Authorization: Bearer <token>`.",
        routers=[auth_router.router, signup.router, admin_router.router, overview.router,
                 access_log.router],
        # The inbox hears candidate.erased: the erased person's account goes (gateway.erasure).
        internal_routers=[revocations.router, inbox.router],
        events=erasure.EVENTS,
        inbox=erasure.INBOX,
        on_startup=[start],
        on_shutdown=[stop],
        middleware=[Middleware(GatewayMiddleware)],
        token_required=False,  # it issues them: its routes say which need one
        public_entry=True,  # the public reaches it: /metrics only with METRICS_TOKEN
    )
    openapi.install(app, ttl=settings.openapi_cache_seconds, public_url=settings.issuer)
    return app

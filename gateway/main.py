"""App factory of the gateway: the only public entry point of Pathways.

Routed ``/v1/…`` requests are forwarded by :class:`gateway.proxy.GatewayMiddleware`; the
gateway's own routes are the issuer (tokens, JWKS, discovery, admin), composed reports, health
and the merged OpenAPI document with its docs pages.
"""

from fastapi import FastAPI
from starlette.middleware import Middleware

from gateway import auth_router, identity, openapi, overview
from gateway.proxy import GatewayMiddleware, Proxy, build_session
from gateway.ratelimit import build_rate_limiter
from gateway.routes import Router, route_table
from gateway.settings import Settings
from gateway.upstreams import Upstreams
from shared.app import create_service_app
from shared.auth import StaticKeySource, TokenVerifier


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the gateway app; settings are read here, not at import."""
    settings = settings or Settings()

    async def start(app: FastAPI) -> None:
        database = app.state.database
        async with database.sessionmaker() as session, session.begin():
            app.state.signing_key = await identity.ensure_signing_key(
                session, algorithm=settings.signing_algorithm)

        async def load_keys() -> dict[str, object]:
            async with database.sessionmaker() as session:
                return await identity.published_keys(
                    session, token_ttl_seconds=settings.token_ttl_seconds)

        verifier = TokenVerifier(issuer=settings.issuer, audience=settings.audience,
                                 keys=StaticKeySource(load_keys, min_refresh_interval=1.0))
        app.state.token_verifier = verifier
        app.state.proxy = Proxy(
            router=Router(route_table(settings.routes)),
            upstreams=Upstreams(settings.upstreams),
            session=build_session(connect_timeout=settings.connect_timeout,
                                  read_timeout=settings.read_timeout,
                                  max_connections=settings.max_connections),
            verifier=verifier,
            limiter=build_rate_limiter(redis_url=settings.redis_url,
                                       limit=settings.rate_limit_requests,
                                       window=settings.rate_limit_window_seconds,
                                       prefix=settings.rate_limit_key_prefix),
            max_body_bytes=settings.max_body_bytes,
            import_max_body_bytes=settings.import_max_body_bytes,
            max_page_size=settings.max_page_size,
        )

    async def stop(app: FastAPI) -> None:
        proxy: Proxy | None = getattr(app.state, "proxy", None)
        if proxy is not None:
            await proxy.session.close()
            await proxy.limiter.close()

    app = create_service_app(
        settings=settings,
        title="Pathways API",
        description="The whole Pathways API behind one gateway: programmes, candidates, "
        "applications, training, placements and reintegration. Get a token at "
        "`POST /v1/auth/token` and send it as `Authorization: Bearer <token>`.",
        routers=[auth_router.router, overview.router],
        on_startup=[start],
        on_shutdown=[stop],
        middleware=[Middleware(GatewayMiddleware)],
        token_required=False,  # it issues them: its routes say which need one
    )
    openapi.install(app, ttl=settings.openapi_cache_seconds)
    return app

"""The app factory every service uses: a service adds its routers and nothing else."""

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from sqlalchemy import Table

from shared import health
from shared.db import Database
from shared.errors import install_error_handlers
from shared.logs import RequestContextMiddleware, configure_logging
from shared.settings import ServiceSettings

Hook = Callable[[FastAPI], Awaitable[None]]


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
) -> FastAPI:
    """A FastAPI app with the database, problem+json errors, request ids, logs and health."""
    configure_logging(settings.service_name, settings.log_level)
    assert settings.database_url is not None  # resolved or refused by ServiceSettings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.database = Database(
            settings.database_url or "", application_name=settings.service_name,
            pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow,
        )
        try:
            for hook in on_startup:
                await hook(app)
            yield
        finally:
            for hook in on_shutdown:
                await hook(app)
            await app.state.database.dispose()

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.settings = settings
    app.state.idempotency_table = idempotency_table
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health.router)
    for router in routers:
        app.include_router(router)
    return app

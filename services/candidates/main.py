"""App factory of the candidates service: routers and lifespan, nothing else."""

from fastapi import FastAPI

from services.candidates.database import idempotency_keys
from services.candidates.programmes import router as programmes_router
from services.candidates.settings import Settings
from shared.app import create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the candidates app; settings are read here, not at import, so tests pass theirs."""
    return create_service_app(
        settings=settings or Settings(),
        title="Pathways candidates",
        description="Programmes, candidate profiles, consents, applications, selection, "
        "pre-departure training and partner institutions.",
        routers=[programmes_router.router],
        idempotency_table=idempotency_keys,
    )

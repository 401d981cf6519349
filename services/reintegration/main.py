"""App factory of the reintegration service.

Returnee cases, follow-ups and outcomes arrive with their own issue; until then the service
runs with its schema, migrations and health endpoints so the system's shape is whole.
"""

from fastapi import FastAPI

from services.reintegration.settings import Settings
from shared.app import create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the reintegration app."""
    return create_service_app(
        settings=settings or Settings(),
        title="Pathways reintegration",
        description="Returnee cases, follow-up schedules, support measures and outcomes.",
        routers=[],
    )

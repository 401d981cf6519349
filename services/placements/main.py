"""App factory of the placements service.

Employers, vacancies, matching and placements arrive with their own issue; until then the
service runs with its schema, migrations and health endpoints so the system's shape is whole.
"""

from fastapi import FastAPI

from services.placements.settings import Settings
from shared.app import create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the placements app."""
    return create_service_app(
        settings=settings or Settings(),
        title="Pathways placements",
        description="Employers, vacancies, matching runs and placements.",
        routers=[],
    )

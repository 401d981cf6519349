"""The placements migrations create exactly what the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.models import Base


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={
        "include_schemas": True, "version_table_schema": "placements",
        # Reflect only its own schema: the role may not read the others'.
        "include_name": lambda name, type_, parent: type_ != "schema" or name == "placements",
        "include_object": lambda obj, name, type_, reflected, compare_to: (
            type_ != "table" or getattr(obj, "schema", None) == "placements"),
    })
    return list(compare_metadata(context, Base.metadata))


async def test_models_match_migrations(session: AsyncSession) -> None:
    connection = await session.connection()
    diff = await connection.run_sync(_diff)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"

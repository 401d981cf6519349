"""Alembic for every service: the common ``env.py`` body and programmatic upgrade/downgrade.

Each service has its own migrations folder whose version table lives in its own schema; the
service's role runs them, so it owns what they create.
"""

import asyncio
import importlib
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db import async_url
from shared.topology import ServiceSpec


def alembic_config(spec: ServiceSpec, url: str) -> Config:
    """An Alembic config for ``spec``'s migrations, connecting to ``url``."""
    package = importlib.import_module(spec.migrations_package)
    folder = Path(package.__file__ or "").parent / "migrations"
    config = Config()
    config.set_main_option("script_location", str(folder))
    config.set_main_option(
        "file_template",
        "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s",
    )
    config.attributes["url"] = url
    return config


def upgrade(spec: ServiceSpec, url: str, revision: str = "head") -> None:
    """Migrate ``spec``'s schema up to ``revision`` (blocking; run it off the event loop)."""
    command.upgrade(alembic_config(spec, url), revision)


def downgrade(spec: ServiceSpec, url: str, revision: str = "base") -> None:
    """Migrate ``spec``'s schema down to ``revision`` (blocking)."""
    command.downgrade(alembic_config(spec, url), revision)


def run_env(*, metadata: MetaData, schema: str) -> None:
    """The body of a service's ``env.py``: migrate only ``schema``, versioned inside it."""

    def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                       compare_to: object) -> bool:
        if type_ == "table":
            return getattr(obj, "schema", None) == schema
        return True

    def run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_object=include_object,
            # Reflect only its own schema: its role may not read the others' (sequences).
            include_name=lambda name, type_, parent: type_ != "schema" or name == schema,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(async_url(context.config.attributes["url"]),
                                     poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(run)
        await engine.dispose()

    asyncio.run(run_async())

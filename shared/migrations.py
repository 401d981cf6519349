"""The common ``env.py`` body of every service's Alembic migrations.

Each service has its own migrations folder whose version table lives in its own schema; the
service's role runs them, so it owns what they create. The launcher (``launcher.migrate``) runs
them.
"""

import asyncio

from alembic import context
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db import async_url


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

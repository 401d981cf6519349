"""Create the database, one login role per service and the schema it owns. Idempotent.

Runs with the administrator's ``DATABASE_URL``. Each role owns only its schema: no rights on the
other services' schemas and none on ``public``.
"""

import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.engine import make_url

from launcher.topology import ServiceSpec


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


async def ensure_database(admin_url: str) -> None:
    """Create the database ``admin_url`` names if it does not exist yet."""
    url = make_url(admin_url)
    name = url.database or "postgres"
    maintenance = url.set(database="postgres").render_as_string(hide_password=False)
    connection = await asyncpg.connect(maintenance)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            # Another preparer may create it meanwhile: the loser gets duplicate_database, or,
            # when both passed the catalog check at once, a unique violation on its name index.
            with contextlib.suppress(asyncpg.DuplicateDatabaseError,
                                     asyncpg.UniqueViolationError):
                await connection.execute(f"CREATE DATABASE {_quote_ident(name)}")
    finally:
        await connection.close()


# The advisory lock one preparer of a database holds at a time (``pathways db prepare`` runs in
# every replica's init step; each database has its own lock space).
PREPARE_LOCK = "pathways:prepare"


@asynccontextmanager
async def prepare_lock(admin_url: str) -> AsyncIterator[None]:
    """Held while this process prepares the database ``admin_url`` names; another preparer waits
    here until it is done. A session lock on a connection of its own: a preparer that dies
    releases it with its connection (and its migration's transaction is rolled back). Needs a
    direct connection, not one through a pooler in transaction mode."""
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute("SELECT pg_advisory_lock(hashtext($1))", PREPARE_LOCK)
        yield
    finally:
        await connection.close()  # the session's end releases the lock


async def drop_database(admin_url: str) -> None:
    """Drop the database ``admin_url`` names, disconnecting whoever is still on it."""
    url = make_url(admin_url)
    maintenance = url.set(database="postgres").render_as_string(hide_password=False)
    connection = await asyncpg.connect(maintenance)
    try:
        await connection.execute(
            f"DROP DATABASE IF EXISTS {_quote_ident(url.database or '')} WITH (FORCE)"
        )
    finally:
        await connection.close()


async def bootstrap(admin_url: str, services: tuple[ServiceSpec, ...]) -> None:
    """Create the database, each service's role and schema, and lock down ``public``."""
    await ensure_database(admin_url)
    connection = await asyncpg.connect(admin_url)
    try:
        database = await connection.fetchval("SELECT current_database()")
        await connection.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        await connection.execute(f"REVOKE ALL ON DATABASE {_quote_ident(database)} FROM PUBLIC")
        for spec in services:
            password = os.environ.get(f"{spec.env_prefix}DATABASE_PASSWORD")
            # Roles are cluster-wide: several databases on one cluster share them.
            async with connection.transaction():
                await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", spec.role)
                exists = await connection.fetchval(
                    "SELECT 1 FROM pg_roles WHERE rolname = $1", spec.role)
                if not exists:
                    await connection.execute(f"CREATE ROLE {_quote_ident(spec.role)} LOGIN")
            if password:
                await connection.execute(
                    f"ALTER ROLE {_quote_ident(spec.role)} PASSWORD {_quote_literal(password)}")
            role, schema = _quote_ident(spec.role), _quote_ident(spec.schema)
            await connection.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE "
                                     f"{_quote_ident(database)} TO {role}")
            await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {role}")
            await connection.execute(f"ALTER SCHEMA {schema} OWNER TO {role}")
            await connection.execute(f"REVOKE ALL ON SCHEMA public FROM {role}")
    finally:
        await connection.close()

"""The database as every service sees it: roles isolated, migrations reversible, no drift."""

import asyncio
import uuid

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from launcher import migrate
from launcher.bootstrap import bootstrap, drop_database
from launcher.database import prepare_database, service_database_url
from launcher.topology import SERVICES, service
from services.candidates.models import Base as CandidatesBase
from services.reintegration.models import Base as ReintegrationBase
from shared.db import Database, async_url
from tests.conftest import RunDatabase


class TestRoleIsolation:
    async def test_candidates_role_cannot_read_placements(self, database: RunDatabase) -> None:
        connection = await asyncpg.connect(database.url("candidates"))
        try:
            assert await connection.fetchval("SELECT count(*) FROM candidates.programme") >= 0
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.fetch("SELECT * FROM placements.alembic_version")
        finally:
            await connection.close()

    async def test_placements_role_cannot_read_candidates(self, database: RunDatabase) -> None:
        connection = await asyncpg.connect(database.url("placements"))
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.fetch("SELECT * FROM candidates.candidate")
        finally:
            await connection.close()

    async def test_no_role_may_create_in_public(self, database: RunDatabase) -> None:
        for spec in SERVICES:
            connection = await asyncpg.connect(database.url(spec.name))
            try:
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await connection.execute("CREATE TABLE public.intruder (id int)")
            finally:
                await connection.close()

    async def test_each_service_owns_its_schema(self, database: RunDatabase) -> None:
        connection = await asyncpg.connect(database.admin_url)
        try:
            owners = dict(await connection.fetch(
                "SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace "
                "WHERE nspname = ANY($1::text[])", [s.schema for s in SERVICES]))
            assert owners == {s.schema: s.role for s in SERVICES}
        finally:
            await connection.close()


class TestMigrations:
    async def test_down_to_base_and_up_again(self, database: RunDatabase) -> None:
        url = make_url(database.admin_url)
        scratch = url.set(database=f"pathways_migrations_{uuid.uuid4().hex[:8]}")
        admin_url = scratch.render_as_string(hide_password=False)
        await asyncio.to_thread(prepare_database, admin_url)
        await bootstrap(admin_url, SERVICES)  # a second bootstrap is harmless
        try:
            for spec in SERVICES:
                await asyncio.to_thread(migrate.downgrade, spec,
                                        service_database_url(admin_url, spec), "base")
            connection = await asyncpg.connect(admin_url)
            try:
                left = await connection.fetch(
                    "SELECT table_schema, table_name FROM information_schema.tables "
                    "WHERE table_schema = ANY($1::text[]) AND table_name <> 'alembic_version'",
                    [s.schema for s in SERVICES])
            finally:
                await connection.close()
            assert left == []
            await asyncio.to_thread(prepare_database, admin_url)
        finally:
            await drop_database(admin_url)

    @pytest.mark.parametrize("name", ["candidates", "reintegration"])
    async def test_models_match_migrations(self, database: RunDatabase, name: str) -> None:
        metadata = {"candidates": CandidatesBase.metadata,
                    "reintegration": ReintegrationBase.metadata}[name]
        engine = create_async_engine(async_url(database.url(name)))
        try:
            async with engine.connect() as connection:
                diff = await connection.run_sync(lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={
                        "include_schemas": True, "version_table_schema": name,
                        # Reflect only its own schema: the role may not read the others'.
                        "include_name": lambda n, type_, parent: (
                            type_ != "schema" or n == name),
                        "include_object": lambda obj, n, type_, reflected, compare_to: (
                            type_ != "table" or getattr(obj, "schema", None) == name),
                    }), metadata))
        finally:
            await engine.dispose()
        assert diff == [], f"{name}: models and migrations differ; add a migration: {diff}"

    async def test_drift_check_sees_a_difference(self, database: RunDatabase) -> None:
        from sqlalchemy import Column, Integer, MetaData, Table

        other = MetaData(schema="candidates")
        Table("programme", other, Column("id", Integer, primary_key=True))
        engine = create_async_engine(async_url(database.url("candidates")))
        try:
            async with engine.connect() as connection:
                diff = await connection.run_sync(lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={
                        "include_schemas": True,
                        "include_name": lambda name, type_, parent: (
                            type_ != "schema" or name == "candidates"),
                    }), other))
        finally:
            await engine.dispose()
        assert diff, "the drift check compared nothing"

    def test_each_service_has_its_own_version_table(self) -> None:
        assert service("candidates").schema == "candidates"
        config = migrate.alembic_config(service("candidates"), "postgresql://x@y/z")
        assert config.get_main_option("script_location", "").endswith(
            "services/candidates/migrations")


class TestRawConnection:
    """``Database.raw_connection`` never pools a connection left in a transaction."""

    async def test_left_in_a_transaction_it_is_closed_not_pooled(
            self, database: RunDatabase) -> None:
        db = Database(database.url("candidates"), application_name="raw-test", pool_size=1,
                      max_overflow=0)
        try:
            async with db.raw_connection() as connection:
                first = connection.get_server_pid()
                # What a cancellation between BEGIN and COMMIT leaves behind.
                await connection.execute("BEGIN")
            async with db.raw_connection() as connection:
                await connection.execute("SELECT 1")
                assert not connection.is_in_transaction()
                assert connection.get_server_pid() != first  # a new connection
            # A connection handed back cleanly is reused.
            async with db.raw_connection() as connection:
                reused = connection.get_server_pid()
            async with db.raw_connection() as connection:
                assert connection.get_server_pid() == reused
        finally:
            await db.dispose()

"""The database as every service sees it: roles isolated, migrations reversible, no drift."""

import asyncio
import os
import subprocess
import sys
import uuid

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from launcher import migrate
from launcher.bootstrap import PREPARE_LOCK, bootstrap, drop_database, ensure_database
from launcher.database import prepare_database, service_database_url
from launcher.runner import PROJECT_ROOT
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


def _scratch_url(database: RunDatabase, prefix: str) -> tuple[str, str]:
    """A new database's name and admin URL on the run database's cluster (not created)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    url = make_url(database.admin_url).set(database=name)
    return name, url.render_as_string(hide_password=False)


def _prepare(admin_url: str, *service_args: str) -> subprocess.Popen[bytes]:
    """``pathways db prepare`` in a process of its own, as a container's init step runs it."""
    return subprocess.Popen([sys.executable, "-m", "launcher.cli", "db", "prepare", *service_args],
                            env={**os.environ, "DATABASE_URL": admin_url}, cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


async def _schemas_at_head(admin_url: str) -> dict[str, str | None]:
    connection = await asyncpg.connect(admin_url)
    try:
        versions = {}
        for spec in SERVICES:
            exists = await connection.fetchval("SELECT to_regclass($1)",
                                               f"{spec.schema}.alembic_version")
            versions[spec.name] = exists and await connection.fetchval(
                f"SELECT version_num FROM {spec.schema}.alembic_version")
        return versions
    finally:
        await connection.close()


class TestPrepareTakesTurns:
    """Every replica's init step runs ``pathways db prepare``: replicas starting together must
    not trip over each other's migrations (without the lock, concurrent runs fail on duplicate
    catalog rows), and a later one finds everything done."""

    async def test_a_preparer_waits_for_the_lock_then_prepares(
            self, database: RunDatabase) -> None:
        name, admin_url = _scratch_url(database, "pathways_prepare_lock")
        await ensure_database(admin_url)
        holder = await asyncpg.connect(admin_url)
        process: subprocess.Popen[bytes] | None = None
        try:
            await holder.execute("SELECT pg_advisory_lock(hashtext($1))", PREPARE_LOCK)
            process = _prepare(admin_url, "--service", "reintegration")
            waiting = ("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                       "WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = $1")
            while not await holder.fetchval(waiting, name):  # until it waits on the lock
                assert process.poll() is None, process.communicate()[0].decode()
                await asyncio.sleep(0.05)
            # Waiting, it has done nothing yet.
            assert not await holder.fetchval(
                "SELECT 1 FROM pg_namespace WHERE nspname = 'reintegration'")
            await holder.execute("SELECT pg_advisory_unlock(hashtext($1))", PREPARE_LOCK)
            output = (await asyncio.to_thread(process.communicate, timeout=600))[0].decode()
            assert process.returncode == 0, output
            assert output.strip().endswith("prepared: reintegration")
            versions = await _schemas_at_head(admin_url)
            assert versions["reintegration"] and not versions["candidates"]
        finally:
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
            await holder.close()
            await drop_database(admin_url)

    async def test_preparers_started_together_all_succeed(self, database: RunDatabase) -> None:
        _, admin_url = _scratch_url(database, "pathways_prepare_together")
        # Two replicas of one service and one of another, as a first rollout starts them: the
        # same migrations, and the same bootstrap statements, at the same time.
        processes = [_prepare(admin_url, "--service", "gateway"),
                     _prepare(admin_url, "--service", "gateway"),
                     _prepare(admin_url, "--service", "reintegration")]
        try:
            outputs = [(await asyncio.to_thread(p.communicate, timeout=600))[0].decode()
                       for p in processes]
            assert [p.returncode for p in processes] == [0, 0, 0], outputs
            versions = await _schemas_at_head(admin_url)
            assert versions["gateway"] and versions["reintegration"], versions
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            await drop_database(admin_url)

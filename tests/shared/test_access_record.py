"""The access record's kit on a real Postgres: a linear chain under concurrent appends, a
trigger refusing UPDATE, DELETE and TRUNCATE, and a verification that names the first entry
altered or following a removed one (changed as a superuser, the trigger disabled)."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from services.reintegration.database import access_record
from shared.access_record import Access, Actor, Context, append, verify
from shared.db import async_url
from tests.conftest import RunDatabase

TABLE = "reintegration.access_record"
CONTEXT = Context(actor=Actor(subject="officer-1", role="officer"), method="GET",
                  route="/v1/returnee-cases/{case_id}", purpose="case_review", request_id="r-1")


@pytest.fixture(scope="module")
async def engine(scratch_database: RunDatabase) -> AsyncIterator[AsyncEngine]:
    """The reintegration role's engine on a database of this module's own."""
    engine = create_async_engine(async_url(scratch_database.url("reintegration")))
    yield engine
    await engine.dispose()


async def _append(engine: AsyncEngine, count: int) -> None:
    async with AsyncSession(engine) as session, session.begin():
        await append(session, access_record.table, CONTEXT, [
            Access(candidate_id=uuid.uuid4(), resource_type="returnee_case",
                   resource_id=str(uuid.uuid4()), action="read") for _ in range(count)])


async def _verify(engine: AsyncEngine) -> tuple[int, bool, int | None]:
    async with AsyncSession(engine) as session:
        found = await verify(session, access_record.table, batch=7)
    return found.entries, found.intact, found.first_broken_sequence


async def test_chain(engine: AsyncEngine, scratch_database: RunDatabase) -> None:
    # Concurrent requests, several entries each: one linear chain, 1..n without gaps.
    await asyncio.gather(*(_append(engine, 3) for _ in range(12)))
    assert await _verify(engine) == (36, True, None)
    admin = await asyncpg.connect(scratch_database.admin_url)
    try:
        seqs = [r["seq"] for r in await admin.fetch(f"SELECT seq FROM {TABLE} ORDER BY seq")]
        assert seqs == list(range(1, 37))

        # Append-only, whoever asks: the service's own role and the superuser alike.
        service = await asyncpg.connect(scratch_database.url("reintegration"))
        try:
            for connection in (service, admin):
                for statement in (f"UPDATE {TABLE} SET purpose = 'x' WHERE seq = 3",
                                  f"DELETE FROM {TABLE} WHERE seq = 3",
                                  f"TRUNCATE {TABLE}"):
                    with pytest.raises(asyncpg.InsufficientPrivilegeError,
                                       match="append-only"):
                        await connection.execute(statement)
        finally:
            await service.close()
        assert await _verify(engine) == (36, True, None)

        # Altered with the trigger disabled: the altered entry is the first broken one.
        async with admin.transaction():
            await admin.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER access_record_no_change")
            await admin.execute(f"UPDATE {TABLE} SET route = '/v1/elsewhere' WHERE seq = 20")
            await admin.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER access_record_no_change")
        assert await _verify(engine) == (36, False, 20)

        # An entry removed: the one after the gap is reported (before the altered one).
        async with admin.transaction():
            await admin.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER access_record_no_change")
            await admin.execute(f"DELETE FROM {TABLE} WHERE seq = 9")
            await admin.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER access_record_no_change")
        assert await _verify(engine) == (35, False, 10)
    finally:
        await admin.close()

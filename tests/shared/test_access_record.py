"""The access record's kit on a real Postgres: a linear chain under concurrent appends, a
trigger refusing UPDATE, DELETE and TRUNCATE, and a verification that names the first entry
altered or following a removed one (changed as a superuser, the trigger disabled)."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from services.reintegration.database import access_record
from shared.access_record import (
    GENESIS,
    HASHED_FIELDS,
    Access,
    Actor,
    Context,
    append,
    chained_rows,
    entry_hash,
    verify,
)
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


def test_batched_rows_hash_their_canonical_form() -> None:
    # chained_rows puts each entry's canonical form together from pieces; it must be
    # canonical()'s, whatever the values (nulls, quotes, non-ASCII, a NUL, no microseconds).
    now = datetime(2026, 12, 5, 7, 30, tzinfo=UTC)
    requests = [
        (Context(actor=Actor(subject='sub"é', role="officer", on_behalf_of="client\\1"),
                 method="GET", route="/v1/x/{id}", purpose=None, request_id="r-2"),
         [Access(uuid.uuid4(), "candidate", None, "read"),
          Access(uuid.uuid4(), "case", "r\x00ü", "change")]),
        (Context(actor=Actor(subject="a", role="admin", organisation="employer:1"),
                 method="HEAD", route="/v1", purpose="visa", request_id=None),
         [Access(uuid.UUID(int=1), "candidate", "1", "export")]),
    ]
    previous = GENESIS
    rows = chained_rows(requests, 41, previous, now)
    assert [row[0] for row in rows] == [42, 43, 44]
    for row in rows:
        fields = dict(zip(HASHED_FIELDS, row, strict=False))
        assert row[-2] == previous and row[-1] == entry_hash(previous, fields)
        previous = row[-1]

"""Reads' access-record entries appended in batches, on a real Postgres: every waiting read's
entries committed before it returns, together in one transaction, and the chain intact."""

import asyncio
import uuid

import asyncpg

from services.reintegration.database import access_record
from shared.access_record import Access, Actor, Context, ReadBatches, verify
from shared.db import Database
from tests.conftest import RunDatabase

TABLE = "reintegration.access_record"


def _context(n: int) -> Context:
    return Context(actor=Actor(subject=f"officer-{n}", role="officer"), method="GET",
                   route="/v1/returnee-cases/{case_id}", request_id=f"r-{n}")


async def test_reads_waiting_together_commit_together(scratch_database: RunDatabase) -> None:
    database = Database(scratch_database.url("reintegration"), application_name="test")
    batches = ReadBatches(access_record.table, database)
    admin = await asyncpg.connect(scratch_database.admin_url)
    asking = asyncio.Lock()  # one connection asks for every read, one at a time
    try:
        async def read(n: int) -> int:
            await batches.append(_context(n), [
                Access(candidate_id=uuid.uuid4(), resource_type="returnee_case",
                       resource_id=None, action="read") for _ in range(2)])
            # Returned: its entries are committed, seen from another connection.
            async with asking:
                return int(await admin.fetchval(
                    f"SELECT count(*) FROM {TABLE} WHERE request_id = $1", f"r-{n}"))

        assert await asyncio.gather(*(read(n) for n in range(20))) == [2] * 20
        # Twenty reads arriving at once: one transaction (one clock reading) for all of them.
        assert await admin.fetchval(f"SELECT count(DISTINCT recorded_at) FROM {TABLE}") == 1
        # Then one more on its own, in a transaction of its own, the chain still whole.
        assert await read(20) == 2
        assert await admin.fetchval(f"SELECT count(DISTINCT recorded_at) FROM {TABLE}") == 2
        async with database.sessionmaker() as session:
            found = await verify(session, access_record.table)
        assert (found.entries, found.intact) == (42, True)
    finally:
        await admin.close()
        await database.dispose()

"""Every query of a service's idempotency keys (the table of
:func:`shared.idempotency.idempotency_table`), in the request's session."""

from dataclasses import dataclass

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class StoredKey:
    """A key another request claimed and answered (its answer commits with the claim)."""

    request_hash: str
    status_code: int
    response_body: str
    response_headers: dict[str, str] | None


async def claim_key(session: AsyncSession, table: Table, *, scope: str, key: str,
                    request_hash: str) -> bool:
    """Insert the key with no answer yet; whether it was new. A concurrent claim of the same
    key waits here until the first one's transaction ends."""
    claimed = await session.execute(
        insert(table).values(scope=scope, key=key, request_hash=request_hash)
        .on_conflict_do_nothing().returning(table.c.key))
    return claimed.first() is not None


async def stored_key(session: AsyncSession, table: Table, *, scope: str, key: str) -> StoredKey:
    """The key as its first request left it."""
    row = (await session.execute(
        select(table.c.request_hash, table.c.status_code, table.c.response_body,
               table.c.response_headers)
        .where(table.c.scope == scope, table.c.key == key))).one()
    return StoredKey(request_hash=row.request_hash, status_code=row.status_code,
                     response_body=row.response_body, response_headers=row.response_headers)


async def store_answer(session: AsyncSession, table: Table, *, scope: str, key: str,
                       status_code: int, body: str, headers: dict[str, str]) -> None:
    """Keep the answer given to the key's first request, to replay it."""
    await session.execute(
        table.update().where(table.c.scope == scope, table.c.key == key)
        .values(status_code=status_code, response_body=body, response_headers=headers))

"""Async engine, per-request session with commit/rollback in one place, and raw reads.

The request's session owns the transaction: routes and services only ``flush()``. Raw reads that
must see the request's transaction take the session's asyncpg connection (``driver_connection``),
skipping the ORM and the BEGIN/ROLLBACK round trips. The hottest read paths skip the session
too: ``HotReadsDep`` lends them a pooled asyncpg connection directly.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import greenlet_spawn

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata(schema: str) -> MetaData:
    """A MetaData for one service's tables: its own schema and constraint names."""
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def async_url(url: str) -> str:
    """Turn a ``postgresql://`` URL into the asyncpg dialect SQLAlchemy expects."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("database URL must look like postgresql://user@host/db")
    return f"postgresql+asyncpg://{rest}" if scheme in ("postgresql", "postgres") else url


def create_engine(url: str, *, application_name: str, pool_size: int = 10,
                  max_overflow: int = 10) -> AsyncEngine:
    """An async engine whose connections show ``application_name`` in ``pg_stat_activity``."""
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args={"server_settings": {"application_name": application_name}},
    )


class Database:
    """The engine and session factory of one service process, built in its lifespan."""

    def __init__(self, url: str, *, application_name: str, pool_size: int = 10,
                 max_overflow: int = 10) -> None:
        self.engine = create_engine(url, application_name=application_name,
                                    pool_size=pool_size, max_overflow=max_overflow)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session: committed when the handler succeeds, rolled back otherwise."""
    database: Database = request.app.state.database
    async with database.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


# scope="function": commit before the response leaves, so a client never sees a success whose
# transaction then failed.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under ``session``, for reads that bypass the ORM."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection  # type: ignore[return-value]


class HotReads:
    """Lends pooled asyncpg connections to hot read paths, with no ORM session at all.

    On the most frequent reads the session's own machinery (session object, transaction
    bookkeeping, commit, a generator dependency) costs more than the query. A read of one
    statement needs none of it: it runs in autocommit, on a snapshot of committed data, which is
    what it would see at the start of a session anyway. Tests replace this with
    :class:`SessionHotReads` so that reads see the test's transaction.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection for the duration of the block."""
        pooled = await self.engine.raw_connection()
        try:
            yield pooled.driver_connection  # type: ignore[misc]
        except BaseException:
            # An error or a cancellation may leave a query half-done on the connection: discard
            # it rather than lend it out again.
            await greenlet_spawn(pooled.invalidate)
            raise
        # No transaction was begun, so returning it to the pool costs no round trip.
        await greenlet_spawn(pooled.close)


class SessionHotReads(HotReads):
    """Hot reads on a given session's connection (tests: inside the test's transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """The session's asyncpg connection."""
        yield await driver_connection(self.session)


async def get_hot_reads(request: Request) -> HotReads:
    """Dependency giving hot read paths their connections; override it to read elsewhere.

    A plain coroutine, not a generator, so FastAPI resolves it with next to no overhead.
    """
    return HotReads(request.app.state.database.engine)


HotReadsDep = Annotated[HotReads, Depends(get_hot_reads)]


def record_to_dict(record: asyncpg.Record) -> dict[str, Any]:
    """A plain dict of an asyncpg record, ready for orjson."""
    return dict(record.items())

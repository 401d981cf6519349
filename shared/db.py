"""Async engine, per-request session with commit/rollback in one place, and raw reads.

The request's session owns the transaction: routes and services only ``flush()``. Raw reads that
must see the request's transaction take the session's asyncpg connection (``driver_connection``),
skipping the ORM and the BEGIN/ROLLBACK round trips. The hottest read paths skip SQLAlchemy
altogether: ``HotReadsDep`` lends them a connection from a small asyncpg pool of their own.

Neither pool lends a connection the server has closed (a database restart): see
:func:`check_on_checkout` and :class:`HotReads`.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, cast

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import CursorResult, Executable, MetaData, Select, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection, QueuePool

Model = TypeVar("Model")
# How long a new connection may take: past it the database counts as out of reach (a 503)
# rather than holding the request for asyncpg's default minute.
CONNECT_TIMEOUT_SECONDS = 5.0
# A pooled connection idle longer than this is pinged before it is lent (see check_on_checkout).
PING_AFTER_IDLE_SECONDS = 10.0

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
    """An async engine whose connections show ``application_name`` in ``pg_stat_activity``,
    checked before each use (:func:`check_on_checkout`)."""
    engine = create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args={"server_settings": {"application_name": application_name},
                      "timeout": CONNECT_TIMEOUT_SECONDS},
    )
    check_on_checkout(engine)
    return engine


def check_on_checkout(engine: AsyncEngine, *,
                      ping_after_idle: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Make ``engine``'s pool replace a dead connection before lending it, so that a database
    restart costs no request an error.

    What SQLAlchemy's ``pool_pre_ping`` would do, for less: its ping on asyncpg is three round
    trips (BEGIN, ``;``, ROLLBACK) on every checkout, doubling those of a one-statement request.
    Instead: a connection asyncpg knows is closed (the server said so as it stopped: a restart,
    a failover, an administrator ending it) is replaced at no cost, and only one idle for more
    than ``ping_after_idle`` seconds, which a firewall or a dead host may have dropped silently,
    is pinged first. A busy pool pays nothing.
    """
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _idle_from(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _alive(dbapi_connection: Any, record: ConnectionPoolEntry,
               proxy: PoolProxiedConnection) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("closed by the server")  # the pool connects anew
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since > ping_after_idle:
            try:
                dbapi_connection.ping()
            except Exception as exc:
                raise DisconnectionError("no answer to a ping") from exc


@dataclass(frozen=True, slots=True)
class PoolUsage:
    """A connection pool's use now: its size, the most connections it may open (``limit``),
    those open, those lent out, and those open beyond its size (``overflow``)."""

    pool: str
    size: int
    limit: int
    open: int
    checked_out: int
    overflow: int


class Database:
    """The engine, session factory and hot-read pool of one service process, built in its lifespan.

    Connections: up to ``pool_size + max_overflow`` for sessions, plus up to ``hot_pool_size``
    (default ``pool_size``) opened on demand for hot reads, if the service has any.
    """

    def __init__(self, url: str, *, application_name: str, pool_size: int = 10,
                 max_overflow: int = 10, hot_pool_size: int | None = None) -> None:
        self.engine = create_engine(url, application_name=application_name,
                                    pool_size=pool_size, max_overflow=max_overflow)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self.hot_reads = HotReads(url, application_name=application_name,
                                  size=hot_pool_size or pool_size)
        self._limit = pool_size + max_overflow

    def pool_usage(self) -> list[PoolUsage]:
        """The use of the sessions' pool and of the hot reads' (for the metrics)."""
        pool = self.engine.pool
        usage = [self.hot_reads.usage()]
        if isinstance(pool, QueuePool):  # the async engine's is one; a test's may not be
            # overflow() counts from -size: the connections opened beyond size when positive.
            open_now = pool.size() + pool.overflow()
            usage.insert(0, PoolUsage(pool="sessions", size=pool.size(), limit=self._limit,
                                      open=max(0, open_now), checked_out=pool.checkedout(),
                                      overflow=max(0, pool.overflow())))
        return usage

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.hot_reads.close()
        await self.engine.dispose()

    @asynccontextmanager
    async def raw_connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection as asyncpg's, for work that runs its own transactions (COPY).

        Those transactions are asyncpg's, unknown to SQLAlchemy, which therefore sends no
        ROLLBACK when the connection goes back to the pool. Cancelled at the wrong moment (a
        client gone, a shutdown), one can stay open: pooled, that connection would turn the
        next request's COMMIT into the release of a savepoint, its rows never committed and
        their locks held. A connection left in a transaction is closed instead.
        """
        async with self.engine.connect() as sa_connection:
            connection = _asyncpg_connection(await sa_connection.get_raw_connection())
            try:
                yield connection
            finally:
                if connection.is_closed() or connection.is_in_transaction():
                    await sa_connection.invalidate()


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


async def rows_changed(session: AsyncSession, statement: Executable) -> int:
    """Run an UPDATE or DELETE without RETURNING; how many rows it matched."""
    result = await session.execute(statement)
    # Typed as a Result for every statement; a DML one without RETURNING is a CursorResult.
    return cast(CursorResult[Any], result).rowcount


async def one_or_none(session: AsyncSession, statement: Select[Model], *,
                      for_update: bool = False) -> Model | None:
    """The one object ``statement`` selects, if any, read afresh (a second read in the
    transaction sees what changed since the first); ``for_update`` locks its row until the
    transaction ends."""
    statement = statement.execution_options(populate_existing=True)
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under ``session``, for reads that bypass the ORM."""
    connection = await session.connection()
    return _asyncpg_connection(await connection.get_raw_connection())


def _asyncpg_connection(raw: PoolProxiedConnection) -> asyncpg.Connection:
    # SQLAlchemy types the driver's connection as Any | None whatever the dialect; ours is
    # asyncpg's (async_url).
    return cast(asyncpg.Connection, raw.driver_connection)


class HotReads:
    """Lends asyncpg connections to hot read paths, with neither ORM session nor SQLAlchemy pool.

    Measured on the candidate reads under load, each layer SQLAlchemy puts around a connection
    cost more than the query: the session (object, transaction bookkeeping, commit, generator
    dependency), then the pool checkout through a greenlet. A read of one statement needs none
    of it: it runs in autocommit on a snapshot of committed data, as it would at the start of a
    session. So hot reads get their own small asyncpg pool. Tests replace this with
    :class:`SessionHotReads` so that reads see the test's transaction.

    asyncpg's pool replaces a connection the server closed (a database restart) when it is
    acquired, at no cost: the first hot read after a restart succeeds. Unlike the engine's
    (:func:`check_on_checkout`), it pings no idle connection: asyncpg closes those idle for five
    minutes, and a read on one a firewall dropped meanwhile fails as unavailable (503).
    """

    def __init__(self, url: str, *, application_name: str, size: int) -> None:
        self._dsn = make_url(async_url(url)).set(drivername="postgresql").render_as_string(
            hide_password=False)
        self._application_name = application_name
        self._size = size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        # Requests beyond the pool's size queue here, first come first served. asyncpg's (and
        # SQLAlchemy's) pool queue is not fair: a waiter woken for a connection can lose it to
        # a newcomer and go back to the end, which under load left some requests waiting for
        # seconds while the median stayed low.
        self._gate = asyncio.Semaphore(size)

    async def _open(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._dsn, min_size=0, max_size=self._size, reset=_keep_session_state,
                    server_settings={"application_name": self._application_name},
                    timeout=CONNECT_TIMEOUT_SECONDS)
        return self._pool

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        """The first row of ``query``, or None."""
        async with self._gate:
            pool = self._pool or await self._open()
            # acquire() gives the connection back even after an error or a cancellation, and
            # waits out a cancelled query first.
            async with pool.acquire() as connection:
                return await connection.fetchrow(query, *args)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        """Every row of ``query``."""
        async with self._gate:
            pool = self._pool or await self._open()
            async with pool.acquire() as connection:
                return await connection.fetch(query, *args)

    async def close(self) -> None:
        """Close the pool's connections, if it was ever opened."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    def usage(self) -> PoolUsage:
        """The pool's use now (nothing open until the first hot read)."""
        opened = 0 if self._pool is None else self._pool.get_size()
        idle = 0 if self._pool is None else self._pool.get_idle_size()
        return PoolUsage(pool="hot_reads", size=self._size, limit=self._size, open=opened,
                         checked_out=opened - idle, overflow=0)


async def _keep_session_state(connection: asyncpg.Connection) -> None:
    """Nothing to reset between hot reads.

    asyncpg's default reset (UNLISTEN, RESET ALL, advisory unlocks…) is one more round trip per
    request, there to undo session state that single SELECT statements never create.
    """


class SessionHotReads(HotReads):
    """Hot reads on a given session's connection (tests: inside the test's transaction)."""

    def __init__(self, session: AsyncSession) -> None:  # no pool, no gate: one connection
        self.session = session

    def usage(self) -> PoolUsage:
        """No pool of its own: the session's connection is the sessions' pool's."""
        return PoolUsage(pool="hot_reads", size=0, limit=0, open=0, checked_out=0, overflow=0)

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        """The first row of ``query`` on the session's connection, or None."""
        return await (await driver_connection(self.session)).fetchrow(query, *args)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        """Every row of ``query`` on the session's connection."""
        return await (await driver_connection(self.session)).fetch(query, *args)

    async def close(self) -> None:
        """Nothing to close: the session belongs to its creator."""


async def get_hot_reads(request: Request) -> HotReads:
    """Dependency giving hot read paths their connections; override it to read elsewhere.

    A plain coroutine, not a generator, so FastAPI resolves it with next to no overhead.
    """
    database: Database = request.app.state.database
    return database.hot_reads


HotReadsDep = Annotated[HotReads, Depends(get_hot_reads)]


def record_to_dict(record: asyncpg.Record) -> dict[str, Any]:
    """A plain dict of an asyncpg record, ready for orjson."""
    return dict(record.items())


def column_values(row: object) -> dict[str, Any]:
    """The columns set on a new ORM object, by attribute name, for a Core INSERT (ON CONFLICT,
    many rows in one statement); the columns left unset get their defaults there too."""
    state = inspect(row)
    return {column.key: state.dict[column.key] for column in state.mapper.column_attrs
            if column.key in state.dict}


async def insert(session: AsyncSession, row: Model, *, savepoint: bool = False) -> Model:
    """Add ``row``, flush it and load what Postgres generated (id, defaults).

    With ``savepoint`` the flush runs in a savepoint, so a constraint violation (raised as
    IntegrityError) rolls back only this insert and the request's transaction stays usable.
    """
    if savepoint:
        # Added inside: begin_nested() flushes what is pending first, outside the savepoint.
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    else:
        session.add(row)
        await session.flush()
    await session.refresh(row)
    return row

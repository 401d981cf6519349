"""Async engine, per-request session with commit/rollback in one place, and raw reads.

The request's session owns the transaction: routes and services only ``flush()``. Hot read paths
take the session's underlying asyncpg connection (``driver_connection``) so they skip the ORM and
the extra BEGIN/ROLLBACK round trips while still reading inside the request's transaction.
"""

from collections.abc import AsyncIterator
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


def record_to_dict(record: asyncpg.Record) -> dict[str, Any]:
    """A plain dict of an asyncpg record, ready for orjson."""
    return dict(record.items())

"""Optimistic concurrency for updates: change a row only if it is still at the version read."""

import uuid
from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

Model = TypeVar("Model")


def versioned_update(model: type[Model], object_id: uuid.UUID, expected_version: int | None,
                     values: Mapping[str, Any]) -> Any:
    """The UPDATE … RETURNING that applies ``values`` and bumps ``version``.

    With ``expected_version`` it matches only a row still at that version, so a stale write
    changes nothing and returns no row.
    """
    table: Any = model
    statement = (update(table).where(table.id == object_id)
                 .values(**values, version=table.version + 1)
                 .returning(table).execution_options(populate_existing=True))
    if expected_version is not None:
        statement = statement.where(table.version == expected_version)
    return statement


async def update_versioned(session: AsyncSession, model: type[Model], object_id: uuid.UUID,
                           expected_version: int | None, values: Mapping[str, Any]) -> Model | None:
    """Apply ``values`` if the row is still at ``expected_version``; None when it is not."""
    return (await session.execute(
        versioned_update(model, object_id, expected_version, values))).scalar_one_or_none()


async def update_locked(session: AsyncSession, model: type[Model], object_id: uuid.UUID,
                        values: Mapping[str, Any]) -> Model:
    """Apply ``values`` to a row the caller holds locked (so it is there, at the version read)
    and bump its version (its ETag); the row as it is now."""
    row: Model = (await session.execute(
        versioned_update(model, object_id, None, values))).scalar_one()
    return row

"""Query pieces the service's repositories share."""

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession


async def delete_unreferenced(session: AsyncSession, model: Any, object_id: uuid.UUID) -> bool:
    """Delete the row; False (and nothing deleted) while an ON DELETE RESTRICT foreign key
    still refers to it. In a savepoint, so the transaction stays usable for the 409."""
    try:
        async with session.begin_nested():
            await session.execute(delete(model).where(model.id == object_id))
    except IntegrityError:
        return False
    return True


def equal_to(model: Any, filters: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    """``column = value`` for each filter given (None: not filtered)."""
    return [getattr(model, name) == value for name, value in filters.items()
            if value is not None]

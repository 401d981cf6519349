"""Query pieces the service's repositories share."""

import uuid
from typing import Any

from sqlalchemy import delete
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

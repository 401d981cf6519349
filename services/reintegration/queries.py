"""Query pieces the service's repositories share."""

import uuid
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

Model = TypeVar("Model")


async def change(session: AsyncSession, model: type[Model], object_id: uuid.UUID,
                 values: dict[str, Any]) -> Model:
    """Write ``values`` to the row of ``model`` with this id and bump its version (its ETag);
    the row as it is now."""
    statement = (update(model).where(model.id == object_id)  # type: ignore[attr-defined]
                 .values(**values, version=model.version + 1)  # type: ignore[attr-defined]
                 .returning(model).execution_options(populate_existing=True))
    return (await session.execute(statement)).scalar_one()  # type: ignore[no-any-return]

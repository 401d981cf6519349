"""The filters of a list as WHERE clauses."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement


def equal_to(model: Any, filters: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    """``column = value`` for each filter given, named by the column of ``model`` (None: not
    filtered)."""
    return [getattr(model, name) == value for name, value in filters.items()
            if value is not None]

"""Base pydantic models for the API's wire formats."""

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, model_validator


class StrictModel(BaseModel):
    """A request body: unknown fields are rejected, never silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseModel(BaseModel):
    """A response body built from ORM objects or mappings."""

    model_config = ConfigDict(from_attributes=True)


class PatchModel(StrictModel):
    """A partial update: absent fields stay, and ``null`` is refused except where listed."""

    nullable_fields: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_nulls(self) -> Self:
        for name in self.model_fields_set - self.nullable_fields:
            if getattr(self, name) is None:
                raise ValueError(f"'{name}' cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, as plain Python values."""
        return self.model_dump(exclude_unset=True)

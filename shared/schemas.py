"""Base pydantic models for the API's wire formats."""

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Self, TypeVar, cast

from pydantic import BaseModel, ConfigDict, model_validator

from shared.i18n import _, translate
from shared.text import MESSAGE, nul_path

Changes = TypeVar("Changes", bound=Mapping[str, Any])


class StorableText(BaseModel):
    """A request model whose text PostgreSQL can store: none of it may hold a NUL character
    (``text`` and ``jsonb`` cannot; see ``shared.text``), which is a 422 rather than a 500."""

    # On the raw input, once per model rather than once per field: this is on the path of
    # every line of a bulk import, and a validator per field would triple validation time.
    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data: Any) -> Any:
        where = nul_path(data)
        if where is not None:
            raise ValueError(_("Text may not contain the NUL character (U+0000): {where}.",
                               where=where) if where else translate(MESSAGE))
        return data


class StrictModel(StorableText):
    """A request body: unknown fields are rejected, never silently dropped, and its text must
    be storable (:class:`StorableText`)."""

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
                raise ValueError(_("'{name}' cannot be null", name=name))
        return self

    def changes(self, columns: type[Changes], *,
                mode: Literal["python", "json"] = "python") -> Changes:
        """The fields the client sent, as plain Python values (JSON-ready ones with ``mode``
        "json"), typed as ``columns``: the repository's ``TypedDict(total=False)`` of what its
        update may change."""
        return as_columns(self.model_dump(mode=mode, exclude_unset=True), columns)


def as_columns(values: Mapping[str, Any], columns: type[Changes]) -> Changes:
    """``values``, built from a validated request, as the repository's TypedDict ``columns``
    (the columns a write may set): TypeError if it names a column ``columns`` does not list."""
    if unknown := values.keys() - columns.__annotations__.keys():
        raise TypeError(f"{columns.__name__} has no {', '.join(sorted(unknown))}")
    return cast(Changes, values)  # keys checked above; values typed by the request's validation

"""Wire formats of the bulk import."""

import uuid
from datetime import date
from typing import Annotated, NotRequired

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, with_config
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from services.candidates.candidates.schemas import BirthDate, EducationYear, Gender
from services.candidates.vocabulary import (
    CefrLevel,
    CountryCode,
    EducationLevel,
    Email,
    LanguageCode,
    Sector,
    ShortText,
)
from shared.vocabulary import Phone, SkillUri


class LineError(BaseModel):
    """Why one line of the file was not imported."""

    line: int = Field(description="Line number in the file (CSV: the header is line 1).")
    errors: list[dict[str, str | list[str]]] = Field(
        description="Each problem: the field (`loc`) and what is wrong with it (`msg`).")


class ImportReport(BaseModel):
    """What an import did: how many lines were read, imported and rejected, and why."""

    model_config = {"json_schema_extra": {"examples": [{
        "format": "csv", "lines": 3, "imported": 2, "rejected": 1, "batches": 1,
        "created_ids": ["3f0c9a52-6a1e-4b7e-9d1f-2c4b6a8e0d13",
                        "8b2d7e41-0c5f-4a96-b3e8-5d1f9c2a7e60"],
        "errors": [{"line": 3, "errors": [{"loc": ["email"], "msg": "already registered"}]}],
        "errors_truncated": False,
    }]}}

    format: str
    lines: int = Field(description="Data lines read (blank lines are skipped).")
    imported: int
    rejected: int
    batches: int = Field(description="Batches committed, each in its own transaction.")
    created_ids: list[uuid.UUID] = Field(
        description="The ids of the candidates created, in the order of their lines.")
    errors: list[LineError]
    errors_truncated: bool = Field(
        description="True when more lines were rejected than the report lists.")


# The import validates each line against the same field types as ``CandidateCreate``, declared
# as TypedDicts: pydantic checks them without building a model per line, which more than halves
# the validation cost of a large file. Optional keys of the nested entries default to None, so a
# validated line already has the shape the candidates service stores (and the import writes it
# without rebuilding it). tests/candidates/imports/test_schemas.py holds the two in step (same
# fields, same verdicts, same error locations).
#
# Only the line's TypedDict carries a config: pydantic hands it down to the nested TypedDicts
# that have none, so one setting switches the whole line (see stripped_candidate_row).
_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _skill_named(skill: "SkillRow") -> "SkillRow":
    if skill["uri"] is None and skill["label"] is None:
        raise ValueError("a skill needs a uri or a label")
    return skill


class _Education(TypedDict):
    institution: ShortText
    level: EducationLevel
    field: NotRequired[Annotated[ShortText | None, Field(default=None)]]
    year: EducationYear


class SkillRow(TypedDict):
    """A skill of an imported line."""

    uri: NotRequired[Annotated[SkillUri | None, Field(default=None)]]
    label: NotRequired[Annotated[ShortText | None, Field(default=None)]]


class _Language(TypedDict):
    language: LanguageCode
    level: CefrLevel


def _distinct(languages: list[_Language]) -> list[_Language]:
    if len({item["language"] for item in languages}) != len(languages):
        raise ValueError("each language may appear only once")
    return languages


@with_config(_STRICT)
class _CandidateRow(TypedDict):
    given_name: ShortText
    family_name: ShortText
    email: Email
    phone: NotRequired[Phone | None]
    date_of_birth: BirthDate
    gender: Gender
    nationality: CountryCode
    residence_country: CountryCode
    residence_city: NotRequired[ShortText | None]
    education: NotRequired[Annotated[list[_Education], Field(max_length=20)]]
    skills: NotRequired[Annotated[list[Annotated[SkillRow, AfterValidator(_skill_named)]],
                                  Field(max_length=100)]]
    languages: NotRequired[Annotated[list[_Language], Field(max_length=20),
                                     AfterValidator(_distinct)]]
    preferred_sectors: NotRequired[Annotated[list[Sector], Field(max_length=30)]]
    preferred_countries: NotRequired[Annotated[list[CountryCode], Field(max_length=30)]]
    available_from_date: NotRequired[date | None]
    available_until_date: NotRequired[date | None]


@with_config(ConfigDict(extra="forbid"))
class _StrippedCandidateRow(_CandidateRow):
    """The same line, for documents whose every string was already stripped by str.strip (the
    CSV reader's): pydantic's stripping removes a subset of what str.strip does, so it would
    change nothing, yet it copies every string, a fifth of the validation time."""


def _available_in_order(row: _CandidateRow) -> _CandidateRow:
    start, end = row.get("available_from_date"), row.get("available_until_date")
    if start is not None and end is not None and end < start:
        raise ValueError("available_until_date must not be before available_from_date")
    return row


CandidateRow = Annotated[_CandidateRow, AfterValidator(_available_in_order)]
candidate_row = TypeAdapter(CandidateRow)
# For documents of already stripped strings; same verdicts as candidate_row on those.
stripped_candidate_row = TypeAdapter(
    Annotated[_StrippedCandidateRow, AfterValidator(_available_in_order)])

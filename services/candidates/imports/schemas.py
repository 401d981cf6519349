"""Wire formats of the bulk import."""

import uuid
from datetime import date
from typing import Annotated, NotRequired

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    with_config,
)
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from services.candidates.candidates.schemas import BirthDate, EducationYear, Gender, TextVersion
from services.candidates.programmes.schemas import Purpose
from services.candidates.vocabulary import (
    CefrLevel,
    CountryCode,
    EducationLevel,
    Email,
    LanguageCode,
    LongText,
    Sector,
    ShortText,
)
from shared.i18n import _
from shared.vocabulary import Phone, SkillUri, is_esco_skill


class LineError(BaseModel):
    """Why one line of the file was not imported."""

    line: int = Field(description="Line number in the file (CSV: the header is line 1).")
    errors: list[dict[str, str | list[str]]] = Field(
        description="Each problem: the field (`loc`) and what is wrong with it (`msg`).")


class ImportReport(BaseModel):
    """What an import did: how many lines were read, imported and rejected, and why."""

    model_config = {"json_schema_extra": {"examples": [{
        "format": "csv", "lines": 3, "imported": 2, "rejected": 1, "batches": 1,
        "duplicates_flagged": 1, "created_ids": ["3f0c9a52-6a1e-4b7e-9d1f-2c4b6a8e0d13",
                        "8b2d7e41-0c5f-4a96-b3e8-5d1f9c2a7e60"],
        "errors": [{"line": 3, "errors": [{"loc": ["email"], "msg": "already registered"}]}],
        "errors_truncated": False,
    }]}}

    format: str
    lines: int = Field(description="Data lines read (blank lines are skipped).")
    imported: int
    rejected: int
    batches: int = Field(description="Batches committed, each in its own transaction.")
    duplicates_flagged: int = Field(
        description="Pairs of likely duplicates newly flagged for an officer's review "
        "(`GET /v1/duplicates?status=open`): among the file's people and with those already "
        "registered. Their lines are imported all the same.")
    created_ids: list[uuid.UUID] = Field(
        description="The ids of the candidates created, in the order of their lines.")
    errors: list[LineError]
    errors_truncated: bool = Field(
        description="True when more lines were rejected than the report lists.")


class ApplicationImportReport(ImportReport):
    """What an import of applications did: the people created and, for each, the application
    filed and submitted (the lists in the order of their lines, one entry per imported line)."""

    model_config = {"json_schema_extra": {"examples": [{
        "format": "csv", "lines": 3, "imported": 2, "rejected": 1, "batches": 1,
        "duplicates_flagged": 0, "programme_id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
        "created_ids": ["3f0c9a52-6a1e-4b7e-9d1f-2c4b6a8e0d13",
                        "8b2d7e41-0c5f-4a96-b3e8-5d1f9c2a7e60"],
        "application_ids": ["0d7c2b18-4e5a-4f6b-8c9d-1e2f3a4b5c6d",
                            "6e5d4c3b-2a19-4f08-b7c6-d5e4f3a2b1c0"],
        "errors": [{"line": 3, "errors": [{
            "loc": ["consents"], "type": "consent-required",
            "msg": "The programme requires consent for: data_processing; the candidate has "
                   "not given it (or withdrew it)."}]}],
        "errors_truncated": False,
    }]}}

    programme_id: uuid.UUID
    application_ids: list[uuid.UUID] = Field(
        description="The ids of the applications submitted, in the order of their lines: the "
        "n-th is the application of the n-th of `created_ids`.")


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
        raise ValueError(_("a skill needs a uri or a label"))
    # Stored as the candidates service stores a Skill, marker included.
    skill["esco"] = is_esco_skill(skill["uri"])
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
    # Set from ``uri`` whatever was sent: whether it is a skill of ESCO.
    esco: NotRequired[bool]


class _Language(TypedDict):
    language: LanguageCode
    level: CefrLevel


def _distinct(languages: list[_Language]) -> list[_Language]:
    if len({item["language"] for item in languages}) != len(languages):
        raise ValueError(_("each language may appear only once"))
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


def _distinct_purposes(purposes: list[Purpose]) -> list[Purpose]:
    if len(set(purposes)) != len(purposes):
        raise ValueError(_("each purpose may appear only once"))
    return purposes


@with_config(_STRICT)
class _ApplicantRow(_CandidateRow):
    """A line of an import of applications: the person (as a candidate line) and their
    application to the import's programme."""

    # The purposes the person consented to on the form they signed, and the version of its
    # text; none is ever assumed.
    consents: NotRequired[Annotated[list[Purpose], Field(max_length=20),
                                    AfterValidator(_distinct_purposes)]]
    consent_text_version: NotRequired[TextVersion | None]
    # When they submitted it (staff entering past applications); default the import's time.
    submitted_at: NotRequired[AwareDatetime | None]
    motivation: NotRequired[LongText | None]


@with_config(ConfigDict(extra="forbid"))
class _StrippedApplicantRow(_ApplicantRow):
    """An applicant line of a document whose every string is already stripped (see
    :class:`_StrippedCandidateRow`)."""


def _consents_versioned(row: _ApplicantRow) -> _ApplicantRow:
    if row.get("consents") and not row.get("consent_text_version"):
        raise ValueError(_("consent_text_version is required with consents: the version of the "
                           "text the person signed"))
    if row.get("consent_text_version") and not row.get("consents"):
        raise ValueError(_("consent_text_version without consents: list the purposes consented "
                           "to in consents"))
    return row


def _available_in_order(row: _CandidateRow) -> _CandidateRow:
    start, end = row.get("available_from_date"), row.get("available_until_date")
    if start is not None and end is not None and end < start:
        raise ValueError(_("available_until_date must not be before available_from_date"))
    return row


CandidateRow = Annotated[_CandidateRow, AfterValidator(_available_in_order)]
candidate_row = TypeAdapter(CandidateRow)
# For documents of already stripped strings; same verdicts as candidate_row on those.
stripped_candidate_row = TypeAdapter(
    Annotated[_StrippedCandidateRow, AfterValidator(_available_in_order)])

ApplicantRow = Annotated[_ApplicantRow, AfterValidator(_available_in_order),
                         AfterValidator(_consents_versioned)]
applicant_row = TypeAdapter(ApplicantRow)
# For documents of already stripped strings; same verdicts as applicant_row on those.
stripped_applicant_row = TypeAdapter(
    Annotated[_StrippedApplicantRow, AfterValidator(_available_in_order),
              AfterValidator(_consents_versioned)])

"""Wire formats of vacancies."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field

from services.placements.vocabulary import (
    CefrLevel,
    Countries,
    CountryCode,
    CurrencyCode,
    IscoCode,
    LanguageCode,
    LongText,
    Sector,
    ShortText,
    Skill,
    Skills,
)
from shared.schemas import PatchModel, ResponseModel, StrictModel

Status = Literal["open", "closed"]

_EMPLOYER_ID = "2c1b0a9f-8e7d-4c6b-9a5f-4e3d2c1b0a9f"
_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"


class LanguageRequirement(StrictModel):
    """A language the trainee must speak at least at ``min_level`` (CEFR)."""

    language: LanguageCode
    min_level: CefrLevel


def _distinct_languages(value: list[LanguageRequirement] | None
                        ) -> list[LanguageRequirement] | None:
    if value is not None and len({r.language for r in value}) != len(value):
        raise ValueError("each language may appear only once")
    return value


LanguageRequirements = Annotated[list[LanguageRequirement], Field(max_length=10),
                                 AfterValidator(_distinct_languages)]


class Location(StrictModel):
    """Where the work is."""

    country: CountryCode
    city: ShortText | None = None


class Stipend(StrictModel):
    """The monthly stipend paid to the trainee."""

    amount: Decimal = Field(ge=0, le=100_000, decimal_places=2)
    currency: CurrencyCode


Seats = Annotated[int, Field(ge=1, le=1000)]
Months = Annotated[int, Field(ge=1, le=60, description="Planned length of the stay.")]
Nationalities = Annotated[Countries, Field(
    min_length=1, description="Only candidates of these nationalities; absent or null: any.")]


class VacancyCreate(StrictModel):
    """A new vacancy, open from creation. Status and ids other than its employer's and
    programme's are never client-set; an employer creates vacancies only for itself."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "employer_id": _EMPLOYER_ID, "programme_id": _PROGRAMME_ID,
        "title": "Junior network engineer (traineeship)", "occupation_code": "2523",
        "sector": "ict", "description": "Six months in the network operations team.",
        "required_skills": [{"uri": "http://data.europa.eu/esco/skill/ccd0a1d9",
                             "label": "configure network devices"}],
        "nice_to_have_skills": [{"label": "Python"}],
        "required_languages": [{"language": "fr", "min_level": "B1"}],
        "seats": 2, "start_date": "2026-09-01", "duration_months": 6,
        "location": {"country": "FR", "city": "Lyon"},
        "stipend": {"amount": "1200.00", "currency": "EUR"},
        "eligible_nationalities": ["MA", "TN"],
    }]})

    employer_id: uuid.UUID
    programme_id: uuid.UUID
    title: ShortText
    occupation_code: IscoCode = Field(description="ISCO-08 unit group, four digits.")
    sector: Sector
    description: LongText | None = None
    required_skills: Skills = Field(default_factory=list)
    nice_to_have_skills: Skills = Field(default_factory=list)
    required_languages: LanguageRequirements = Field(default_factory=list)
    seats: Seats
    start_date: date
    duration_months: Months
    location: Location
    stipend: Stipend | None = None
    eligible_nationalities: Nationalities | None = None


class VacancyUpdate(PatchModel):
    """A partial change; absent fields stay. Employer, programme and status cannot change."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "seats": 3, "stipend": {"amount": "1300.00", "currency": "EUR"},
    }]})
    nullable_fields = frozenset({"description", "stipend", "eligible_nationalities"})

    title: ShortText | None = None
    occupation_code: IscoCode | None = None
    sector: Sector | None = None
    description: LongText | None = None
    required_skills: Skills | None = None
    nice_to_have_skills: Skills | None = None
    required_languages: LanguageRequirements | None = None
    seats: Seats | None = None
    start_date: date | None = None
    duration_months: Months | None = None
    location: Location | None = None
    stipend: Stipend | None = None
    eligible_nationalities: Nationalities | None = None


class VacancyOut(ResponseModel):
    """A vacancy as the API shows it; ``status`` changes only through close and reopen."""

    id: uuid.UUID
    employer_id: uuid.UUID
    programme_id: uuid.UUID
    title: str
    occupation_code: str
    sector: str
    description: str | None
    required_skills: list[Skill]
    nice_to_have_skills: list[Skill]
    required_languages: list[LanguageRequirement]
    seats: int
    start_date: date
    duration_months: int
    end_date: date = Field(description="start_date plus duration_months.")
    location: Location
    stipend: Stipend | None
    eligible_nationalities: list[str] | None
    status: Status
    version: int
    created_at: datetime
    updated_at: datetime

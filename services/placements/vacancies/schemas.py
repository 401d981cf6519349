"""Wire formats of vacancies."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, ConfigDict, Field

from services.placements.vocabulary import (
    CefrLevel,
    Countries,
    CountryCode,
    CurrencyCode,
    IscoCode,
    LanguageCode,
    LongText,
    Occupation,
    OccupationRecord,
    QualificationLevel,
    RegionCode,
    Sector,
    ShortText,
    SkillRecord,
    Skills,
    StayType,
)
from shared.i18n import _, declare_labels
from shared.schemas import PatchModel, ResponseModel, StrictModel

Status = Literal["open", "closed"]

# Display names of the codes a client shows (GET /v1/labels/placements).
declare_labels("vacancy.status", get_args(Status))
declare_labels("vacancy.stay_type", get_args(StayType))
declare_labels("vacancy.qualification_level", get_args(QualificationLevel))

_EMPLOYER_ID = "2c1b0a9f-8e7d-4c6b-9a5f-4e3d2c1b0a9f"
_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"


class LanguageRequirement(StrictModel):
    """A language the trainee must speak at least at ``min_level`` (CEFR)."""

    language: LanguageCode
    min_level: CefrLevel


def _distinct_languages(value: list[LanguageRequirement] | None
                        ) -> list[LanguageRequirement] | None:
    if value is not None and len({r.language for r in value}) != len(value):
        raise ValueError(_("each language may appear only once"))
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
# Each stay type's own fields: required for it, refused for the others (422 naming them).
_STAY_TYPE = ("work (a job), traineeship (needs training_agreement_reference), study (needs "
              "study_programme and qualification_level, and a study_provider host; "
              "occupation_code optional) or seasonal (needs season). Must be one of the "
              "programme's stay_types.")
_OCCUPATION = ("ISCO-08 unit group, four digits; optional for a study, required otherwise. "
               "Derived from `occupation` when that is an ESCO occupation (then it may be left "
               "out; sent, it must be the same).")
_ESCO_OCCUPATION = ("The occupation: an ESCO occupation `{\"uri\": …}` (see `GET /v1/esco/search"
                    "?kind=occupation`; an unknown ESCO URI is refused), or a free `{\"label\": "
                    "…}`. An ESCO one gives `occupation_code` its ISCO-08 group.")
_REGION = "ISO 3166-2 subdivision of location.country (BE-VLG, IT-25)."
_AGREEMENT = "traineeship only: the training agreement's reference."
_STUDY_PROGRAMME = "study only: the title of the degree."
_QUALIFICATION = "study only: the level of the degree."
_SEASON = "seasonal only: the season's name (e.g. \"2024\")."


class VacancyCreate(StrictModel):
    """A new vacancy, open from creation. Status and ids other than its employer's and
    programme's are never client-set; an employer creates vacancies only for itself."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "employer_id": _EMPLOYER_ID, "programme_id": _PROGRAMME_ID,
        "title": "Junior network engineer (traineeship)", "stay_type": "traineeship",
        "training_agreement_reference": "NORDLYS-TA-2026-01",
        "occupation": {"uri": "http://data.europa.eu/esco/occupation/00000000-e5c0-4000-8000-00000000003a"},
        "sector": "ict", "description": "Six months in the network operations team.",
        "required_skills": [{"uri": "http://data.europa.eu/esco/skill/00000000-e5c0-4000-8000-000000000009",
                             "label": "configure network devices"}],
        "nice_to_have_skills": [{"label": "Python"}],
        "required_languages": [{"language": "fr", "min_level": "B1"}],
        "seats": 2, "start_date": "2026-09-01", "duration_months": 6,
        "location": {"country": "FR", "city": "Lyon"}, "region": "FR-ARA",
        "stipend": {"amount": "1200.00", "currency": "EUR"},
        "eligible_nationalities": ["MA", "TN"],
    }, {
        "employer_id": _EMPLOYER_ID, "programme_id": _PROGRAMME_ID,
        "title": "Master in renewable energy engineering", "stay_type": "study",
        "study_programme": "Máster Universitario en Energías Renovables",
        "qualification_level": "master", "sector": "green_energy", "seats": 10,
        "start_date": "2026-09-15", "duration_months": 24,
        "location": {"country": "ES", "city": "Madrid"}, "region": "ES-MD",
    }]})

    employer_id: uuid.UUID
    programme_id: uuid.UUID
    title: ShortText
    stay_type: StayType = Field("work", description=_STAY_TYPE)
    occupation: Occupation | None = Field(None, description=_ESCO_OCCUPATION)
    occupation_code: IscoCode | None = Field(None, description=_OCCUPATION)
    training_agreement_reference: ShortText | None = Field(None, description=_AGREEMENT)
    study_programme: ShortText | None = Field(None, description=_STUDY_PROGRAMME)
    qualification_level: QualificationLevel | None = Field(None, description=_QUALIFICATION)
    season: ShortText | None = Field(None, description=_SEASON)
    sector: Sector
    description: LongText | None = None
    required_skills: Skills = Field(default_factory=list)
    nice_to_have_skills: Skills = Field(default_factory=list)
    required_languages: LanguageRequirements = Field(default_factory=list)
    seats: Seats
    start_date: date
    duration_months: Months
    location: Location
    region: RegionCode | None = Field(None, description=_REGION)
    stipend: Stipend | None = None
    eligible_nationalities: Nationalities | None = None


class VacancyUpdate(PatchModel):
    """A partial change; absent fields stay. Employer, programme and status cannot change.
    The vacancy as changed must still fit its stay type (send null for the fields of a type it
    leaves)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "seats": 3, "stipend": {"amount": "1300.00", "currency": "EUR"},
    }]})
    nullable_fields = frozenset({"description", "stipend", "eligible_nationalities",
                                 "occupation", "occupation_code", "training_agreement_reference",
                                 "study_programme", "qualification_level", "season", "region"})

    title: ShortText | None = None
    stay_type: StayType | None = Field(None, description=_STAY_TYPE)
    occupation: Occupation | None = Field(None, description=_ESCO_OCCUPATION)
    occupation_code: IscoCode | None = Field(None, description=_OCCUPATION)
    training_agreement_reference: ShortText | None = Field(None, description=_AGREEMENT)
    study_programme: ShortText | None = Field(None, description=_STUDY_PROGRAMME)
    qualification_level: QualificationLevel | None = Field(None, description=_QUALIFICATION)
    season: ShortText | None = Field(None, description=_SEASON)
    sector: Sector | None = None
    description: LongText | None = None
    required_skills: Skills | None = None
    nice_to_have_skills: Skills | None = None
    required_languages: LanguageRequirements | None = None
    seats: Seats | None = None
    start_date: date | None = None
    duration_months: Months | None = None
    location: Location | None = None
    region: RegionCode | None = Field(None, description=_REGION)
    stipend: Stipend | None = None
    eligible_nationalities: Nationalities | None = None


class VacancyOut(ResponseModel):
    """A vacancy as the API shows it; ``status`` changes only through close and reopen."""

    id: uuid.UUID
    employer_id: uuid.UUID
    programme_id: uuid.UUID
    title: str
    stay_type: StayType
    occupation: OccupationRecord | None
    occupation_code: str | None
    training_agreement_reference: str | None
    study_programme: str | None
    qualification_level: QualificationLevel | None
    season: str | None
    sector: str
    description: str | None
    required_skills: list[SkillRecord]
    nice_to_have_skills: list[SkillRecord]
    required_languages: list[LanguageRequirement]
    seats: int
    start_date: date
    duration_months: int
    end_date: date = Field(description="start_date plus duration_months.")
    location: Location
    region: str | None
    stipend: Stipend | None
    eligible_nationalities: list[str] | None
    status: Status
    version: int
    created_at: datetime
    updated_at: datetime

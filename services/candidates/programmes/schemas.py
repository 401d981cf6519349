"""Wire formats of programmes."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Self, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from services.candidates.vocabulary import (
    CefrLevel,
    CountryCode,
    EducationLevel,
    Gender,
    LanguageCode,
    LongText,
    RegionCode,
    Sector,
    ShortText,
    StayType,
)
from shared.i18n import _
from shared.schemas import PatchModel, ResponseModel, StrictModel
from shared.vocabulary import Reason

SeatCount = Annotated[int, Field(ge=0, le=100_000)]
ProgrammeCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_-]{1,39}$")]
Purpose = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
# A planned head count: PALIM planned 9,677 applicants; a million is a typo, not a plan.
PlannedCount = Annotated[int | None, Field(ge=0, le=1_000_000)]
Item = TypeVar("Item")


def _distinct(values: Sequence[Item]) -> Sequence[Item]:
    if len(set(values)) != len(values):
        raise ValueError(_("each value may appear once"))
    return values


StayTypes = Annotated[list[StayType], Field(min_length=1, max_length=4),
                      AfterValidator(_distinct)]
Regions = Annotated[list[RegionCode], Field(max_length=50), AfterValidator(_distinct)]
StayMonths = Annotated[int, Field(ge=1, le=120)]
ExtensionMonths = Annotated[int, Field(ge=0, le=120)]
# Retention of personal data (services.candidates.retention): months of follow-up after a
# return, then months the data is kept after that. The defaults are documented here and in the
# README: the reintegration service's default schedule ends at 12 months; five years after is
# the longest an audit of a funded project usually asks records for.
DEFAULT_FOLLOW_UP_MONTHS = 12
DEFAULT_RETENTION_MONTHS = 60
FollowUpMonths = Annotated[int, Field(ge=0, le=120)]
RetentionMonths = Annotated[int, Field(ge=0, le=240)]
FOLLOW_UP_DESCRIPTION = (
    "Months returnees are followed up after their return (default 12: the last point of the "
    "default follow-up schedule; set it to the programme's last follow-up point). 0 to 120.")
RETENTION_DESCRIPTION = (
    "Months a person's personal data is kept after the end of their part in the programme "
    "(default 60), then erased by the retention job: for a returnee the end of follow-up "
    "(return date + follow_up_months); for someone never placed the later of the intake's "
    "close and the decision on their application (ineligible, rejected, withdrawn). A person "
    "of several programmes is kept until the latest expiry. 0 to 240.")


class PlannedFigures(StrictModel):
    """What the programme planned, shown beside what it achieved; null: not planned."""

    applicants: PlannedCount = None
    trained: PlannedCount = None
    moved: PlannedCount = None


class Season(StrictModel):
    """One season a seasonal programme runs, e.g. the 2024 strawberry harvest."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.ends_on <= self.starts_on:
            raise ValueError(_("ends_on must be after starts_on"))
        return self


def _distinct_names(seasons: list[Season]) -> list[Season]:
    if len({s.name for s in seasons}) != len(seasons):
        raise ValueError(_("season names must be unique"))
    return seasons


Seasons = Annotated[list[Season], Field(max_length=50), AfterValidator(_distinct_names)]


class LanguageRequirement(StrictModel):
    """A language the candidate must speak at least at ``min_level`` (CEFR)."""

    language: LanguageCode
    min_level: CefrLevel


class EligibilityRules(StrictModel):
    """The rules screening applies; each failed rule becomes a machine-readable reason."""

    min_age: int | None = Field(None, ge=14, le=99, description="Age on the intake's closing day.")
    max_age: int | None = Field(None, ge=14, le=99)
    nationalities: list[CountryCode] | None = Field(
        None, max_length=50,
        description="Admitted nationalities; absent means the programme's origin countries.")
    min_education_level: EducationLevel | None = None
    required_languages: list[LanguageRequirement] = Field(default_factory=list, max_length=10)
    genders: list[Gender] | None = Field(
        None, min_length=1, max_length=4,
        description='Admitted genders (the profile\'s own words), e.g. ["female"] for a '
        "women-only programme; absent admits everyone. Failure code "
        "``gender_not_admitted``.")
    residence_countries: list[CountryCode] | None = Field(
        None, min_length=1, max_length=50,
        description="Admitted countries of residence; absent admits any. Failure code "
        "``residence_not_admitted``.")
    first_time_only: bool = Field(
        False, description="Admit only people never placed in another programme (an "
        "application there placed or returned makes them ineligible). Failure code "
        "``prior_participation``.")

    @model_validator(mode="after")
    def _age_range(self) -> Self:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError(_("min_age must not exceed max_age"))
        return self


class ProgrammeFields(StrictModel):
    """Fields a programme is created with; every one may later be changed by PATCH."""

    name: ShortText
    description: LongText | None = None
    origin_countries: list[CountryCode] = Field(min_length=1, max_length=30)
    destination_countries: list[CountryCode] = Field(min_length=1, max_length=30)
    sectors: list[Sector] = Field(default_factory=list, max_length=30)
    intake_opens_at: AwareDatetime
    intake_closes_at: AwareDatetime
    capacity: int = Field(ge=1, le=100_000, description="Places to select.")
    gender_balance_min_share: Decimal | None = Field(
        None, ge=0, le=1, decimal_places=2,
        description="Minimum share of women and of men among the selected, where the pool "
        "allows; up to 0.5, or up to 1 when the eligibility admits only one of female and male "
        "(a women-only programme).")
    gender_targets: dict[Gender, SeatCount] | None = Field(
        None, description="Exact seats per gender, e.g. {\"female\": 24, \"male\": 26}, "
        "summing to at most the capacity; selection fills them exactly when the pools allow, "
        "and seats a gender cannot fill go by rank to the others. With a minimum share too, "
        "each of women and men must get at least the seats the share asks for.")
    eligibility: EligibilityRules = Field(default_factory=EligibilityRules)
    required_consents: list[Purpose] = Field(
        default_factory=lambda: ["data_processing"], max_length=10,
        description="Consent purposes a candidate must have given before submitting.")
    training_required_before_departure: bool = False
    stay_types: StayTypes = Field(
        default_factory=lambda: list[StayType](["work"]),
        description="What the stays are: work, traineeship (or internship), study, seasonal.")
    repeat_stays: bool = Field(
        False, description="A returnee may be matched and placed again (seasons after "
        "seasons): the matching-profile export then lists returned applications too.")
    planned: PlannedFigures = Field(
        default_factory=PlannedFigures,
        description="The numbers planned (applicants, trained, moved), shown beside actuals.")
    max_stay_months: StayMonths | None = Field(
        None, description="Longest stay the programme allows; placements enforces it.")
    max_extension_months: ExtensionMonths | None = Field(
        None, description="Longest total extension of a stay; placements enforces it.")
    destination_regions: Regions = Field(
        default_factory=list, description='ISO 3166-2 regions of the destination countries '
        '(e.g. "BE-VLG" Flanders, "IT-25" Lombardy).')
    seasons: Seasons = Field(
        default_factory=list, description="The seasons of a programme with seasonal stays: "
        "unique names, each ending after it starts.")
    follow_up_months: FollowUpMonths = Field(DEFAULT_FOLLOW_UP_MONTHS,
                                             description=FOLLOW_UP_DESCRIPTION)
    retention_months: RetentionMonths = Field(DEFAULT_RETENTION_MONTHS,
                                              description=RETENTION_DESCRIPTION)


class ProgrammeCreate(ProgrammeFields):
    """A new programme."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "code": "HOMERE-2026", "name": "HOMERe 2026",
        "origin_countries": ["MA", "TN"], "destination_countries": ["FR"],
        "sectors": ["ict", "electrical_engineering"],
        "intake_opens_at": "2026-01-15T00:00:00Z", "intake_closes_at": "2026-03-31T23:59:59Z",
        "capacity": 50, "gender_balance_min_share": "0.45",
        "eligibility": {"min_age": 20, "max_age": 30, "min_education_level": "bachelor",
                        "required_languages": [{"language": "fr", "min_level": "B2"}]},
        "required_consents": ["data_processing"],
        "training_required_before_departure": True,
        "stay_types": ["traineeship"], "repeat_stays": False,
        "planned": {"applicants": None, "trained": None, "moved": 250},
        "max_stay_months": 6, "max_extension_months": 0,
        "destination_regions": ["FR-IDF"], "seasons": [],
        "follow_up_months": 12, "retention_months": 60,
    }]})

    code: ProgrammeCode

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.intake_closes_at <= self.intake_opens_at:
            raise ValueError(_("intake_closes_at must be after intake_opens_at"))
        return self


class ProgrammeUpdate(PatchModel):
    """A partial change to a programme; absent fields stay as they are."""

    nullable_fields = frozenset({"description", "gender_balance_min_share", "gender_targets",
                                 "max_stay_months", "max_extension_months"})

    name: ShortText | None = None
    description: LongText | None = None
    origin_countries: list[CountryCode] | None = Field(None, min_length=1, max_length=30)
    destination_countries: list[CountryCode] | None = Field(None, min_length=1, max_length=30)
    sectors: list[Sector] | None = Field(None, max_length=30)
    intake_opens_at: AwareDatetime | None = None
    intake_closes_at: AwareDatetime | None = None
    capacity: int | None = Field(None, ge=1, le=100_000)
    gender_balance_min_share: Decimal | None = Field(None, ge=0, le=1, decimal_places=2)
    gender_targets: dict[Gender, SeatCount] | None = None
    eligibility: EligibilityRules | None = None
    required_consents: list[Purpose] | None = Field(None, max_length=10)
    training_required_before_departure: bool | None = None
    stay_types: StayTypes | None = None
    repeat_stays: bool | None = None
    planned: PlannedFigures | None = None
    max_stay_months: StayMonths | None = None
    max_extension_months: ExtensionMonths | None = None
    destination_regions: Regions | None = None
    seasons: Seasons | None = None
    follow_up_months: FollowUpMonths | None = None
    retention_months: RetentionMonths | None = None


class PlannedFiguresOut(ResponseModel):
    """What the programme planned; null where it planned nothing."""

    applicants: int | None = None
    trained: int | None = None
    moved: int | None = None


class SeasonOut(ResponseModel):
    """One season of a seasonal programme."""

    name: str
    starts_on: date
    ends_on: date


class SuspendedOrigin(ResponseModel):
    """An origin country whose people may no longer apply to the programme."""

    country: str
    reason: str
    suspended_on: date


class OriginSuspensionCreate(StrictModel):
    """Suspend an origin country: its people's pending applications are withdrawn."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "country": "EG", "reason": "The Egyptian component was cancelled.",
        "suspended_on": "2019-09-30",
    }]})

    country: CountryCode
    reason: Reason
    suspended_on: date | None = Field(
        None, description="The day it was decided; default today, never in the future.")


class OriginSuspensionOut(SuspendedOrigin):
    """The suspension recorded, and how many applications it withdrew."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "country": "EG", "reason": "The Egyptian component was cancelled.",
        "suspended_on": "2019-09-30", "withdrawn": 44,
    }]})

    withdrawn: int = Field(description="Pending applications of that nationality withdrawn "
                                       "(draft up to waitlisted; selected ones stay).")


class ProgrammeOut(ResponseModel):
    """A programme as the API shows it."""

    id: uuid.UUID
    code: str
    name: str
    description: str | None
    origin_countries: list[str]
    destination_countries: list[str]
    sectors: list[str]
    intake_opens_at: datetime
    intake_closes_at: datetime
    capacity: int
    gender_balance_min_share: Decimal | None
    gender_targets: dict[str, int] | None
    eligibility: EligibilityRules
    required_consents: list[str]
    training_required_before_departure: bool
    stay_types: list[StayType]
    repeat_stays: bool
    planned: PlannedFiguresOut
    max_stay_months: int | None
    max_extension_months: int | None
    destination_regions: list[str]
    seasons: list[SeasonOut]
    suspended_origins: list[SuspendedOrigin] = Field(
        description="Origin countries whose people may no longer apply, and why.")
    follow_up_months: int = Field(description=FOLLOW_UP_DESCRIPTION)
    retention_months: int = Field(description=RETENTION_DESCRIPTION)
    version: int
    created_at: datetime
    updated_at: datetime

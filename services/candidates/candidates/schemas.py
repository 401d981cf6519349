"""Wire formats of candidate profiles and consents."""

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic.config import JsonDict

from services.candidates.candidates.read_repository import CandidateFilters
from services.candidates.programmes.schemas import Purpose
from services.candidates.vocabulary import (
    CefrLevel,
    CountryCode,
    EducationLevel,
    Email,
    LanguageCode,
    Sector,
    ShortText,
)
from services.candidates.vocabulary import Gender as Gender  # re-exported for its users
from shared.clock import utc_today
from shared.i18n import _
from shared.pagination import PageQuery
from shared.schemas import PatchModel, ResponseModel, StrictModel
from shared.vocabulary import Phone, Skill, SkillRecord

ConsentAction = Literal["given", "withdrawn"]

MIN_AGE, MAX_AGE = 14, 99
FIRST_EDUCATION_YEAR = 1950
# Education still under way may end a few years from now (a doctorate started this year).
EDUCATION_YEARS_AHEAD = 6

TextVersion = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]


def age_on(born: date, day: date) -> int:
    """Whole years between ``born`` and ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _plausible_birth_date(value: date) -> date:
    today = utc_today()
    if value >= today:
        raise ValueError(_("date_of_birth must be in the past"))
    if not MIN_AGE <= age_on(value, today) <= MAX_AGE:
        raise ValueError(_("age must be between {min_age} and {max_age}",
                           min_age=MIN_AGE, max_age=MAX_AGE))
    return value


def _education_year(value: int) -> int:
    last = datetime.now(UTC).year + EDUCATION_YEARS_AHEAD
    if not FIRST_EDUCATION_YEAR <= value <= last:
        raise ValueError(_("year must be between {first} and {last}",
                           first=FIRST_EDUCATION_YEAR, last=last))
    return value


BirthDate = Annotated[date, AfterValidator(_plausible_birth_date)]
EducationYear = Annotated[int, AfterValidator(_education_year)]


class Education(StrictModel):
    """A qualification obtained (or expected, with a future year)."""

    institution: ShortText
    level: EducationLevel
    field: ShortText | None = None
    year: EducationYear = Field(description="Year obtained or expected.")


class LanguageSkill(StrictModel):
    """A language spoken, with its CEFR level."""

    language: LanguageCode
    level: CefrLevel


def _distinct_languages(value: list[LanguageSkill] | None) -> list[LanguageSkill] | None:
    if value is not None:
        codes = [item.language for item in value]
        if len(codes) != len(set(codes)):
            raise ValueError(_("each language may appear only once"))
    return value


Languages = Annotated[list[LanguageSkill], Field(max_length=20),
                      AfterValidator(_distinct_languages)]


def _ordered_availability(from_date: date | None, until_date: date | None) -> None:
    if from_date is not None and until_date is not None and until_date < from_date:
        raise ValueError(_("available_until_date must not be before available_from_date"))

_CANDIDATE: JsonDict = {
    "given_name": "Amina", "family_name": "Benali", "email": "amina.benali@example.org",
    "phone": "+212612345678", "date_of_birth": "2000-05-17", "gender": "female",
    "nationality": "MA", "residence_country": "MA", "residence_city": "Rabat",
    "education": [{"institution": "Université Mohammed V", "level": "bachelor",
                   "field": "computer science", "year": 2022}],
    "skills": [{"uri": "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
                "label": "Python"}, {"label": "SQL"}],
    "languages": [{"language": "fr", "level": "B2"}, {"language": "ar", "level": "C2"}],
    "preferred_sectors": ["ict"], "preferred_countries": ["FR", "BE"],
    "available_from_date": "2026-09-01", "available_until_date": "2027-08-31",
}


class CandidateCreate(StrictModel):
    """A new candidate profile. ``skill_keys`` is derived from ``skills`` by the service."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_CANDIDATE]})

    given_name: ShortText
    family_name: ShortText
    email: Email = Field(description="Unique, compared case-insensitively.")
    phone: Phone | None = Field(None, description="E.164, e.g. +212612345678.")
    date_of_birth: BirthDate = Field(description=f"Age {MIN_AGE} to {MAX_AGE}.")
    gender: Gender
    nationality: CountryCode
    residence_country: CountryCode
    residence_city: ShortText | None = None
    education: list[Education] = Field(default_factory=list, max_length=20)
    skills: list[Skill] = Field(default_factory=list, max_length=100)
    languages: Languages = Field(default_factory=list)
    preferred_sectors: list[Sector] = Field(default_factory=list, max_length=30)
    preferred_countries: list[CountryCode] = Field(default_factory=list, max_length=30)
    available_from_date: date | None = None
    available_until_date: date | None = None

    @model_validator(mode="after")
    def _availability(self) -> Self:
        _ordered_availability(self.available_from_date, self.available_until_date)
        return self


class CandidateRegistration(CandidateCreate):
    """A new candidate profile, and who it is registered for.

    A candidate account sends neither link (the profile becomes its own); an officer names the
    programme the person is for (one of theirs); an institution's students are its own without
    saying so; an admin may name a programme, an institution, both or neither.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        **_CANDIDATE,
        "programme_id": "5d1c2b3a-9f8e-4d7c-b6a5-0e1f2a3b4c5d",
    }]})

    programme_id: uuid.UUID | None = Field(
        None, description="The programme the person is registered for: required from an "
        "officer (one of their programmes), optional for an admin, refused from others.")
    institution_id: uuid.UUID | None = Field(
        None, description="The institution whose student this is: an admin may name one; an "
        "institution's own is implied; refused from others.")


class CandidateUpdate(PatchModel):
    """A partial change to a profile; absent fields stay, lists are replaced whole."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "residence_city": "Casablanca",
        "languages": [{"language": "fr", "level": "C1"}, {"language": "ar", "level": "C2"}],
    }]})

    nullable_fields = frozenset({"phone", "residence_city", "available_from_date",
                                 "available_until_date"})

    given_name: ShortText | None = None
    family_name: ShortText | None = None
    email: Email | None = None
    phone: Phone | None = None
    date_of_birth: BirthDate | None = None
    gender: Gender | None = None
    nationality: CountryCode | None = None
    residence_country: CountryCode | None = None
    residence_city: ShortText | None = None
    education: list[Education] | None = Field(None, max_length=20)
    skills: list[Skill] | None = Field(None, max_length=100)
    languages: Languages | None = None
    preferred_sectors: list[Sector] | None = Field(None, max_length=30)
    preferred_countries: list[CountryCode] | None = Field(None, max_length=30)
    available_from_date: date | None = None
    available_until_date: date | None = None


class CandidateOut(ResponseModel):
    """A candidate profile as the API shows it."""

    id: uuid.UUID
    given_name: str
    family_name: str
    email: str
    phone: str | None
    date_of_birth: date
    gender: Gender
    nationality: str
    residence_country: str
    residence_city: str | None
    education: list[Education]
    skills: list[SkillRecord]
    languages: list[LanguageSkill]
    preferred_sectors: list[str]
    preferred_countries: list[str]
    available_from_date: date | None
    available_until_date: date | None
    version: int
    created_at: datetime
    updated_at: datetime


LegalBasis = Literal["consent", "contract", "legal_obligation", "vital_interests",
                     "public_task", "legitimate_interests"]
ConsentMethod = Literal["online_form", "paper_form", "import", "unrecorded"]
# What a caller may say of how it collected the consent (the others are the system's own).
CollectionMethod = Literal["online_form", "paper_form"]
ConsentState = Literal["given", "withdrawn", "expired"]


class ConsentCreate(StrictModel):
    """One consent event: the candidate gives or withdraws consent for a purpose.

    Only ``purpose``, ``text_version`` and ``action`` are required; the rest of the ISO/IEC TS
    27560 record is derived from the caller when left out (see the route).
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "purpose": "data_processing", "text_version": "2026-01", "action": "given",
    }, {
        "purpose": "visa_file_sharing", "text_version": "2026-01", "action": "given",
        "legal_basis": "consent", "method": "paper_form", "jurisdiction": "MA",
        "expires_at": "2028-01-01T00:00:00Z",
    }]})

    purpose: Purpose = Field(description="What the consent is for, e.g. data_processing.")
    text_version: TextVersion = Field(description="Version of the notice the person saw.")
    action: ConsentAction
    legal_basis: LegalBasis = Field(
        "consent", description="GDPR Art. 6(1) basis the record documents.")
    expires_at: datetime | None = Field(
        None, description="A given consent lapses then (``expired``) without anyone writing; "
        "only with ``action`` given.")
    jurisdiction: CountryCode | None = Field(
        None, description="ISO 3166-1 alpha-2 of the law it is given under; default the "
        "person's country of residence.")
    method: CollectionMethod | None = Field(
        None, description="How it was collected; default ``online_form`` when the person "
        "records it, ``paper_form`` when an officer enters it. A person records only their "
        "own online form.")

    @model_validator(mode="after")
    def _expiry_of_given(self) -> Self:
        if self.expires_at is not None:
            if self.action != "given":
                raise ValueError(_("expires_at is only for a consent given"))
            if self.expires_at.tzinfo is None:
                raise ValueError(_("expires_at needs a time zone (e.g. Z)"))
        return self


class GivenBy(ResponseModel):
    """Who recorded the event: the person themself (``data_subject``) or someone on their
    behalf (``representative``: an officer entering a paper form, an import); null fields on
    events recorded before this was kept."""

    kind: Literal["data_subject", "representative"] | None
    subject: str | None = Field(description="The recording account's subject id.")
    role: str | None


class ConsentOut(ResponseModel):
    """A recorded consent event: an ISO/IEC TS 27560 consent record."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "5a1e3c1e-3a8f-4f8e-9d51-8a1b2c3d4e5f", "purpose": "visa_file_sharing",
        "legal_basis": "consent", "text_version": "2026-01", "action": "given",
        "state": "given", "expires_at": None,
        "given_by": {"kind": "representative", "subject": "7d1c…", "role": "officer"},
        "on_behalf_of": "0b6f5c1e-3a8f-4f8e-9d51-8a1b2c3d4e5f", "jurisdiction": "MA",
        "method": "paper_form", "recorded_at": "2026-06-01T10:00:00Z"}]})

    id: uuid.UUID
    purpose: str
    legal_basis: LegalBasis
    text_version: str = Field(description="Version of the notice the person saw.")
    action: ConsentAction = Field(description="What the event recorded.")
    state: ConsentState = Field(description="What it means now: a given consent past its "
                                "``expires_at`` is ``expired``.")
    expires_at: datetime | None
    given_by: GivenBy
    on_behalf_of: uuid.UUID = Field(description="The person the consent is about.")
    jurisdiction: str | None
    method: ConsentMethod
    recorded_at: datetime


class CurrentConsent(ResponseModel):
    """The consent in force for one purpose: its latest event, and its state now."""

    action: ConsentAction
    state: ConsentState
    legal_basis: LegalBasis
    text_version: str
    expires_at: datetime | None
    recorded_at: datetime


class VisaIdentityOut(ResponseModel):
    """The identity a visa application needs, shared with the destination's visa authority
    only while the candidate's ``visa_file_sharing`` consent is given."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "candidate_id": "0b6f5c1e-3a8f-4f8e-9d51-8a1b2c3d4e5f", "given_name": "Amina",
        "family_name": "Benali", "date_of_birth": "2000-05-17", "nationality": "MA",
        "gender": "female"}]})

    candidate_id: uuid.UUID
    given_name: str
    family_name: str
    date_of_birth: date
    nationality: str
    gender: Gender


class ConsentHistory(ResponseModel):
    """Every consent event of a candidate, oldest first, and what is in force per purpose."""

    items: list[ConsentOut]
    current: dict[str, CurrentConsent] = Field(
        description="Purpose → its latest event; a purpose never consented to is absent.")


class ConsentQuery(StrictModel):
    """Another service's question: whose consent for ``purpose`` is in force now?"""

    purpose: Purpose
    candidate_ids: list[uuid.UUID] = Field(max_length=10_000)


class ConsentsInForce(ResponseModel):
    """The answer: each id's consent state now (``given`` is in force; ``missing``: never
    recorded, or no such candidate)."""

    purpose: str
    states: dict[uuid.UUID, Literal["given", "withdrawn", "expired", "missing"]]


ApplicationStatus = Literal["draft", "submitted", "eligible", "ineligible", "shortlisted",
                            "selected", "waitlisted", "rejected", "withdrawn", "placed",
                            "returned"]


class CandidateListQuery(PageQuery):
    """The query of ``GET /v1/candidates``: the page and the filters (read by the route and
    by its express lane alike)."""

    programme_id: uuid.UUID | None = Field(
        None, description="Only candidates with an application to this programme.")
    status: ApplicationStatus | None = Field(
        None, description="Only candidates with an application in this status (in "
        "`programme_id`, when given).")
    nationality: CountryCode | None = None
    gender: Gender | None = None
    sector: Sector | None = Field(None, description="A preferred sector.")
    skill: str | None = Field(None, min_length=1, max_length=500, description=(
        "A skill label or URI, case-insensitive, matched exactly."))
    q: str | None = Field(None, min_length=1, max_length=200,
                          description="Part of the full name, case-insensitive.")

    def filters(self) -> CandidateFilters:
        """The filters of the list's query."""
        return CandidateFilters(programme_id=self.programme_id, status=self.status,
                                nationality=self.nationality, gender=self.gender,
                                sector=self.sector, skill=self.skill, q=self.q)

"""Wire formats of employers and their agreements with programmes."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Self, get_args

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from services.placements.vocabulary import (
    Contact,
    Countries,
    CountryCode,
    CurrencyCode,
    Sector,
    ShortText,
)
from shared.clock import utc_today
from shared.i18n import _, declare_labels
from shared.schemas import PatchModel, ResponseModel, StrictModel

# Kept in step with models.SIZES and models.KINDS, which the table's check constraints enforce.
EmployerSize = Literal["micro", "small", "medium", "large"]
EmployerKind = Literal["company", "study_provider"]

# Display names of the codes a client shows (GET /v1/labels/placements).
declare_labels("employer.size", get_args(EmployerSize))
declare_labels("employer.kind", get_args(EmployerKind))

_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
_EMPLOYER_ID = "2c1b0a9f-8e7d-4c6b-9a5f-4e3d2c1b0a9f"


class Obligations(StrictModel):
    """What the employer commits to for each trainee it hosts."""

    mentor: bool = Field(False, description="Names a mentor for each trainee.")
    stipend: bool = Field(False, description="Pays a stipend; give its monthly amount.")
    stipend_amount: Decimal | None = Field(None, ge=0, le=100_000, decimal_places=2,
                                           description="Monthly stipend, when one is paid.")
    stipend_currency: CurrencyCode | None = None
    housing_support: bool = False

    @model_validator(mode="after")
    def _stipend_given(self) -> Self:
        amount_given = self.stipend_amount is not None and self.stipend_currency is not None
        if self.stipend and not amount_given:
            raise ValueError(_("a stipend needs stipend_amount and stipend_currency"))
        if not self.stipend and (self.stipend_amount is not None
                                 or self.stipend_currency is not None):
            raise ValueError(_("stipend_amount and stipend_currency need stipend: true"))
        return self


def _not_in_future(value: date) -> date:
    if value > utc_today():
        raise ValueError(_("signed_date must not be in the future"))
    return value


class Agreement(StrictModel):
    """The employer's agreement to host trainees of one programme."""

    programme_id: uuid.UUID
    signed_date: Annotated[date, AfterValidator(_not_in_future)]
    obligations: Obligations = Field(default_factory=Obligations)


def _one_per_programme(value: list[Agreement] | None) -> list[Agreement] | None:
    if value is not None:
        ids = [a.programme_id for a in value]
        if len(ids) != len(set(ids)):
            raise ValueError(_("one agreement per programme"))
    return value


Agreements = Annotated[list[Agreement], Field(max_length=50),
                       AfterValidator(_one_per_programme)]
Contacts = Annotated[list[Contact], Field(max_length=20)]


class EmployerCreate(StrictModel):
    """A new host: a company or a study provider. An officer must include an agreement with one
    of their programmes."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "Nordlys Software", "kind": "company", "country": "FR", "city": "Lyon",
        "sector": "ict", "size": "medium", "operates_in_origin_countries": ["MA"],
        "contacts": [{"name": "Claire Dubois", "email": "claire.dubois@nordlys.example",
                      "phone": "+33472000000", "role": "HR manager"}],
        "agreements": [{"programme_id": _PROGRAMME_ID, "signed_date": "2026-01-10",
                        "obligations": {"mentor": True, "stipend": True,
                                        "stipend_amount": "1200.00",
                                        "stipend_currency": "EUR",
                                        "housing_support": False}}],
    }]})

    name: ShortText
    kind: EmployerKind = Field(
        "company", description="company (hosts work, traineeship and seasonal stays) or "
        "study_provider (a university or school abroad: hosts study stays only).")
    country: CountryCode
    city: ShortText | None = None
    sector: Sector
    size: EmployerSize
    operates_in_origin_countries: Countries = Field(
        default_factory=list, description="Origin countries where the company also operates.")
    contacts: Contacts = Field(default_factory=list)
    agreements: Agreements = Field(default_factory=list)


class EmployerUpdate(PatchModel):
    """A partial change; absent fields stay. Only admins and officers may send ``agreements``
    (an officer only for their programmes; a list replaces the one stored) and ``kind`` (only
    while the host has no vacancy: they were published for its kind)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "city": "Villeurbanne", "size": "large",
    }]})
    nullable_fields = frozenset({"city"})

    name: ShortText | None = None
    kind: EmployerKind | None = None
    country: CountryCode | None = None
    city: ShortText | None = None
    sector: Sector | None = None
    size: EmployerSize | None = None
    operates_in_origin_countries: Countries | None = None
    contacts: Contacts | None = None
    agreements: Agreements | None = None


Standing = Literal["active", "suspended"]
declare_labels("employer.standing", get_args(Standing))


class SuspensionOut(ResponseModel):
    """An employer's suspension in one programme, in force until ``reinstated_on`` is set.

    Shown to the programme's officers, admins and the employer itself, reason included: an
    employer has a right to know why it is suspended (write nothing in a reason that the
    employer may not read, such as a worker's name)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a", "employer_id": _EMPLOYER_ID,
        "programme_id": _PROGRAMME_ID,
        "reason": "Housing below the agreed standard at two check-ins; fees charged to workers.",
        "suspended_on": "2026-11-30", "review_on": "2027-02-28", "suspended_by": "user-12",
        "closed_vacancy_ids": ["7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918"],
        "reinstated_on": None, "reinstated_by": None, "reinstatement_reason": None,
        "created_at": "2026-12-01T09:30:00Z",
    }]})

    id: uuid.UUID
    employer_id: uuid.UUID
    programme_id: uuid.UUID
    reason: str
    suspended_on: date = Field(description="The day the suspension took effect.")
    review_on: date | None = Field(description="When the officers plan to review it.")
    suspended_by: str
    closed_vacancy_ids: list[uuid.UUID] = Field(
        description="The vacancies in the programme that were open and the suspension "
        "closed; reinstating does not reopen them.")
    reinstated_on: date | None
    reinstated_by: str | None
    reinstatement_reason: str | None
    created_at: datetime


class EmployerOut(ResponseModel):
    """A host as the API shows it, with its standing in the programmes the caller sees."""

    id: uuid.UUID
    name: str
    kind: EmployerKind
    country: str
    city: str | None
    sector: str
    size: EmployerSize
    operates_in_origin_countries: list[str]
    contacts: list[Contact]
    agreements: list[Agreement]
    standing: Standing = Field(
        description="suspended while a suspension is in force in a programme the caller "
        "sees (an officer: their own programmes; admins and the employer itself: any), else "
        "active.")
    suspensions: list[SuspensionOut] = Field(
        description="The suspensions in force in the programmes the caller sees.")
    version: int
    created_at: datetime
    updated_at: datetime

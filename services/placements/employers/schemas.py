"""Wire formats of employers and their agreements with programmes."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

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
from shared.schemas import PatchModel, ResponseModel, StrictModel

# Kept in step with models.SIZES and models.KINDS, which the table's check constraints enforce.
EmployerSize = Literal["micro", "small", "medium", "large"]
EmployerKind = Literal["company", "study_provider"]

_PROGRAMME_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"


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
            raise ValueError("a stipend needs stipend_amount and stipend_currency")
        if not self.stipend and (self.stipend_amount is not None
                                 or self.stipend_currency is not None):
            raise ValueError("stipend_amount and stipend_currency need stipend: true")
        return self


def _not_in_future(value: date) -> date:
    if value > utc_today():
        raise ValueError("signed_date must not be in the future")
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
            raise ValueError("one agreement per programme")
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


class EmployerOut(ResponseModel):
    """A host as the API shows it."""

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
    version: int
    created_at: datetime
    updated_at: datetime

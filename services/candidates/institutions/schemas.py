"""Wire formats of partner institutions and their nominations."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, EmailStr

from services.candidates.vocabulary import CountryCode, LongText, ShortText
from shared.schemas import PatchModel, ResponseModel, StrictModel

# Kept in step with models.INSTITUTION_KINDS, which the table's check constraint enforces.
InstitutionKind = Literal["university", "employment_agency", "training_centre", "municipality",
                          "region", "ministry", "other"]


class InstitutionCreate(StrictModel):
    """A new partner institution."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "Université Mohammed V", "kind": "university", "country": "MA",
        "city": "Rabat", "contact_email": "mobility@um5.ac.ma",
    }]})

    name: ShortText
    kind: InstitutionKind
    country: CountryCode
    city: ShortText | None = None
    contact_email: EmailStr | None = None


class InstitutionUpdate(PatchModel):
    """A partial change to an institution; absent fields stay as they are."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "city": "Casablanca", "contact_email": "partners@um5.ac.ma",
    }]})
    nullable_fields = frozenset({"city", "contact_email"})

    name: ShortText | None = None
    kind: InstitutionKind | None = None
    country: CountryCode | None = None
    city: ShortText | None = None
    contact_email: EmailStr | None = None


class InstitutionOut(ResponseModel):
    """A partner institution as the API shows it."""

    id: uuid.UUID
    name: str
    kind: str
    country: str
    city: str | None
    contact_email: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class NominationCreate(StrictModel):
    """An institution puts one of its candidates forward for a programme."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "candidate_id": "0b7f7c1e-4a8e-4c53-9a53-1f2a3b4c5d6e",
        "programme_id": "5d1c2b3a-9f8e-4d7c-b6a5-0e1f2a3b4c5d",
        "note": "Top of the 2025 computer-science class; strong French (C1).",
    }]})

    candidate_id: uuid.UUID
    programme_id: uuid.UUID
    note: LongText | None = None


class NominationOut(ResponseModel):
    """One nomination: which candidate the institution put forward, for which programme."""

    id: uuid.UUID
    institution_id: uuid.UUID
    candidate_id: uuid.UUID
    programme_id: uuid.UUID
    note: str | None
    created_at: datetime

"""Wire formats of a programme's consortium and of its partners' agreements."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from services.candidates.agreements.models import Agreement, ConsortiumMember
from services.candidates.institutions.models import Institution
from services.candidates.vocabulary import ShortText
from shared.clock import utc_today
from shared.i18n import _
from shared.schemas import ResponseModel, StrictModel

# Kept in step with models.CONSORTIUM_ROLES, which the table's check constraint enforces.
ConsortiumRole = Literal["lead", "partner", "associate"]
# An agreement names its signatories; a convention of more than a few dozen is not one.
MAX_PARTIES = 50
Purpose = Annotated[str, StringConstraints(min_length=1, max_length=5000)]


def _not_in_future(value: date, info: ValidationInfo) -> date:
    if value > utc_today():
        raise ValueError(_("{field_name} must not be in the future", field_name=info.field_name))
    return value


def _distinct(value: list[uuid.UUID]) -> list[uuid.UUID]:
    if len(set(value)) != len(value):
        raise ValueError(_("name each institution once"))
    return value


# The day something happened: today at the latest (operators record the past, not plans).
HappenedOn = Annotated[date, AfterValidator(_not_in_future)]


class ConsortiumMemberCreate(StrictModel):
    """An institution joining the consortium that runs a programme."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "institution_id": "6a1f0c9e-2b3d-4e5f-8a7b-9c0d1e2f3a4b", "role": "partner",
        "joined_on": "2019-05-01",
    }]})

    institution_id: uuid.UUID
    role: ConsortiumRole
    joined_on: HappenedOn | None = Field(None, description="When it joined; default today.")


class InstitutionSummary(ResponseModel):
    """Who an institution is, as its partners and the programme's ministry see it (no
    contacts)."""

    id: uuid.UUID
    name: str
    kind: str
    country: str
    city: str | None


class ConsortiumMemberOut(ResponseModel):
    """A member of a programme's consortium, and its role in it."""

    programme_id: uuid.UUID
    institution_id: uuid.UUID
    role: str
    joined_on: date
    created_at: datetime
    institution: InstitutionSummary

    @classmethod
    def of(cls, member: ConsortiumMember, institution: Institution) -> "ConsortiumMemberOut":
        """The member as the API shows it, with who the institution is."""
        return cls(programme_id=member.programme_id, institution_id=member.institution_id,
                   role=member.role, joined_on=member.joined_on, created_at=member.created_at,
                   institution=InstitutionSummary.model_validate(institution))


class AgreementCreate(StrictModel):
    """An agreement partners of a programme signed, recorded by staff or by one of them."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "programme_id": "5d1c2b3a-9f8e-4d7c-b6a5-0e1f2a3b4c5d",
        "party_ids": ["6a1f0c9e-2b3d-4e5f-8a7b-9c0d1e2f3a4b",
                      "7b2e1d0f-3c4e-4f5a-9b8c-0d1e2f3a4b5c"],
        "title": "Milan-Tangier cooperation on traineeships",
        "purpose": "The City of Milan hosts trainees from Tangier and both cities mentor them "
                   "after their return.",
        "signed_on": "2019-03-12", "starts_on": "2019-04-01", "ends_on": "2021-03-31",
        "document_reference": "Comune di Milano, delibera 512/2019",
    }]})

    programme_id: uuid.UUID
    party_ids: Annotated[list[uuid.UUID], Field(min_length=2, max_length=MAX_PARTIES),
                         AfterValidator(_distinct)] = Field(
        description="The institutions that signed: at least two, each once.")
    title: ShortText
    purpose: Purpose
    signed_on: HappenedOn
    starts_on: date
    ends_on: date | None = Field(None, description="After starts_on; null: open-ended.")
    document_reference: ShortText | None = Field(
        None, description="Where the signed text is filed (a registry number, a URL).")

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        starts_on = info.data.get("starts_on")  # absent when it failed its own validation
        if value is not None and starts_on is not None and value <= starts_on:
            raise ValueError(_("ends_on must be after starts_on"))
        return value


class AgreementOut(ResponseModel):
    """An agreement as the API shows it: its parties in the order they were named."""

    id: uuid.UUID
    programme_id: uuid.UUID
    party_ids: list[uuid.UUID]
    parties: list[InstitutionSummary]
    title: str
    purpose: str
    signed_on: date
    starts_on: date
    ends_on: date | None
    document_reference: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, agreement: Agreement, parties: Sequence[Institution]) -> "AgreementOut":
        """The agreement with its parties (in order)."""
        return cls(id=agreement.id, programme_id=agreement.programme_id,
                   party_ids=[p.id for p in parties],
                   parties=[InstitutionSummary.model_validate(p) for p in parties],
                   title=agreement.title, purpose=agreement.purpose,
                   signed_on=agreement.signed_on, starts_on=agreement.starts_on,
                   ends_on=agreement.ends_on, document_reference=agreement.document_reference,
                   created_at=agreement.created_at, updated_at=agreement.updated_at)

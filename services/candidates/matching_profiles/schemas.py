"""Wire format of the matching-profile export: what the placements service's matching needs.

No name, e-mail, phone, birth date, address or school: matching compares skills, languages,
education levels and fields, wishes and dates, and balances genders. Each line of the export is
one :class:`MatchingProfile`, in this field order.
"""

import uuid
from datetime import date

from pydantic import BaseModel, Field

from services.candidates.candidates.schemas import Gender, LanguageSkill
from shared.vocabulary import Skill


class EducationSummary(BaseModel):
    """A qualification without the institution's name."""

    level: str
    field: str | None
    year: int


class MatchingProfile(BaseModel):
    """One selected candidate (or returnee, in a repeat-stay programme) as matching sees them
    (one NDJSON line)."""

    candidate_id: uuid.UUID
    application_id: uuid.UUID
    gender: Gender
    nationality: str
    skill_keys: list[str] = Field(description="Lower-cased skill labels and URIs, as compared.")
    skills: list[Skill]
    languages: list[LanguageSkill]
    education: list[EducationSummary]
    preferred_sectors: list[str]
    preferred_countries: list[str] = Field(description="Empty: any destination.")
    available_from_date: date | None
    available_until_date: date | None
    stays_before: int = Field(
        description="Stays this candidate already made through the programme (returns): 0 "
        "unless the programme has repeat stays and they returned.")

"""Wire format of the matching-profile export: what the placements service's matching needs.

No name, e-mail, phone, birth date, address or school: matching compares skills, languages,
education levels and fields, wishes and dates, and balances genders. Each line of the export is
one :class:`MatchingProfile`, in this field order.

Gender, nationality and the age band are there for what is not a score: gender for the run's
optional minimum share per gender, nationality for the vacancies' eligible nationalities (a
legal condition), and all three for the run's fairness report (who was in the pool, who was
proposed and placed). The age band is the least of the birth date that report needs: the band
of the person's age on the day of the export (the run's day), never the date itself.
"""

import uuid
from datetime import date
from typing import Final, Literal

from pydantic import BaseModel, Field

from services.candidates.candidates.schemas import Gender, LanguageSkill
from shared.vocabulary import SkillRecord

AgeBand = Literal["under-18", "18-24", "25-34", "35-44", "45+"]
# Each band with the age it ends before (None: open-ended), in order.
AGE_BANDS: Final[tuple[tuple[AgeBand, int | None], ...]] = (
    ("under-18", 18), ("18-24", 25), ("25-34", 35), ("35-44", 45), ("45+", None))


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
    skills: list[SkillRecord]
    languages: list[LanguageSkill]
    education: list[EducationSummary]
    preferred_sectors: list[str]
    preferred_countries: list[str] = Field(description="Empty: any destination.")
    available_from_date: date | None
    available_until_date: date | None
    stays_before: int = Field(
        description="Stays this candidate already made through the programme (returns): 0 "
        "unless the programme has repeat stays and they returned.")
    age_band: AgeBand | None = Field(
        description="The candidate's age band on the day of the export (age in full years: "
        "under-18, 18-24, 25-34, 35-44, 45+), for the matching run's fairness report only; "
        "never the birth date. Null once the candidate's data was erased.")

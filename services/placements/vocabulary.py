"""Codes the placements service speaks: ISO countries, their subdivisions, languages and
currencies, CEFR, ISCO-08, stay types.

The ISO codes (subdivisions too), CEFR levels, text, e-mail, phone and skill types come from
:mod:`shared.vocabulary`, as in every service.
"""

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from shared.i18n import _
from shared.schemas import StrictModel
from shared.vocabulary import (
    CEFR_LEVELS,
    CefrLevel,
    CountryCode,
    CurrencyCode,
    Email,
    LanguageCode,
    LongText,
    Occupation,
    OccupationRecord,
    Phone,
    Reason,
    RegionCode,
    Sector,
    ShortText,
    Skill,
    SkillRecord,
    SkillUri,
    cefr_rank,
    esco_occupation,
    skill_keys,
)

__all__ = ["CEFR_LEVELS", "CefrLevel", "Countries", "CountryCode", "CurrencyCode", "Email",
           "IscoCode", "LanguageCode", "LongText", "Occupation", "OccupationRecord", "Phone",
           "QualificationLevel", "Reason", "RegionCode", "Sector", "ShortText", "Skill",
           "SkillRecord", "SkillUri", "Skills", "StayType", "cefr_rank", "esco_occupation",
           "skill_keys"]

# ISCO-08 unit groups: four digits, the first the major group (0 is armed forces occupations).
IscoCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]

# What a stay is: a job, a traineeship or internship, a study programme, a season's work.
StayType = Literal["work", "traineeship", "study", "seasonal"]
# The level of the degree a study stay leads to.
QualificationLevel = Literal["bachelor", "master", "doctorate"]


def _distinct(value: list[str] | None) -> list[str] | None:
    if value is not None and len(value) != len(set(value)):
        raise ValueError(_("each code may appear only once"))
    return value


Countries = Annotated[list[CountryCode], Field(max_length=50), AfterValidator(_distinct)]
Skills = Annotated[list[Skill], Field(max_length=50)]


class Contact(StrictModel):
    """A business contact: a name, an address, maybe a phone and what they do."""

    name: ShortText
    email: Email
    phone: Phone | None = None
    role: ShortText | None = None

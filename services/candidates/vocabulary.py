"""Codes the candidates service speaks: education levels, stay types and ISO 3166-2 regions
here, the rest from :mod:`shared.vocabulary` (ISO countries and languages, CEFR, sectors, text,
e-mail)."""

from typing import Annotated, Literal

import pycountry
from pydantic import AfterValidator, StringConstraints

from shared.i18n import _
from shared.vocabulary import (
    CEFR_LEVELS,
    CefrLevel,
    CountryCode,
    Email,
    LanguageCode,
    LongText,
    Sector,
    ShortText,
    cefr_rank,
)

__all__ = ["CEFR_LEVELS", "EDUCATION_LEVELS", "CefrLevel", "CountryCode", "EducationLevel",
           "Email", "Gender", "LanguageCode", "LongText", "RegionCode", "Sector", "ShortText",
           "StayType", "cefr_rank", "education_rank"]

# ISCED 2011 levels, in order; a rule "at least bachelor" admits bachelor, master and doctorate.
EDUCATION_LEVELS = ("primary", "lower_secondary", "upper_secondary", "post_secondary",
                    "short_tertiary", "bachelor", "master", "doctorate")
EducationLevel = Literal["primary", "lower_secondary", "upper_secondary", "post_secondary",
                         "short_tertiary", "bachelor", "master", "doctorate"]
# A profile's gender; programmes admit and target by the same words.
Gender = Literal["female", "male", "other", "undisclosed"]
# What a stay abroad is: a job, a traineeship or internship, studies, or a season's work.
StayType = Literal["work", "traineeship", "study", "seasonal"]

_REGIONS = frozenset(s.code for s in pycountry.subdivisions)


def _region(value: str) -> str:
    if value not in _REGIONS:
        raise ValueError(_("'{value}' is not an ISO 3166-2 subdivision code", value=value))
    return value


# An ISO 3166-2 subdivision, e.g. "BE-VLG" (Flanders) or "IT-25" (Lombardy); its first two
# letters are its country.
RegionCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$"),
                       AfterValidator(_region)]


def education_rank(level: str) -> int:
    """0 for primary up to 7 for doctorate."""
    return EDUCATION_LEVELS.index(level)

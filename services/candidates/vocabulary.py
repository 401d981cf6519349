"""Codes the candidates service speaks: education levels here, the rest from
:mod:`shared.vocabulary` (ISO countries and languages, CEFR, sectors, text, e-mail)."""

from typing import Literal

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
           "Email", "Gender", "LanguageCode", "LongText", "Sector", "ShortText", "cefr_rank",
           "education_rank"]

# ISCED 2011 levels, in order; a rule "at least bachelor" admits bachelor, master and doctorate.
EDUCATION_LEVELS = ("primary", "lower_secondary", "upper_secondary", "post_secondary",
                    "short_tertiary", "bachelor", "master", "doctorate")
EducationLevel = Literal["primary", "lower_secondary", "upper_secondary", "post_secondary",
                         "short_tertiary", "bachelor", "master", "doctorate"]
# A profile's gender; programmes admit and target by the same words.
Gender = Literal["female", "male", "other", "undisclosed"]


def education_rank(level: str) -> int:
    """0 for primary up to 7 for doctorate."""
    return EDUCATION_LEVELS.index(level)

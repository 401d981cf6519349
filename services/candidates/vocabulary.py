"""Codes the candidates service speaks: ISO countries and languages, CEFR, education levels."""

from typing import Annotated, Literal

import pycountry
from pydantic import AfterValidator, StringConstraints

CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
CefrLevel = Literal["A1", "A2", "B1", "B2", "C1", "C2"]

# ISCED 2011 levels, in order; a rule "at least bachelor" admits bachelor, master and doctorate.
EDUCATION_LEVELS = ("primary", "lower_secondary", "upper_secondary", "post_secondary",
                    "short_tertiary", "bachelor", "master", "doctorate")
EducationLevel = Literal["primary", "lower_secondary", "upper_secondary", "post_secondary",
                         "short_tertiary", "bachelor", "master", "doctorate"]

_COUNTRIES = frozenset(c.alpha_2 for c in pycountry.countries)
_LANGUAGES = frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


def cefr_rank(level: str) -> int:
    """0 for A1 up to 5 for C2."""
    return CEFR_LEVELS.index(level)


def education_rank(level: str) -> int:
    """0 for primary up to 7 for doctorate."""
    return EDUCATION_LEVELS.index(level)


def _country(value: str) -> str:
    if value not in _COUNTRIES:
        raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code")
    return value


def _language(value: str) -> str:
    if value not in _LANGUAGES:
        raise ValueError(f"'{value}' is not an ISO 639-1 language code")
    return value


CountryCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{2}$"), AfterValidator(_country)
]
LanguageCode = Annotated[
    str, StringConstraints(pattern=r"^[a-z]{2}$"), AfterValidator(_language)
]
Sector = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=5000)]
# An address's syntax, checked in pydantic's compiled core: the email-validator package spends
# ~300 µs a row, which alone would cap a bulk import at a few thousand rows a second.
Email = Annotated[str, StringConstraints(
    max_length=254,
    pattern=r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
            r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$",
)]

"""Codes and value types every service speaks: ISO countries and their subdivisions, languages
and currencies, CEFR levels, sector codes, bounded text, e-mail addresses, phone numbers and skills.

One definition, so that a country or a skill valid in one service is valid in all of them.
"""

from collections.abc import Callable, Iterable
from typing import Annotated, Literal, Self

import pycountry
from pydantic import AfterValidator, StringConstraints, model_validator

from shared.schemas import StrictModel

CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
CefrLevel = Literal["A1", "A2", "B1", "B2", "C1", "C2"]

_COUNTRIES = frozenset(c.alpha_2 for c in pycountry.countries)
_SUBDIVISIONS = frozenset(s.code for s in pycountry.subdivisions)
_LANGUAGES = frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))
_CURRENCIES = frozenset(c.alpha_3 for c in pycountry.currencies)


def cefr_rank(level: str) -> int:
    """0 for A1 up to 5 for C2."""
    return CEFR_LEVELS.index(level)


def _member(codes: frozenset[str], what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in codes:
            raise ValueError(f"'{value}' is not {what}")
        return value

    return check


CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"),
                        AfterValidator(_member(_COUNTRIES, "an ISO 3166-1 alpha-2 country code"))]
# An ISO 3166-2 subdivision, e.g. "BE-VLG" (Flanders) or "IT-25" (Lombardy); its first two
# letters are its country.
RegionCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$"),
                       AfterValidator(_member(_SUBDIVISIONS, "an ISO 3166-2 subdivision code"))]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$"),
                         AfterValidator(_member(_LANGUAGES, "an ISO 639-1 language code"))]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"),
                         AfterValidator(_member(_CURRENCIES, "an ISO 4217 currency code"))]
Sector = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=5000)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
# An address's syntax, checked in pydantic's compiled core: the email-validator package spends
# ~300 µs a row, which alone would cap a bulk import at a few thousand rows a second.
Email = Annotated[str, StringConstraints(
    max_length=254,
    pattern=r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
            r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$",
)]
# E.164: a plus, a country code that does not start with 0, at most 15 digits in all.
Phone = Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{6,14}$")]
# ESCO concept URIs (http://data.europa.eu/esco/skill/…) or any other http(s) vocabulary.
SkillUri = Annotated[str, StringConstraints(pattern=r"^https?://[^\s/?#]+[^\s]*$",
                                            max_length=500)]


class Skill(StrictModel):
    """A skill named by an ESCO-style URI, a free label, or both."""

    uri: SkillUri | None = None
    label: ShortText | None = None

    @model_validator(mode="after")
    def _named(self) -> Self:
        if self.uri is None and self.label is None:
            raise ValueError("a skill needs a uri or a label")
        return self


def skill_keys(skills: Iterable[Skill]) -> list[str]:
    """The lower-cased labels and URIs of ``skills``, each once, in order: what the skill
    filter and matching compare."""
    keys: dict[str, None] = {}
    for skill in skills:
        for name in (skill.uri, skill.label):
            if name is not None:
                keys[name.lower()] = None
    return list(keys)

"""Codes and value types every service speaks: ISO countries and their subdivisions, languages
and currencies, CEFR levels, sector codes, bounded text, e-mail addresses, phone numbers and skills.

One definition, so that a country or a skill valid in one service is valid in all of them.
"""

from collections.abc import Callable, Iterable
from typing import Annotated, ClassVar, Literal, Self

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
    model_validator,
)

from shared import esco
from shared.i18n import N_, translate
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


def _member(codes: frozenset[str], message: str) -> Callable[[str], str]:
    # ``message``: the whole sentence, marked with N_, with the refused {value}.
    def check(value: str) -> str:
        if value not in codes:
            raise ValueError(translate(message, value=value))
        return value

    return check


CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"),
                        AfterValidator(_member(
                            _COUNTRIES, N_("'{value}' is not an ISO 3166-1 alpha-2 country code")))]
# An ISO 3166-2 subdivision, e.g. "BE-VLG" (Flanders) or "IT-25" (Lombardy); its first two
# letters are its country.
RegionCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$"),
                       AfterValidator(_member(
                            _SUBDIVISIONS, N_("'{value}' is not an ISO 3166-2 subdivision code")))]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$"),
                         AfterValidator(_member(
                            _LANGUAGES, N_("'{value}' is not an ISO 639-1 language code")))]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"),
                         AfterValidator(_member(
                            _CURRENCIES, N_("'{value}' is not an ISO 4217 currency code")))]
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


def _known_esco(kind: esco.Kind) -> Callable[[str], str]:
    def check(uri: str) -> str:
        """``uri`` itself, or its canonical form when it is in ESCO's namespace, where it must
        name a ``kind`` of the classification in use (:mod:`shared.esco`)."""
        if not esco.is_esco_uri(uri):
            return uri
        classification = esco.classification()
        concept = classification.get(uri)
        if concept is None or concept.kind != kind:
            message = (N_("'{uri}' is not a skill of ESCO ({version})") if kind == "skill"
                       else N_("'{uri}' is not an occupation of ESCO ({version})"))
            raise ValueError(translate(message, uri=uri, version=classification.version))
        return concept.uri

    return check


_HTTP_URI = StringConstraints(pattern=r"^https?://[^\s/?#]+[^\s]*$", max_length=500)
# ESCO concept URIs (http://data.europa.eu/esco/skill/…), which must be known skills of the
# classification, or any other http(s) vocabulary (a national one, say), taken as given.
SkillUri = Annotated[str, _HTTP_URI, AfterValidator(_known_esco("skill"))]
# The same for occupations (http://data.europa.eu/esco/occupation/…).
OccupationUri = Annotated[str, _HTTP_URI, AfterValidator(_known_esco("occupation"))]
_SKILL_URI = ("An ESCO skill URI (http://data.europa.eu/esco/skill/…; an unknown one is refused) "
              "or another vocabulary's http(s) URI.")
_SKILL_LABEL = "A label; alone, a free label outside ESCO (then `esco` is false)."
_SKILL_ESCO = ("True when `uri` names a skill of the ESCO classification in use; false for a free "
               "label or another vocabulary's URI. Set by the server; ignored when sent.")


def is_esco_skill(uri: str | None) -> bool:
    """Whether ``uri`` names a skill of the ESCO classification in use."""
    concept = None if uri is None else esco.classification().get(uri)
    return concept is not None and concept.kind == "skill"


class _EscoNamed(StrictModel):
    """A concept named by an ESCO URI (or another vocabulary's), a free label, or both; read
    back, it carries ``esco``, which sending it back unchanged may keep."""

    _NAMELESS: ClassVar[str]  # the 422 of a nameless one (a message: shared.i18n)
    uri: str | None = None
    label: ShortText | None = None

    @model_validator(mode="before")
    @classmethod
    def _drop_marker(cls, data: object) -> object:
        if isinstance(data, dict) and "esco" in data:
            return {k: v for k, v in data.items() if k != "esco"}
        return data

    @model_validator(mode="after")
    def _named(self) -> Self:
        if self.uri is None and self.label is None:
            raise ValueError(translate(self._NAMELESS))
        return self


class Skill(_EscoNamed):
    """A skill named by an ESCO URI, a free label, or both (see ``GET /v1/esco/search``)."""

    _NAMELESS = N_("a skill needs a uri or a label")
    uri: SkillUri | None = Field(None, description=_SKILL_URI)
    label: ShortText | None = Field(None, description=_SKILL_LABEL)

    @computed_field(description=_SKILL_ESCO)
    def esco(self) -> bool:
        """Whether ``uri`` is a known ESCO skill (stored with the skill)."""
        return is_esco_skill(self.uri)


class SkillRecord(BaseModel):
    """A stored skill as answered: as sent, and whether it is an ESCO concept (``esco``).

    Not validated again: a URI stored before the classification knew better is still shown.
    """

    model_config = ConfigDict(from_attributes=True)

    uri: str | None = None
    label: str | None = None

    @computed_field(description=_SKILL_ESCO)
    def esco(self) -> bool:
        """Whether ``uri`` is a known ESCO skill."""
        return is_esco_skill(self.uri)


_OCCUPATION_URI = ("An ESCO occupation URI (http://data.europa.eu/esco/occupation/…; an unknown "
                   "one is refused) or another vocabulary's http(s) URI.")
_OCCUPATION_LABEL = "A label; alone, a free label outside ESCO (then `esco` is false)."
_OCCUPATION_ESCO = ("True when `uri` names an occupation of the ESCO classification in use; "
                    "false for a free label or another vocabulary's URI. Set by the server; "
                    "ignored when sent.")


def esco_occupation(uri: str | None) -> esco.Concept | None:
    """The occupation of the ESCO classification in use that ``uri`` names, if any."""
    concept = None if uri is None else esco.classification().get(uri)
    return concept if concept is not None and concept.kind == "occupation" else None


class Occupation(_EscoNamed):
    """An occupation named by an ESCO URI, a free label, or both (see ``GET /v1/esco/search``
    with ``kind=occupation``)."""

    _NAMELESS = N_("an occupation needs a uri or a label")
    uri: OccupationUri | None = Field(None, description=_OCCUPATION_URI)
    label: ShortText | None = Field(None, description=_OCCUPATION_LABEL)

    @computed_field(description=_OCCUPATION_ESCO)
    def esco(self) -> bool:
        """Whether ``uri`` is a known ESCO occupation (stored with it)."""
        return esco_occupation(self.uri) is not None


class OccupationRecord(BaseModel):
    """A stored occupation as answered: as sent, and whether it is an ESCO concept."""

    model_config = ConfigDict(from_attributes=True)

    uri: str | None = None
    label: str | None = None

    @computed_field(description=_OCCUPATION_ESCO)
    def esco(self) -> bool:
        """Whether ``uri`` is a known ESCO occupation."""
        return esco_occupation(self.uri) is not None


def skill_keys(skills: Iterable[Skill]) -> list[str]:
    """The lower-cased labels and URIs of ``skills``, each once, in order: what the skill
    filter and matching compare."""
    keys: dict[str, None] = {}
    for skill in skills:
        for name in (skill.uri, skill.label):
            if name is not None:
                keys[name.lower()] = None
    return list(keys)

"""Wire formats of ESCO suggestions."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared import esco

_URI = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"


class Suggestion(BaseModel):
    """A skill or an occupation of ESCO: what a profile or a vacancy stores is its ``uri``."""

    uri: str
    kind: Literal["skill", "occupation"]
    label: str = Field(description="The preferred label in the language asked for (English "
                       "where ESCO has none in it).")
    labels: dict[str, str] = Field(description="Preferred labels by language (en, fr, ar), "
                                   "those the classification has.")
    broader: list[str] = Field(description="Skills: the directly broader skills' URIs. A "
                               "vacancy requiring one of them is met by this skill.")
    isco_code: str | None = Field(description="Occupations: the ISCO-08 unit group.")
    illustrative: bool = Field(description="True when the URI is a placeholder of the shipped "
                               "subset, not an official ESCO identifier.")

    @classmethod
    def of(cls, concept: esco.Concept, language: str) -> "Suggestion":
        """The suggestion of ``concept`` labelled in ``language``."""
        return cls(uri=concept.uri, kind=concept.kind, label=concept.label(language),
                   labels=dict(concept.labels), broader=list(concept.broader),
                   isco_code=concept.isco_code, illustrative=concept.illustrative)


class Suggestions(BaseModel):
    """The best suggestions for a typed label, and the classification they come from."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "items": [{"uri": _URI, "kind": "skill", "label": "Python (computer programming)",
                   "labels": {"en": "Python (computer programming)",
                              "fr": "Python (programmation informatique)",
                              "ar": "بايثون (برمجة الحاسوب)"},
                   "broader": ["http://data.europa.eu/esco/skill/"
                               "00000000-e5c0-4000-8000-000000000001"],
                   "isco_code": None, "illustrative": False}],
        "version": "ESCO v1.2.0 subset, pathways edition 1",
        "licence": "ESCO is © European Union. Reuse is authorised under the Commission's reuse "
                   "policy (Commission Decision 2011/833/EU) and the CC BY 4.0 licence.",
        "attribution": "This service uses the ESCO classification of the European Commission.",
    }]})

    items: list[Suggestion]
    version: str = Field(description="The classification's version.")
    licence: str
    attribution: str

"""HTTP route of ESCO suggestions: skills and occupations from a typed label."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.candidates.esco import service
from services.candidates.esco.schemas import Suggestion, Suggestions
from shared.auth import AUTH_RESPONSES, SIGNED_IN
from shared.responses import json_response

router = APIRouter(tags=["esco"], responses=AUTH_RESPONSES)


@router.get("/v1/esco/search", response_model=Suggestions, dependencies=[SIGNED_IN])
async def search_esco(
    q: Annotated[str, Query(min_length=1, max_length=200,
                            description="What the person typed: part of a label.")],
    kind: Annotated[Literal["skill", "occupation"] | None, Query(
        description="Only skills, or only occupations; both when absent.")] = None,
    lang: Annotated[Literal["en", "fr", "ar"], Query(
        description="The language typed in, and of the labels answered.")] = "en",
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> Response:
    """ESCO skills and occupations whose label (preferred or alternative) in ``lang``
    contains ``q``, case and accents ignored: exact labels first, then those starting with
    ``q``, then the others. A profile's or a vacancy's skill stores the chosen ``uri``.
    Open to every signed-in role; the answer names the classification's version, licence
    and attribution (ESCO is © European Union, CC BY 4.0)."""
    found = service.suggest(text=q, kind=kind, language=lang, limit=limit)
    classification = service.classification()
    return json_response(Suggestions(
        items=[Suggestion.of(concept, lang) for concept in found],
        version=classification.version, licence=classification.licence,
        attribution=classification.attribution))

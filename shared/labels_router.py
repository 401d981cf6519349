"""``GET /v1/labels/{service}``: the display names of a service's codes in the caller's language.

Answers carry codes (``status: "submitted"``), never words that change with the reader; a client
shows each code by its name from here, in the language it asked for (``Accept-Language``).
"""

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from shared import i18n, operation_ids
from shared.auth import AUTH_RESPONSES, SIGNED_IN


class Labels(BaseModel):
    """Display names of codes, by vocabulary, in one language."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "language": "fr",
        "labels": {"application.status": {"draft": "Brouillon", "submitted": "Envoyée"}}}]})

    language: str = Field(description="The language of the names (also `Content-Language`).")
    labels: dict[str, dict[str, str]] = Field(
        description="Per vocabulary (e.g. `application.status`), each code's display name.")


def labels_router(service: str) -> APIRouter:
    """The labels route of ``service``."""
    router = APIRouter(prefix=f"/v1/labels/{service}", tags=["labels"],
                       dependencies=[SIGNED_IN], responses=AUTH_RESPONSES,
                       # labels_candidates_get, …: one id per service serving it
                       generate_unique_id_function=operation_ids.for_resource(
                           f"labels {service}"))

    @router.get("", response_model=Labels)
    async def labels() -> Labels:
        """The display names of this service's statuses and other codes, in the language of
        ``Accept-Language`` (or the account's saved language); English where it has none."""
        return Labels(language=i18n.current_language(), labels=i18n.labels())

    return router

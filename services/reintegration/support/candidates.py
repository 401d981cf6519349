"""The candidates service, as support measures ask it whether a person takes part in a
programme.

A measure for someone who has no returnee case yet (before departure, during the stay) names
them by ``candidate_id`` and ``programme_id``. This service does not own candidates, so it asks
the candidates service with the caller's own token for that person's applications in that
programme that the caller may read (``GET /v1/applications?programme_id=…&candidate_id=…``):
an officer of another programme, or a person with no selected application there, gets none.
The lines read are this module's own copy of what it needs of ``ApplicationOut`` (services
never import each other).

The client lives in ``app.state.candidates_client``; tests put one on a stand-in app there
(``httpx.MockTransport``).
"""

import uuid

import httpx
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, ValidationError

from services.reintegration.support.exceptions import CandidatesUnavailable
from shared.app import Hook
from shared.i18n import _
from shared.logs import request_id_var
from shared.service_http import service_client

# The application statuses of someone the programme supports: selected (training, waiting to
# leave), placed (abroad), returned (home again).
TAKING_PART = frozenset({"selected", "placed", "returned"})
# A person has one application or a few per programme: one page holds them.
PAGE_SIZE = 200


class _Application(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    candidate_id: uuid.UUID
    programme_id: uuid.UUID
    status: str


class _Page(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    items: list[_Application]


class CandidatesClient:
    """Calls the candidates service; ``http`` is an ``httpx.AsyncClient`` on its base URL."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def takes_part(self, programme_id: uuid.UUID, candidate_id: uuid.UUID, *,
                         authorization: str | None) -> bool:
        """Whether the candidate has an application in the programme, selected or further
        on (:data:`TAKING_PART`), that the caller (``authorization`` forwarded as is; None when
        auth is off) may read; False too when the candidates service answers 401, 403 or 404.
        CandidatesUnavailable when it cannot be asked."""
        headers = {"authorization": authorization} if authorization else {}
        if (request_id := request_id_var.get()) != "-":
            headers["x-request-id"] = request_id
        try:
            response = await self.http.get("/v1/applications", headers=headers, params={
                "programme_id": str(programme_id), "candidate_id": str(candidate_id),
                "limit": PAGE_SIZE})
        except httpx.HTTPError as exc:
            raise CandidatesUnavailable(_(
                "The candidates service could not be reached ({error}); try again later.",
                error=type(exc).__name__)) from exc
        if response.status_code in (401, 403, 404):
            return False
        if response.status_code != 200:
            raise CandidatesUnavailable(_(
                "The candidates service answered {status}; try again later.",
                status=response.status_code))
        try:
            page = _Page.model_validate_json(response.content)
        except ValidationError as exc:
            raise CandidatesUnavailable(_("The candidates service sent applications this "
                                          "service cannot read; try again later.")) from exc
        return any(a.candidate_id == candidate_id and a.programme_id == programme_id
                   and a.status in TAKING_PART for a in page.items)


def lifespan_hooks() -> tuple[Hook, Hook]:
    """``on_startup``/``on_shutdown`` hooks opening and closing the client of the app."""

    async def start(app: FastAPI) -> None:
        settings = app.state.settings
        http = service_client(settings.candidates_url, timeout=httpx.Timeout(
            settings.candidates_timeout_seconds, connect=5.0))
        app.state.candidates_client = CandidatesClient(http)

    async def stop(app: FastAPI) -> None:
        client: CandidatesClient | None = getattr(app.state, "candidates_client", None)
        if client is not None:
            await client.http.aclose()

    return start, stop

"""Reports composed at the gateway from several upstream calls made concurrently."""

import asyncio
import uuid
from typing import Any

import aiohttp
import orjson
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from gateway.proxy import Proxy
from shared.auth import InvalidToken, PrincipalDep
from shared.errors import ProblemError, problem_response, problem_type, responses
from shared.logs import request_id_var

router = APIRouter(tags=["reports"])


class UpstreamFailed(ProblemError):
    status, slug, title = 502, "bad-gateway", "Bad gateway"


# How long the overview waits for a section it can do without.
OPTIONAL_SECTION_SECONDS = 5.0


class ProgrammeOverview(BaseModel):
    """A programme with its applications counted by status, gender and nationality, and its
    reintegration indicators."""

    programme: dict[str, Any]
    applications_total: int
    applications_by_status: dict[str, int]
    applicants_by_gender: dict[str, int]
    applicants_by_nationality: dict[str, int]
    training: dict[str, int] = Field(default_factory=dict, description=(
        "Pre-departure training: enrolled, trained (every required module), and of those "
        "trained_and_moved and trained_and_stayed. Empty when the programme trains no one."))
    reintegration: dict[str, Any] | None = Field(None, description=(
        "The programme's reintegration indicators (`GET /v1/indicators`, small cells "
        "suppressed for ministries); null when the reintegration service did not answer, "
        "with a note saying so."))
    notes: list[str] = Field(default_factory=list, description="What is missing and why.")


async def _get(request: Request, service: str, path: str) -> tuple[int, bytes]:
    proxy: Proxy = request.app.state.proxy
    headers = {"X-Request-ID": request_id_var.get(), "Accept": "application/json"}
    if authorization := request.headers.get("authorization"):
        headers["Authorization"] = authorization
    try:
        async with proxy.session.get(f"{proxy.upstreams.base(service)}{path}",
                                     headers=headers) as response:
            return response.status, await response.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise UpstreamFailed(f"The {service} service could not be reached.",
                             service=service) from exc


async def _optional(request: Request, service: str, path: str) -> tuple[dict[str, Any] | None,
                                                                       str | None]:
    """The JSON a service answers, or None and a note saying why there is none."""
    try:
        status, body = await asyncio.wait_for(_get(request, service, path),
                                              OPTIONAL_SECTION_SECONDS)
    except (UpstreamFailed, TimeoutError):
        return None, f"{service}: the service could not be reached."
    if status != 200:
        return None, f"{service}: the service answered {status}."
    try:
        return orjson.loads(body), None
    except orjson.JSONDecodeError:
        return None, f"{service}: the service's answer was not JSON."


@router.get("/v1/programmes/{programme_id}/overview", response_model=ProgrammeOverview,
            responses=responses(InvalidToken, UpstreamFailed))
async def programme_overview(programme_id: uuid.UUID, request: Request,
                             principal: PrincipalDep) -> Response:
    """A programme, counts of its applications by status, gender and nationality, of its
    pre-departure training, and its reintegration indicators. The overview answers without the
    indicators (null, with a note) when the reintegration service does not."""
    (status, programme), (stats_status, stats), (indicators, note) = await asyncio.gather(
        _get(request, "candidates", f"/v1/programmes/{programme_id}"),
        _get(request, "candidates", f"/v1/programmes/{programme_id}/statistics"),
        _optional(request, "reintegration", f"/v1/indicators?programme_id={programme_id}"))
    for code, body in ((status, programme), (stats_status, stats)):
        if code != 200:
            try:
                return problem_response(orjson.loads(body))
            except (orjson.JSONDecodeError, KeyError, TypeError):
                return problem_response({"type": problem_type("bad-gateway"),
                                         "title": "Bad gateway", "status": 502,
                                         "detail": "The candidates service failed."})
    counts = orjson.loads(stats)
    overview = ProgrammeOverview(
        programme=orjson.loads(programme), applications_total=counts["applications_total"],
        applications_by_status=counts["by_status"], applicants_by_gender=counts["by_gender"],
        applicants_by_nationality=counts["by_nationality"],
        training=counts.get("training", {}), reintegration=indicators,
        notes=[note] if note else [])
    return Response(overview.model_dump_json(), media_type="application/json")

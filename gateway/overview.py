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
from shared.i18n import _
from shared.logs import request_id_var

router = APIRouter(tags=["reports"])


class UpstreamFailed(ProblemError):
    status, slug, title = 502, "bad-gateway", "Bad gateway"


# The overview shows this many of the programme's agreements (the API's page size at most).
AGREEMENTS_SHOWN = 100
# Consortia are a handful of partners: one page of the largest size holds them.
CONSORTIUM_SHOWN = 200
# Applications whose stay abroad started (placements' placement.started moved them on).
MOVED_STATUSES = ("placed", "returned")
PLANNED_FIGURES = ("applicants", "trained", "moved")


class PlannedActual(BaseModel):
    """A figure the programme planned beside what it achieved."""

    planned: int | None = Field(description="null: the programme planned no such figure.")
    actual: int | None = Field(description=(
        "null: withheld from the caller (a ministry), as the statistics it is read from "
        "withhold it or a count it adds up."))


class ProgrammeOverview(BaseModel):
    """A programme with its applications counted by status, gender and nationality, its
    partners and their agreements, what it planned beside what it achieved, and its
    reintegration indicators."""

    programme: dict[str, Any]
    applications_total: int | None = Field(description=(
        "Null when withheld from the caller (`GET /v1/programmes/{id}/statistics`)."))
    applications_by_status: dict[str, int | None]
    applicants_by_gender: dict[str, int | None]
    applicants_by_nationality: dict[str, int | None]
    training: dict[str, int | None] = Field(default_factory=dict, description=(
        "Pre-departure training: enrolled, trained (every required module), and of those "
        "trained_and_moved and trained_and_stayed. Empty when the programme trains no one."))
    reintegration: dict[str, Any] | None = Field(None, description=(
        "The programme's reintegration indicators (`GET /v1/indicators`, under disclosure "
        "control for ministries); null when the reintegration service did not answer, "
        "with a note saying so."))
    small_cell_threshold: int | None = Field(None, description=(
        "For a caller whose figures are under disclosure control (a ministry), the threshold "
        "under which a count of people is withheld; null for exact figures."))
    suppressed_cells: int = Field(0, description=(
        "How many counts the sections withhold from the caller, together (the statistics' "
        "and the indicators'). The overview adds no figure of its own but sums of shown "
        "ones: `planned_vs_actual` is null where a count it reads or adds is withheld."))
    consortium: list[dict[str, Any]] | None = Field(None, description=(
        "The institutions running the programme (`GET /v1/programmes/{id}/consortium`); null, "
        "with a note, when they could not be read."))
    agreements: list[dict[str, Any]] | None = Field(None, description=(
        f"The first {AGREEMENTS_SHOWN} agreements its partners signed (`GET /v1/agreements"
        "?programme_id=`, with a note when there are more); null, with a note, when they "
        "could not be read."))
    planned_vs_actual: dict[str, PlannedActual] = Field(default_factory=dict, description=(
        "`applicants` (applications), `trained` (every required module completed) and `moved` "
        "(people whose stay abroad started): the programme's `planned` figures beside the "
        "actual counts."))
    suspended_origins: list[dict[str, Any]] = Field(default_factory=list, description=(
        "Origin countries the programme suspended, with the reason and since when."))
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
        raise UpstreamFailed(_("The {service} service could not be reached.", service=service),
                             service=service) from exc


async def _optional(request: Request, service: str, path: str, *,
                    section: str | None = None) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON a service answers, or None and a note (on ``section``, by default the
    service's name) saying why there is none."""
    name = section or service
    try:
        status, body = await asyncio.wait_for(_get(request, service, path),
                                              request.app.state.overview_section_seconds)
    except (UpstreamFailed, TimeoutError):
        return None, f"{name}: the service could not be reached."
    if status != 200:
        return None, f"{name}: the service answered {status}."
    try:
        return orjson.loads(body), None
    except orjson.JSONDecodeError:
        return None, f"{name}: the service's answer was not JSON."


@router.get("/v1/programmes/{programme_id}/overview", response_model=ProgrammeOverview,
            responses=responses(InvalidToken, UpstreamFailed))
async def programme_overview(programme_id: uuid.UUID, request: Request,
                             principal: PrincipalDep) -> Response:
    """A programme, counts of its applications by status, gender and nationality, of its
    pre-departure training, its consortium and agreements, its planned figures beside the
    actual ones, the origins it suspended, and its reintegration indicators. The overview
    answers without a section it could not read (null, with a note): the indicators when the
    reintegration service does not answer, say."""
    (status, programme), (stats_status, stats), (indicators, note), (consortium, members_note), \
        (agreements, agreements_note) = await asyncio.gather(
            _get(request, "candidates", f"/v1/programmes/{programme_id}"),
            _get(request, "candidates", f"/v1/programmes/{programme_id}/statistics"),
            _optional(request, "reintegration", f"/v1/indicators?programme_id={programme_id}"),
            _optional(request, "candidates",
                      f"/v1/programmes/{programme_id}/consortium?limit={CONSORTIUM_SHOWN}",
                      section="consortium"),
            _optional(request, "candidates",
                      f"/v1/agreements?programme_id={programme_id}&limit={AGREEMENTS_SHOWN}",
                      section="agreements"))
    for code, body in ((status, programme), (stats_status, stats)):
        if code != 200:
            try:  # a 503 (the service's database out of reach, say) keeps saying when to retry
                return problem_response(orjson.loads(body),
                                        headers={"Retry-After": "5"} if code == 503 else None)
            except (orjson.JSONDecodeError, KeyError, TypeError):
                return problem_response({"type": problem_type("bad-gateway"),
                                         "title": _("Bad gateway"), "status": 502,
                                         "detail": _("The candidates service failed.")})
    counts, shown = orjson.loads(stats), orjson.loads(programme)
    notes = [n for n in (note, members_note, agreements_note) if n]
    if agreements is not None and agreements.get("next_cursor"):
        notes.append(f"agreements: the first {AGREEMENTS_SHOWN} are shown; list them all with "
                     f"GET /v1/agreements?programme_id={programme_id}.")
    suppressed = int(counts.get("suppressed_cells") or 0) + int(
        (indicators or {}).get("suppressed_cells") or 0)
    threshold = counts.get("small_cell_threshold") or (indicators or {}).get(
        "small_cell_threshold")
    overview = ProgrammeOverview(
        programme=shown, applications_total=counts["applications_total"],
        small_cell_threshold=threshold, suppressed_cells=suppressed,
        applications_by_status=counts["by_status"], applicants_by_gender=counts["by_gender"],
        applicants_by_nationality=counts["by_nationality"],
        training=counts.get("training", {}), reintegration=indicators,
        consortium=None if consortium is None else consortium["items"],
        agreements=None if agreements is None else agreements["items"],
        planned_vs_actual=planned_vs_actual(shown, counts),
        # Read defensively: a candidates service of an older version has no such field.
        suspended_origins=shown.get("suspended_origins") or [],
        notes=notes)
    return Response(overview.model_dump_json(), media_type="application/json")


def _trained(counts: dict[str, Any]) -> int | None:
    """People trained; None when the statistics withheld the count (null), or left it out as
    an older candidates service did for a ministry (the training section emptied while cells
    were left out)."""
    training = counts.get("training") or {}
    if "trained" in training:
        trained = training["trained"]
        return None if trained is None else int(trained)
    if training or counts.get("suppressed_cells"):
        return None
    return 0  # no training section and nothing left out: nobody enrolled


def _moved(counts: dict[str, Any]) -> int | None:
    """People whose stay abroad started: the sum of the statuses it counts, None when one of
    them is withheld (null). An absent status is nobody, unless an older candidates service
    left it out (its statuses then fall short of its total)."""
    by_status: dict[str, int | None] = counts["by_status"]
    if any(status in by_status and by_status[status] is None for status in MOVED_STATUSES):
        return None
    total = counts["applications_total"]
    shown = [n for n in by_status.values() if n is not None]
    complete = len(shown) < len(by_status) or sum(shown) == total
    if not complete and any(status not in by_status for status in MOVED_STATUSES):
        return None
    return sum(by_status.get(status) or 0 for status in MOVED_STATUSES)


def planned_vs_actual(programme: dict[str, Any],
                      counts: dict[str, Any]) -> dict[str, PlannedActual]:
    """The programme's planned figures (its ``planned``, absent in an older candidates
    service: all null) beside the actual ones, read from its statistics: applications, people
    trained, people who moved."""
    planned = programme.get("planned") or {}
    total = counts["applications_total"]
    actual = {"applicants": None if total is None else int(total), "trained": _trained(counts),
              "moved": _moved(counts)}
    return {figure: PlannedActual(planned=planned.get(figure), actual=actual[figure])
            for figure in PLANNED_FIGURES}

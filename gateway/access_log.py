"""The access record read across the services: each keeps its own chain (shared.access_record);
the gateway asks all three with the caller's token and merges their pages, newest first.

- ``GET /v1/me/access-log``: a candidate's own record (GDPR Art. 15: who accessed my data).
- ``GET /v1/access-log``: the data protection officer's view of everyone's entries.
- ``GET /v1/access-log/verify``: the data protection officer has every chain walked.

A merged page's cursor holds, per service, where that service's next page starts; a service
left out of the cursor has nothing more.
"""

import asyncio
import base64
import uuid
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from gateway.overview import UpstreamFailed
from gateway.overview import _get as upstream_get
from shared.access_record import DPO_ROLE
from shared.access_record_router import AccessEntryOut, ChainCheck
from shared.auth import AUTH_RESPONSES, Principal, require_roles
from shared.errors import InvalidCursor, responses
from shared.i18n import _
from shared.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, encode_cursor

SERVICES = ("candidates", "placements", "reintegration")
router = APIRouter(tags=["access record"], responses=AUTH_RESPONSES)
Candidate = Annotated[Principal, Depends(require_roles("candidate"))]
Auditor = Annotated[Principal, Depends(require_roles(DPO_ROLE))]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"At most {MAX_PAGE_SIZE}.")]
Cursor = Annotated[str | None, Query(max_length=2000,
                                     description="`next_cursor` of the previous page.")]
Since = Annotated[datetime | None, Query(description="Recorded at or after.")]
Until = Annotated[datetime | None, Query(description="Recorded before.")]


class AccessLogVerification(BaseModel):
    """Every service's chain walked: intact when all are."""

    intact: bool
    services: list[ChainCheck]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _encode(positions: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(positions)).decode().rstrip("=")


def _decode(cursor: str | None, services: tuple[str, ...]) -> dict[str, str]:
    """Per service, its own cursor ("" for its first page); a service absent is exhausted."""
    if cursor is None:
        return dict.fromkeys(services, "")
    try:
        positions = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise InvalidCursor(_("The cursor is not one this API issued.")) from exc
    if not isinstance(positions, dict) or not all(
            name in services and isinstance(value, str) for name, value in positions.items()):
        raise InvalidCursor(_("The cursor is not one this API issued."))
    return positions


async def _page(request: Request, service: str, params: dict[str, Any]) -> dict[str, Any]:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    status, body = await upstream_get(request, service, f"/v1/access-log?{query}")
    if status != 200:
        raise UpstreamFailed(_("The {service} service's access record could not be read "
                               "(it answered {status}).",
                               service=service, status=status), service=service)
    page: dict[str, Any] = orjson.loads(body)
    return page


async def _merged(request: Request, *, services: tuple[str, ...], limit: int,
                  cursor: str | None, params: dict[str, Any]) -> Page[AccessEntryOut]:
    """The newest ``limit`` entries across ``services`` after ``cursor``."""
    positions = _decode(cursor, services)
    names = [name for name in services if name in positions]
    pages = await asyncio.gather(*(_page(request, name, {
        **params, "limit": limit, "cursor": positions[name]}) for name in names))
    fetched = {name: [AccessEntryOut.model_validate(item) for item in page["items"]]
               for name, page in zip(names, pages, strict=True)}
    merged = sorted((entry for entries in fetched.values() for entry in entries),
                    key=lambda e: (e.recorded_at, e.service, e.seq), reverse=True)[:limit]
    following: dict[str, str] = {}
    for name, page in zip(names, pages, strict=True):
        taken = [entry for entry in merged if entry.service == name]
        if len(taken) < len(fetched[name]):
            # Some of this page is still to show: start after the last one shown.
            following[name] = (encode_cursor(taken[-1].seq) if taken else positions[name])
        elif page.get("next_cursor"):
            following[name] = page["next_cursor"]
    return Page(items=merged, next_cursor=_encode(following) if following else None)


# Named by hand: the rule (shared.operation_ids) would repeat "access" in each.
@router.get("/v1/me/access-log", response_model=Page[AccessEntryOut],
            operation_id="access_record_mine", responses=responses(InvalidCursor, UpstreamFailed))
async def my_access_log(request: Request, principal: Candidate,
                        limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None,
                        since: Since = None, until: Until = None) -> Page[AccessEntryOut]:
    """Who read, changed or exported your personal data, newest first, from every service:
    their role and organisation (not a staff member's account), what they accessed, how
    (``action``, ``route``), why where they said (``purpose``), when, and the request id.
    Your own accesses are there too (``by_you``)."""
    return await _merged(request, services=SERVICES, limit=limit, cursor=cursor,
                         params={"since": _iso(since), "until": _iso(until)})


@router.get("/v1/access-log", response_model=Page[AccessEntryOut],
            operation_id="access_record_list", responses=responses(InvalidCursor, UpstreamFailed))
async def access_log(
    request: Request, principal: Auditor,
    limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None,
    candidate_id: Annotated[uuid.UUID | None, Query(description="Only this person's.")] = None,
    actor: Annotated[str | None, Query(max_length=200,
                                       description="Only this account's accesses.")] = None,
    service: Annotated[str | None, Query(pattern=f"^({'|'.join(SERVICES)})$",
                                         description="Only this service's record.")] = None,
    since: Since = None, until: Until = None,
) -> Page[AccessEntryOut]:
    """Every service's access record, newest first, for the data protection officer: filter
    by person, actor account, service and time. Nobody can change or delete an entry."""
    return await _merged(
        request, services=(service,) if service else SERVICES, limit=limit, cursor=cursor,
        params={"candidate_id": candidate_id, "actor": actor, "since": _iso(since),
                "until": _iso(until)})


@router.get("/v1/access-log/verify", response_model=AccessLogVerification,
            operation_id="access_record_verify", responses=responses(UpstreamFailed))
async def verify_access_log(request: Request, principal: Auditor) -> AccessLogVerification:
    """Walk every service's chain of entries: each must follow from the one before it (its
    sequence number, the previous entry's hash, its own hash). ``first_broken_sequence``
    names the first entry changed, or the first after one removed."""

    async def check(service: str) -> ChainCheck:
        status, body = await upstream_get(request, service, "/v1/access-log/verify")
        if status != 200:
            raise UpstreamFailed(_("The {service} service could not verify its record "
                                   "(it answered {status}).",
                                   service=service, status=status), service=service)
        return ChainCheck.model_validate(orjson.loads(body))

    checks = await asyncio.gather(*(check(service) for service in SERVICES))
    return AccessLogVerification(intact=all(c.intact for c in checks), services=list(checks))

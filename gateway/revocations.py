"""The revocation feed the services poll, and the gateway's own copy of the revocations.

``GET /internal/revocations?since=<cursor>`` answers the revocations changed after ``cursor``
(see :class:`gateway.models.Revocation`). It asks for no token, on purpose: the services that
poll it hold no credentials of their own, and what it lists is not worth protecting — opaque
subject ids (account UUIDs, ``client:<id>``) and epoch seconds, no e-mail, name or link; it can
only make the services refuse more tokens, never accept one. It is the gateway's own route, not
a proxied one (``/internal`` paths are never forwarded to a service); a deployment may keep
``/internal/`` off its public ingress all the same.

Only the built-in issuer's subjects are ever in it. The callers of an external issuer
(``AUTH_TRUSTED_ISSUERS``, :mod:`shared.trusted_issuers`) have subjects of their own form,
``<issuer>#<sub>``, and are revoked by that issuer's own means: short-lived tokens, a key
withdrawn from its JWKS (refused within its ``refresh_seconds``).
"""

import asyncio
import contextlib
import logging
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query
from starlette.responses import Response

from gateway import identity
from gateway.schemas import RevocationFeed
from shared.auth import Revocations
from shared.db import SessionDep
from shared.responses import json_response

log = logging.getLogger("pathways.gateway.revocations")
router = APIRouter(tags=["internal"])
FEED_PAGE = 1000


@router.get("/internal/revocations", response_model=RevocationFeed, include_in_schema=False)
async def revocation_feed(
    session: SessionDep,
    since: Annotated[int, Query(ge=0, description="The `cursor` of the previous answer.")] = 0,
) -> Response:
    """The revocations changed after ``since``, oldest change first (at most a page of them;
    ``more`` says whether to ask again at once)."""
    rows = await identity.revocations_since(session, since=since, limit=FEED_PAGE)
    return json_response(RevocationFeed(
        cursor=rows[-1].seq if rows else since, more=len(rows) == FEED_PAGE,
        revocations=[identity.feed_entry(r) for r in rows]))


async def load(app: FastAPI) -> Revocations:
    """The revocations as the database holds them now (at the gateway's start)."""
    revocations = Revocations()
    async with app.state.database.sessionmaker() as session:
        await identity.refresh_revocations(session, revocations)
    return revocations


async def follow(app: FastAPI, revocations: Revocations, *, interval: float) -> None:
    """Read the changes any replica made, every ``interval`` seconds, until cancelled."""
    failing = False
    while True:
        await asyncio.sleep(interval)
        try:
            async with app.state.database.sessionmaker() as session:
                await identity.refresh_revocations(session, revocations)
            failing = False
        except Exception as exc:  # the database is back soon: keep the last known state
            if not failing:
                log.warning("could not read revocations; keeping the last known ones",
                            extra={"error_type": type(exc).__name__})
            failing = True


async def stop(task: asyncio.Task[None] | None) -> None:
    """Stop following."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

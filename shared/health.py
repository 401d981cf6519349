"""Liveness and readiness endpoints.

Live: the process serves HTTP. Ready: it can do its work now, i.e. its database answers, and
whatever else the app registers in ``app.state.readiness_checks`` is ready too (the gateway:
every service it routes to, ``gateway.readiness``).
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import text
from starlette.responses import Response

from shared.errors import PROBLEM_MEDIA_TYPE, problem_response, problem_type

router = APIRouter(prefix="/health", tags=["health"])
# A check of something the app needs besides its database: the names of what is not ready now
# (none when all is). Registered in ``app.state.readiness_checks``; cheap and quick, as probes
# call it every few seconds.
ReadinessCheck = Callable[[], Awaitable[list[str]]]
DATABASE_TIMEOUT_SECONDS = 2.0
RETRY_AFTER_SECONDS = 5
NOT_READY: dict[str, Any] = {"type": problem_type("not-ready"), "title": "Not ready",
                             "status": 503, "detail": "Not ready: database.",
                             "not_ready": ["database"]}


@router.get("/live", summary="The process is up")
async def live() -> dict[str, str]:
    """Answers as long as the process serves HTTP."""
    return {"status": "ok"}


@router.get("/ready", summary="The service can do its work", response_model=None,
            responses={503: {"description": "Not ready: its database does not answer, or (the "
                                            "gateway) a service it routes to is not ready",
                             "content": {PROBLEM_MEDIA_TYPE: {"examples": {"not-ready": {
                                 "summary": "Not ready", "value": NOT_READY,
                                 "description": "The process cannot reach its database (or it "
                                                "does not answer within two seconds): send it "
                                                "no traffic yet."}}}}}})
async def ready(request: Request) -> Response | dict[str, str]:
    """Answers 200 when the database answers a query within two seconds and every other check
    of the app passes, else 503 naming what is not ready (``not_ready``)."""
    checks: list[ReadinessCheck] = getattr(request.app.state, "readiness_checks", [])
    results = await asyncio.gather(_database(request.app), *(check() for check in checks))
    not_ready = [name for names in results for name in names]
    if not not_ready:
        return {"status": "ok"}
    return problem_response({"type": problem_type("not-ready"), "title": "Not ready",
                             "status": 503, "detail": f"Not ready: {', '.join(not_ready)}.",
                             "not_ready": not_ready},
                            headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


async def _database(app: FastAPI) -> list[str]:
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
            async with app.state.database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception:
        return ["database"]
    return []

"""Liveness and readiness endpoints; readiness proves the database answers."""

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.responses import Response

from shared.errors import PROBLEM_MEDIA_TYPE, problem_response, problem_type

router = APIRouter(prefix="/health", tags=["health"])
NOT_READY: dict[str, Any] = {"type": problem_type("not-ready"), "title": "Not ready", "status": 503,
             "detail": "The database does not answer."}


@router.get("/live", summary="The process is up")
async def live() -> dict[str, str]:
    """Answers as long as the process serves HTTP."""
    return {"status": "ok"}


@router.get("/ready", summary="The service can do its work", response_model=None,
            responses={503: {"description": "The database does not answer", "content": {
                PROBLEM_MEDIA_TYPE: {"examples": {"not-ready": {
                    "summary": "Not ready", "value": NOT_READY,
                    "description": "The process cannot reach its database (or it does not "
                                   "answer within two seconds): send it no traffic yet."}}}}}})
async def ready(request: Request) -> Response | dict[str, str]:
    """Answers 200 when the database answers a query within two seconds, else 503."""
    try:
        async with asyncio.timeout(2):
            async with request.app.state.database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception:
        return problem_response(dict(NOT_READY))
    return {"status": "ok"}

"""The baseline of the read benchmarks: a bare FastAPI app running the very same SQL.

No ORM, no session, no middleware: one asyncpg pool and the statements of
``services.candidates.candidates.read_repository``, behind the same token check as the service's
(the bearer token verified with PyJWT on the key fetched once from ``AUTH_JWKS_URL``: see
:class:`bench.tokens.CachedKeyVerifier`). What the candidates service adds on top of this
(request ids, logs, sessions, validation, problem handling, the access model) is what the
benchmark measures.
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import Depends, FastAPI, HTTPException, Request
from starlette.responses import Response

from bench.tokens import CachedKeyVerifier, InvalidToken
from services.candidates.candidates.read_repository import (
    GET_CANDIDATE_SQL,
    CandidateFilters,
    list_query,
)
from shared.pagination import PageParams, raw_page_body


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """One pool as large as the service's (10 + 10 overflow), and the issuer's keys."""
    app.state.tokens = await CachedKeyVerifier.fetch(os.environ["AUTH_JWKS_URL"],
                                                     issuer=os.environ["AUTH_ISSUER"])
    app.state.pool = await asyncpg.create_pool(os.environ["BENCH_DATABASE_URL"], min_size=10,
                                               max_size=20)
    yield
    await app.state.pool.close()


async def signed_in(request: Request) -> None:
    """401 unless the request carries a valid bearer token (one dependency, as each of the
    service's routes has)."""
    try:
        request.app.state.tokens.verify(request.headers.get("authorization"))
    except InvalidToken as error:
        raise HTTPException(401, str(error)) from error


app = FastAPI(lifespan=lifespan)


@app.get("/health/ready")
async def ready() -> dict[str, str]:
    """For the harness to know the app is up."""
    return {"status": "ok"}


@app.get("/v1/candidates/{candidate_id}", dependencies=[Depends(signed_in)])
async def candidate(candidate_id: uuid.UUID) -> Response:
    """The same statement as the service's read by id."""
    async with app.state.pool.acquire() as connection:
        row = await connection.fetchrow(GET_CANDIDATE_SQL, candidate_id)
    return Response(row["doc"], media_type="application/json",
                    headers={"etag": f'"{row["version"]}"'})


@app.get("/v1/candidates", dependencies=[Depends(signed_in)])
async def candidates(nationality: str | None = None, skill: str | None = None,
                     limit: int = 50) -> Response:
    """The same statement as the service's filtered list."""
    page = PageParams(limit=limit, after=None)
    sql, args = list_query(CandidateFilters(nationality=nationality, skill=skill), page)
    async with app.state.pool.acquire() as connection:
        rows = await connection.fetch(sql, *args)
    return Response(raw_page_body(rows, page), media_type="application/json")

"""The baseline of the read benchmarks: a bare FastAPI app running the very same SQL.

No ORM, no session, no middleware: one asyncpg pool and the statements of
``services.candidates.candidates.reads``. What the candidates service adds on top of this
(request ids, logs, sessions, validation, problem handling) is what the benchmark measures.
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI
from starlette.responses import Response

from services.candidates.candidates.reads import GET_CANDIDATE_SQL, CandidateFilters, list_query
from shared.pagination import PageParams, raw_page_body


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """One pool as large as the service's (10 + 10 overflow)."""
    app.state.pool = await asyncpg.create_pool(os.environ["BENCH_DATABASE_URL"], min_size=10,
                                               max_size=20)
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/health/ready")
async def ready() -> dict[str, str]:
    """For the harness to know the app is up."""
    return {"status": "ok"}


@app.get("/v1/candidates/{candidate_id}")
async def candidate(candidate_id: uuid.UUID) -> Response:
    """The same statement as the service's read by id."""
    async with app.state.pool.acquire() as connection:
        row = await connection.fetchrow(GET_CANDIDATE_SQL, candidate_id)
    return Response(row["doc"], media_type="application/json",
                    headers={"etag": f'"{row["version"]}"'})


@app.get("/v1/candidates")
async def candidates(nationality: str | None = None, skill: str | None = None,
                     limit: int = 50) -> Response:
    """The same statement as the service's filtered list."""
    page = PageParams(limit=limit, after=None)
    sql, args = list_query(CandidateFilters(nationality=nationality, skill=skill), page)
    async with app.state.pool.acquire() as connection:
        rows = await connection.fetch(sql, *args)
    return Response(raw_page_body(rows, page), media_type="application/json")

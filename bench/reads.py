"""Read paths: the candidates service vs a bare asyncpg app running the same SQL.

Both are one uvicorn worker (uvloop, httptools) on loopback, loaded by wrk -t2 -c64 in turns;
each side keeps its best round. Every request carries an admin's bearer token from a real
gateway, and both sides verify it (:mod:`bench.tokens`): the service as in production, the
baseline with PyJWT on the same key. The goal: at least :data:`GOAL` (0.9) of the baseline's
requests per second, and a p99 no more than 3x the service's own p50.
"""

from typing import Any

import asyncpg

from bench.comparison import ROUNDS, Comparison, figures, run_rounds
from bench.data import candidate_documents
from bench.environment import free_port, uvicorn_process
from bench.tokens import VERIFIED, require_token_checks, running_issuer
from bench.wrk import LoadResult, script_file
from services.candidates.imports.records import COLUMNS, record
from services.candidates.imports.schemas import candidate_row

CANDIDATES = 20_000
SECONDS = 10
LIST_PATH = "/v1/candidates?nationality=MA&limit=20"
TAIL = 3.0  # p99 at most this many times p50
GOAL = 0.9  # of the bare app's requests per second


async def seed(candidates_url: str) -> list[str]:
    """Fill the table with :data:`CANDIDATES` candidates; return their ids."""
    rows = [record(dict(candidate_row.validate_python(d)))
            for d in candidate_documents(CANDIDATES, tag="-read")]
    connection = await asyncpg.connect(candidates_url)
    try:
        await connection.execute("TRUNCATE candidates.candidate CASCADE")
        await connection.copy_records_to_table("candidate", schema_name="candidates",
                                               columns=COLUMNS, records=rows)
        await connection.execute("ANALYZE candidates.candidate")
        return [str(r["id"]) for r in await connection.fetch(
            "SELECT id FROM candidates.candidate")]
    finally:
        await connection.close()


def by_id_paths(ids: list[str]) -> list[str]:
    """``GET /v1/candidates/{id}`` of every id, for wrk to pick from at random."""
    return [f"/v1/candidates/{i}" for i in ids]


def _tail_goal(ours: LoadResult, _: LoadResult) -> tuple[str, bool]:
    return f"<= {TAIL:g}x its p50", ours.p99_ms <= TAIL * ours.p50_ms


async def run(candidates_url: str) -> list[dict[str, Any]]:
    """Seed, then load both apps in turns; throughput and p99 of both requests."""
    ids = await seed(candidates_url)
    port = free_port()
    async with running_issuer(candidates_url, upstream=f"http://127.0.0.1:{port}") as issuer:
        # INFO, as in production: every request writes its access line.
        service_env = {"CANDIDATES_DATABASE_URL": candidates_url,
                       "CANDIDATES_LOG_LEVEL": "INFO", **issuer.service_env()}
        with uvicorn_process("services.candidates.main:create_app", env=service_env,
                             port=port) as service, \
                uvicorn_process("bench.baseline_app:app", factory=False, env={
                    "BENCH_DATABASE_URL": candidates_url, **issuer.service_env()}) as baseline, \
                script_file(by_id_paths(ids), issuer.authorization()) as by_id, \
                script_file((), issuer.authorization()) as plain:
            require_token_checks([f"{side}{by_id_paths(ids[:1])[0]}"
                                  for side in (service, baseline)], issuer.authorization())
            comparisons = [
                Comparison("GET /v1/candidates/{id}", by_id, f"{service}/", f"{baseline}/",
                           goal=GOAL),
                Comparison(f"GET {LIST_PATH}", plain, f"{service}{LIST_PATH}",
                           f"{baseline}{LIST_PATH}", goal=GOAL)]
            run_rounds(comparisons, rounds=ROUNDS, seconds=SECONDS)
    return [{**f, "tokens": VERIFIED} for c in comparisons for f in figures(
        c, labels=("candidates service", "bare FastAPI + asyncpg"),
        baseline_name="bare FastAPI + asyncpg, same SQL and token check",
        tail_goal=_tail_goal)]

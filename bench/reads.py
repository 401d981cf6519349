"""Read paths: the candidates service vs a bare asyncpg app running the same SQL.

Both are one uvicorn worker (uvloop, httptools) on loopback, loaded by wrk -t2 -c64 in turns;
each figure is the best of its rounds. The goal: at least 0.8 of the baseline's requests per
second, and a p99 no more than 3x the p50.
"""

import tempfile
from pathlib import Path
from typing import Any

import asyncpg

from bench.data import candidate_documents
from bench.environment import LoadResult, run_wrk, uvicorn_process
from services.candidates.imports.schemas import candidate_row
from services.candidates.imports.service import COLUMNS, record

CANDIDATES = 20_000
ROUNDS = 2
SECONDS = 10
LIST_PATH = "/v1/candidates?nationality=MA&limit=20"


async def seed(candidates_url: str) -> list[str]:
    """Fill the table with :data:`CANDIDATES` candidates; return their ids."""
    rows = [record(candidate_row.validate_python(d))
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


def _random_id_script(ids: list[str]) -> Path:
    script = Path(tempfile.mktemp(prefix="pathways-ids-", suffix=".lua"))
    quoted = ",".join(f'"{i}"' for i in ids)
    script.write_text(
        f"local ids = {{{quoted}}}\n"
        "math.randomseed(7)\n"
        "request = function()\n"
        '  return wrk.format("GET", "/v1/candidates/" .. ids[math.random(#ids)])\n'
        "end\n")
    return script


def _figure(name: str, ours: LoadResult, base: LoadResult) -> dict[str, Any]:
    return {
        "name": name, "unit": "req/s",
        "value": round(ours.requests_per_second), "baseline": round(base.requests_per_second),
        "baseline_name": "bare FastAPI + asyncpg, same SQL",
        "ratio": round(ours.requests_per_second / base.requests_per_second, 3),
        "goal": ">= 0.8 and p99 <= 3x p50",
        "p50_ms": ours.p50_ms, "p99_ms": ours.p99_ms,
        "p99_over_p50": round(ours.p99_ms / ours.p50_ms, 2),
        "baseline_p50_ms": base.p50_ms, "baseline_p99_ms": base.p99_ms,
        "errors": ours.errors + base.errors,
    }


def _best(results: list[LoadResult]) -> LoadResult:
    return max(results, key=lambda r: r.requests_per_second)


async def run(candidates_url: str) -> list[dict[str, Any]]:
    """Seed, then load both apps in turns; return the two figures."""
    ids = await seed(candidates_url)
    script = _random_id_script(ids)
    # INFO, as in production: every request writes its access line.
    service_env = {"CANDIDATES_DATABASE_URL": candidates_url, "CANDIDATES_LOG_LEVEL": "INFO"}
    by_id: dict[str, list[LoadResult]] = {"service": [], "baseline": []}
    listing: dict[str, list[LoadResult]] = {"service": [], "baseline": []}
    with uvicorn_process("services.candidates.main:create_app", env=service_env) as service, \
            uvicorn_process("bench.baseline_app:app", factory=False,
                            env={"BENCH_DATABASE_URL": candidates_url}) as baseline:
        for _ in range(ROUNDS):
            for key, url in (("baseline", baseline), ("service", service)):
                by_id[key].append(run_wrk(f"{url}/", script=script, seconds=SECONDS))
                listing[key].append(run_wrk(f"{url}{LIST_PATH}", seconds=SECONDS))
    script.unlink()
    return [
        _figure("GET /v1/candidates/{id}", _best(by_id["service"]), _best(by_id["baseline"])),
        _figure(f"GET {LIST_PATH}", _best(listing["service"]), _best(listing["baseline"])),
    ]

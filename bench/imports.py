"""Bulk import: rows per second through ``POST /v1/candidate-imports`` vs a bare ``COPY``.

Baseline: asyncpg ``copy_records_to_table`` of the very same rows (already validated and
converted) into the same table, in the same run. The import adds reading the CSV, validating
every line as the API does, checking emails and its per-batch transactions.
"""

import time
from typing import Any

import asyncpg
import httpx

from bench.data import candidate_documents, csv_of
from bench.environment import uvicorn_process
from services.candidates.imports.schemas import candidate_row
from services.candidates.imports.service import COLUMNS, record

ROWS = 20_000
ROUNDS = 3


async def run(candidates_url: str) -> dict[str, Any]:
    """Measure both, best of :data:`ROUNDS`, and return the figures."""
    documents = list(candidate_documents(ROWS, tag="-import"))
    body = csv_of(documents)
    rows = [record(candidate_row.validate_python(d)) for d in documents]
    connection = await asyncpg.connect(candidates_url)
    copy_seconds: list[float] = []
    import_seconds: list[float] = []
    try:
        with uvicorn_process("services.candidates.main:create_app",
                             env={"CANDIDATES_DATABASE_URL": candidates_url}) as url:
            async with httpx.AsyncClient(base_url=url, timeout=600) as client:
                for _ in range(ROUNDS):
                    await connection.execute("TRUNCATE candidates.candidate CASCADE")
                    started = time.perf_counter()
                    await connection.copy_records_to_table(
                        "candidate", schema_name="candidates", columns=COLUMNS, records=rows)
                    copy_seconds.append(time.perf_counter() - started)

                    await connection.execute("TRUNCATE candidates.candidate CASCADE")
                    started = time.perf_counter()
                    response = await client.post("/v1/candidate-imports", content=body,
                                                 headers={"content-type": "text/csv"})
                    import_seconds.append(time.perf_counter() - started)
                    report = response.json()
                    if report.get("imported") != ROWS:
                        raise RuntimeError(f"import did not take every row: {report}")
    finally:
        await connection.close()
    copy_rate = ROWS / min(copy_seconds)
    import_rate = ROWS / min(import_seconds)
    return {
        "name": "bulk candidate import (CSV over HTTP)",
        "unit": "rows/s", "rows": ROWS,
        "value": round(import_rate), "baseline": round(copy_rate),
        "baseline_name": "asyncpg copy_records_to_table of the same rows",
        "ratio": round(import_rate / copy_rate, 3), "goal": ">= 0.5",
    }

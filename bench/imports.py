"""Bulk import: rows per second through ``POST /v1/candidate-imports`` vs a bare ``COPY``.

Baseline: asyncpg ``copy_records_to_table`` of the very same rows (already validated and
converted) into the same table, in the same run. Both check the same bearer token, from a real
gateway (:mod:`bench.tokens`): the service as in production, the baseline with PyJWT on the same
key before its COPY. The import adds receiving the CSV over HTTP, reading it, validating every
line as the API does, checking emails, flagging likely duplicates (the file's people are drawn
from common names, 1 % of them twice: :mod:`bench.data`) and its per-batch transactions. The
goal: at least :data:`GOAL` of the COPY's rows per second. A first, untimed round
of 1,000 rows warms both up (connections, prepared statements, the token); then each round runs
both back to back, and after each the table's content is compared, so that the import is only
timed when it wrote exactly what the COPY wrote.
"""

import os
import statistics
import time
from typing import Any

import asyncpg
import httpx

from bench.data import candidate_documents, csv_of
from bench.environment import free_port, uvicorn_process
from bench.tokens import VERIFIED, CachedKeyVerifier, require_token_checks, running_issuer
from services.candidates.imports.records import COLUMNS, record
from services.candidates.imports.schemas import candidate_row

ROWS = 20_000
ROUNDS = 5
WARM_UP_ROWS = 1_000
GOAL = 0.8  # of the COPY's rows per second
# Every stored column, one text per row (jsonb prints its keys in a canonical order).
_CONTENT = (f"SELECT md5(string_agg(row({', '.join(COLUMNS)})::text, E'\\n' ORDER BY email)) "
            "FROM candidates.candidate")


async def _timed_copy(connection: asyncpg.Connection, rows: list[tuple[Any, ...]],
                      tokens: CachedKeyVerifier, authorization: str) -> float:
    await connection.execute("TRUNCATE candidates.candidate CASCADE")
    started = time.perf_counter()
    tokens.verify(authorization)
    await connection.copy_records_to_table("candidate", schema_name="candidates",
                                           columns=COLUMNS, records=rows)
    return time.perf_counter() - started


async def _timed_import(connection: asyncpg.Connection, client: httpx.AsyncClient,
                        body: bytes, rows: int) -> tuple[float, int]:
    await connection.execute("TRUNCATE candidates.candidate CASCADE")
    started = time.perf_counter()
    response = await client.post("/v1/candidate-imports", content=body,
                                 headers={"content-type": "text/csv"})
    seconds = time.perf_counter() - started
    report = response.json()
    if report.get("imported") != rows:
        raise RuntimeError(f"import did not take every row: {report}")
    return seconds, int(report["duplicates_flagged"])


async def run(candidates_url: str) -> dict[str, Any]:
    """Measure both, best of :data:`ROUNDS`, and return the figures."""
    documents = list(candidate_documents(ROWS, tag="-import"))
    body = csv_of(documents)
    rows = [record(dict(candidate_row.validate_python(d))) for d in documents]
    connection = await asyncpg.connect(candidates_url)
    copy_seconds: list[float] = []
    flagged = 0
    import_seconds: list[float] = []
    port = free_port()
    try:
        async with running_issuer(candidates_url,
                                  upstream=f"http://127.0.0.1:{port}") as issuer:
            tokens, authorization = await issuer.verifier(), f"Bearer {issuer.token}"
            with uvicorn_process("services.candidates.main:create_app", port=port, env={
                    "CANDIDATES_DATABASE_URL": candidates_url, **issuer.service_env()}) as url:
                require_token_checks([f"{url}/v1/candidates?limit=1"], issuer.authorization())
                async with httpx.AsyncClient(base_url=url, timeout=600,
                                             headers=issuer.authorization()) as client:
                    await _timed_copy(connection, rows[:WARM_UP_ROWS], tokens, authorization)
                    await _timed_import(connection, client, csv_of(documents[:WARM_UP_ROWS]),
                                        WARM_UP_ROWS)
                    for _ in range(ROUNDS):
                        copy_seconds.append(await _timed_copy(connection, rows, tokens,
                                                              authorization))
                        copied = await connection.fetchval(_CONTENT)
                        seconds, flagged = await _timed_import(connection, client, body, ROWS)
                        import_seconds.append(seconds)
                        if await connection.fetchval(_CONTENT) != copied:
                            raise RuntimeError("the import stored other rows than the COPY")
    finally:
        await connection.close()
    copy_rate = ROWS / min(copy_seconds)
    import_rate = ROWS / min(import_seconds)
    return {
        "name": "bulk candidate import (CSV over HTTP)",
        "unit": "rows/s", "rows": ROWS,
        "value": round(import_rate), "baseline": round(copy_rate),
        "baseline_name": "asyncpg copy_records_to_table of the same rows, same token check",
        "tokens": VERIFIED,
        "ratio": round(import_rate / copy_rate, 3), "goal": f">= {GOAL}",
        "met": import_rate >= GOAL * copy_rate, "duplicates_flagged": flagged,
        # Each round's pair ran back to back, under the same load: the spread tells the noise.
        "round_ratios": [round(c / i, 3) for c, i in zip(copy_seconds, import_seconds,
                                                          strict=True)],
        "median_round_ratio": round(statistics.median(
            c / i for c, i in zip(copy_seconds, import_seconds, strict=True)), 3),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }

"""Bulk import: rows per second through ``POST /v1/candidate-imports`` vs a bare ``COPY``.

Baseline: asyncpg ``copy_records_to_table`` of the very same rows (already validated and
converted) into the same table, in the same run. Both check the same bearer token, from a real
gateway (:mod:`bench.tokens`): the service as in production, the baseline with PyJWT on the same
key before its COPY. The import adds receiving the CSV over HTTP, reading it, validating every
line as the API does, checking emails, flagging likely duplicates (the file's people are drawn
from common names, 1 % of them twice: :mod:`bench.data`) and its per-batch transactions. The
goal: at least :data:`GOAL` of the COPY's rows per second. Beside it, the service's own CPU time
per imported row (from ``/proc``), against the COPY's time per row: the service does its work in
one thread, so an import can take no less than that per row, however well it overlaps with
Postgres, and the goal is out of reach while it exceeds 1 / :data:`GOAL` of the COPY's time.
A first, untimed round of 1,000 rows warms both up (connections, prepared statements, the
token); then each round runs both back to back, and after each the table's content is compared,
so that the import is only timed when it wrote exactly what the COPY wrote.
"""

import os
import statistics
import time
from typing import Any

import asyncpg
import httpx

from bench.data import candidate_documents, csv_of
from bench.environment import Server, free_port, served
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
                        service: Server, body: bytes, rows: int) -> tuple[float, int, float | None]:
    """Seconds, likely duplicates flagged, and the service's CPU seconds (None unknown)."""
    await connection.execute("TRUNCATE candidates.candidate CASCADE")
    cpu_before = service.cpu_seconds()
    started = time.perf_counter()
    response = await client.post("/v1/candidate-imports", content=body,
                                 headers={"content-type": "text/csv"})
    seconds = time.perf_counter() - started
    cpu_after = service.cpu_seconds()
    report = response.json()
    if report.get("imported") != rows:
        raise RuntimeError(f"import did not take every row: {report}")
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return seconds, int(report["duplicates_flagged"]), cpu


async def run(candidates_url: str) -> list[dict[str, Any]]:
    """Measure both, best of :data:`ROUNDS`, and return the figures."""
    documents = list(candidate_documents(ROWS, tag="-import"))
    body = csv_of(documents)
    rows = [record(dict(candidate_row.validate_python(d))) for d in documents]
    connection = await asyncpg.connect(candidates_url)
    copy_seconds: list[float] = []
    flagged = 0
    import_seconds: list[float] = []
    cpu_seconds: list[float] = []
    port = free_port()
    try:
        async with running_issuer(candidates_url,
                                  upstream=f"http://127.0.0.1:{port}") as issuer:
            tokens, authorization = await issuer.verifier(), f"Bearer {issuer.token}"
            with served("services.candidates.main:create_app", port=port, env={
                    "CANDIDATES_DATABASE_URL": candidates_url,
                    **issuer.service_env()}) as service:
                url = service.url
                require_token_checks([f"{url}/v1/candidates?limit=1"], issuer.authorization())
                async with httpx.AsyncClient(base_url=url, timeout=600,
                                             headers=issuer.authorization()) as client:
                    await _timed_copy(connection, rows[:WARM_UP_ROWS], tokens, authorization)
                    await _timed_import(connection, client, service,
                                        csv_of(documents[:WARM_UP_ROWS]), WARM_UP_ROWS)
                    for _ in range(ROUNDS):
                        copy_seconds.append(await _timed_copy(connection, rows, tokens,
                                                              authorization))
                        copied = await connection.fetchval(_CONTENT)
                        seconds, flagged, cpu = await _timed_import(connection, client,
                                                                    service, body, ROWS)
                        import_seconds.append(seconds)
                        if cpu is not None:
                            cpu_seconds.append(cpu)
                        if await connection.fetchval(_CONTENT) != copied:
                            raise RuntimeError("the import stored other rows than the COPY")
    finally:
        await connection.close()
    copy_rate = ROWS / min(copy_seconds)
    import_rate = ROWS / min(import_seconds)
    figures = [{
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
    }]
    if cpu_seconds:
        per_row, copy_per_row = min(cpu_seconds) / ROWS * 1e6, min(copy_seconds) / ROWS * 1e6
        figures.append({
            "name": "bulk candidate import: the service's CPU time per row",
            "unit": "µs/row", "value": round(per_row, 1), "baseline": round(copy_per_row, 1),
            "baseline_name": "the COPY's time per row (the same rows, as above)",
            "ratio": round(per_row / copy_per_row, 3), "goal": "reported", "met": None,
            "note": f"the import's goal needs at most {1 / GOAL:g}x: the service works in "
                    "one thread",
            "rounds": [round(c / ROWS * 1e6, 1) for c in cpu_seconds],
        })
    return figures

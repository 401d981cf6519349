"""The gateway's cost: GET /v1/candidates/{id} through the gateway vs straight to the service.

Both run as one uvicorn worker each (uvloop, httptools) on loopback; the gateway verifies an
RS256 bearer token and counts the in-memory rate limit on every request, like production. The
goal from the gateway issue: at least 0.8 of the direct throughput, at most 5 ms added p50.
"""

import asyncio
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from bench.environment import LoadResult, run_wrk, uvicorn_process
from bench.reads import seed
from gateway import identity
from shared.auth import Principal
from shared.db import Database
from shared.settings import role_url
from shared.topology import service as service_spec

ROUNDS = 2
SECONDS = 10


def _script(ids: list[str], token: str) -> Path:
    script = Path(tempfile.mktemp(prefix="pathways-gw-", suffix=".lua"))
    quoted = ",".join(f'"{i}"' for i in ids[:5000])
    script.write_text(
        f"local ids = {{{quoted}}}\n"
        "math.randomseed(7)\n"
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        "request = function()\n"
        '  return wrk.format("GET", "/v1/candidates/" .. ids[math.random(#ids)])\n'
        "end\n")
    return script


async def _token(gateway_db_url: str) -> str:
    database = Database(gateway_db_url, application_name="bench", pool_size=1)
    try:
        async with database.sessionmaker() as session, session.begin():
            key = await identity.ensure_signing_key(session, algorithm="RS256")
    finally:
        await database.dispose()
    return identity.issue_token(Principal(subject="bench", role="admin"), key=key,
                                issuer="http://127.0.0.1:8000", audience="pathways",
                                ttl_seconds=3600)


def _best(results: list[LoadResult]) -> LoadResult:
    return max(results, key=lambda r: r.requests_per_second)


async def run(candidates_url: str) -> list[dict[str, Any]]:
    """Seed, load the service directly and through the gateway in turns; one figure."""
    gateway_url = role_url(candidates_url, role=service_spec("gateway").role,
                           password=os.environ.get("GATEWAY_DATABASE_PASSWORD"))
    ids = await seed(candidates_url)
    service_env = {"CANDIDATES_DATABASE_URL": candidates_url, "CANDIDATES_LOG_LEVEL": "INFO"}
    results: dict[str, list[LoadResult]] = {"direct": [], "gateway": []}
    with uvicorn_process("services.candidates.main:create_app", env=service_env) as service:
        gateway_env = {"GATEWAY_DATABASE_URL": gateway_url, "GATEWAY_LOG_LEVEL": "INFO",
                       "GATEWAY_RATE_LIMIT_REQUESTS": "100000000",
                       "GATEWAY_UPSTREAMS": json.dumps({"candidates": service,
                                                        "placements": service,
                                                        "reintegration": service})}
        with uvicorn_process("gateway.main:create_app", env=gateway_env) as gateway:
            script = _script(ids, await _token(gateway_url))
            for _ in range(ROUNDS):
                results["direct"].append(run_wrk(f"{service}/", script=script, seconds=SECONDS))
                results["gateway"].append(run_wrk(f"{gateway}/", script=script,
                                                  seconds=SECONDS))
            script.unlink()
    ours, base = _best(results["gateway"]), _best(results["direct"])
    return [{
        "name": "GET /v1/candidates/{id} through the gateway", "unit": "req/s",
        "value": round(ours.requests_per_second), "baseline": round(base.requests_per_second),
        "baseline_name": "the candidates service called directly",
        "ratio": round(ours.requests_per_second / base.requests_per_second, 3),
        "goal": ">= 0.8 and <= 5 ms added p50",
        "p50_ms": ours.p50_ms, "p99_ms": ours.p99_ms,
        "baseline_p50_ms": base.p50_ms, "baseline_p99_ms": base.p99_ms,
        "added_p50_ms": round(ours.p50_ms - base.p50_ms, 2),
        "errors": ours.errors + base.errors,
    }]


def main() -> None:
    """Run on its own: ``python -m bench.gateway``."""
    from bench.environment import bench_database
    from shared.runner import service_database_url

    with bench_database() as admin_url:
        figures = asyncio.run(run(service_database_url(admin_url, service_spec("candidates"))))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

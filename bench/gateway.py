"""The gateway's cost: reads through the gateway vs the same requests straight to the service.

``GET /v1/candidates/{id}`` and the filtered list, each as one uvicorn worker (uvloop,
httptools) on loopback. Every request carries an admin's bearer token the gateway issued
(:mod:`bench.tokens`); through the gateway, the gateway verifies it and counts the in-memory
rate limit, then the service verifies it again, like production; called directly, the service
verifies it the same way. The goal from the gateway issue: at least 0.8 of
the direct throughput, at most 5 ms added p50 (one request at a time: under load p50 is
queueing, which the throughput figure judges); p99 is reported.
"""

import asyncio
import json
from typing import Any

from bench.comparison import ROUNDS, Comparison, figures, run_rounds
from bench.environment import free_port, uvicorn_process
from bench.figures import figure
from bench.reads import LIST_PATH, by_id_paths, seed
from bench.tokens import require_token_checks, running_issuer
from bench.wrk import LoadResult, best, script_file
from launcher.topology import service as service_spec

SECONDS = 10
ALONE_SECONDS = 5
ADDED_P50_MS = 5.0
IDS = 5_000  # enough that reads do not all hit the same few rows
TOKENS = ("both sides verify the same RS256 bearer token, issued by the gateway: through the "
          "gateway, the gateway and then the service each verify it, as in production; called "
          "directly, the service verifies it alike (shared.auth against the gateway's JWKS, "
          "polling its revocation feed)")


def _reported(_: LoadResult, __: LoadResult) -> tuple[str, None]:
    return "reported", None


def _added_p50(comparison: Comparison, *, judged: bool) -> dict[str, Any]:
    """The p50 the gateway adds. Under the 64-connection load p50 is mostly queueing (64
    connections / requests per second), so the throughput figure already judges it; what the
    gateway itself adds to a request is judged one request at a time."""
    ours, base = best(comparison.ours), best(comparison.baseline)
    added = ours.p50_ms - base.p50_ms
    return figure(f"{comparison.name}: p50 latency", unit="ms", value=round(ours.p50_ms, 2),
                  baseline=round(base.p50_ms, 2),
                  baseline_name="the candidates service called directly",
                  goal=f"<= {ADDED_P50_MS:g} ms added" if judged else "reported",
                  met=added <= ADDED_P50_MS if judged else None,
                  added_p50_ms=round(added, 2), note=f"{added:+.1f} ms")


async def run(candidates_url: str) -> list[dict[str, Any]]:
    """Seed, load the service directly and through the gateway in turns; both requests."""
    ids = await seed(candidates_url)
    port = free_port()
    async with running_issuer(candidates_url, upstream=f"http://127.0.0.1:{port}") as issuer:
        gateway, auth = issuer.url, issuer.authorization()
        service_env = {"CANDIDATES_DATABASE_URL": candidates_url,
                       "CANDIDATES_LOG_LEVEL": "INFO", **issuer.service_env()}
        with uvicorn_process("services.candidates.main:create_app", env=service_env,
                             port=port) as service, \
                script_file(by_id_paths(ids[:IDS]), auth) as by_id, \
                script_file((), auth) as plain:
            require_token_checks([f"{side}{by_id_paths(ids[:1])[0]}"
                                  for side in (gateway, service)], auth)
            comparisons = [
                Comparison("GET /v1/candidates/{id} through the gateway", by_id,
                           f"{gateway}/", f"{service}/"),
                Comparison(f"GET {LIST_PATH} through the gateway", plain,
                           f"{gateway}{LIST_PATH}", f"{service}{LIST_PATH}")]
            run_rounds(comparisons, rounds=ROUNDS, seconds=SECONDS)
            alone = [Comparison(f"{c.name}, one request at a time", c.script, c.ours_url,
                                c.baseline_url, connections=1) for c in comparisons]
            run_rounds(alone, rounds=ROUNDS, seconds=ALONE_SECONDS)
    out: list[dict[str, Any]] = []
    for comparison in comparisons:
        out += figures(comparison, labels=("through the gateway", "service directly"),
                       baseline_name="the candidates service called directly",
                       tail_goal=_reported)
        out.append(_added_p50(comparison, judged=False))
    out += [_added_p50(comparison, judged=True) for comparison in alone]
    return [{**f, "tokens": TOKENS} for f in out]


def main() -> None:
    """Run on its own: ``python -m bench.gateway``."""
    from bench.environment import bench_database
    from launcher.database import service_database_url

    with bench_database() as admin_url:
        figures_ = asyncio.run(run(service_database_url(admin_url, service_spec("candidates"))))
    print(json.dumps(figures_, indent=2))


if __name__ == "__main__":
    main()

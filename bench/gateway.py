"""The gateway against nginx: the same reads through each, in front of the same service.

``GET /v1/candidates/{id}`` and the filtered list. The service and the gateway each run as one
uvicorn worker (uvloop, httptools) on loopback; nginx (:mod:`bench.nginx`, installed with the
system's package manager where it is missing) runs one worker process with 64 kept-alive
connections to the service. Every request carries an admin's bearer token the gateway issued
(:mod:`bench.tokens`): through the gateway, the gateway verifies it and counts the in-memory
rate limit, then the service verifies it again, as in production; through nginx, the service
verifies it. The goals from the gateway issue: at least 0.95 of nginx's requests per second,
and a p99 at most 1.5 times nginx's. Without nginx those figures say "not measured".

The service called directly is information: what either proxy costs. So is a bare proxy in
Python (:mod:`bench.bare_proxy`: the gateway's server and HTTP client forwarding, and nothing
else), loaded in the same rounds: how near nginx any gateway in Python gets on this machine.
One request at a time, the p50 the gateway adds to the direct call is judged too (at most 5 ms;
under load p50 is queueing, which the throughput figure judges).
"""

import asyncio
import json
import statistics
from dataclasses import dataclass
from typing import Any

from bench.comparison import ROUNDS, Comparison, figures, run_rounds
from bench.environment import free_port, uvicorn_process
from bench.figures import Figure, figure, not_measured
from bench.nginx import WORKERS, running_nginx
from bench.reads import LIST_PATH, by_id_paths, seed
from bench.tokens import require_token_checks, running_issuer
from bench.wrk import LoadResult, best, run_wrk, script_file
from launcher.topology import service as service_spec

# More, shorter rounds than the other comparisons: the two proxies differ by a few per cent,
# less than a shared machine's swings over a 10 s round; in turns, each finds a quiet one.
ROUNDS_UNDER_LOAD = 5
SECONDS = 6
ALONE_SECONDS = 5
THROUGHPUT_GOAL = 0.95  # of nginx's requests per second
P99_GOAL = 1.5  # times nginx's p99, at most
ADDED_P50_MS = 5.0
IDS = 5_000  # enough that reads do not all hit the same few rows
DIRECT = "the candidates service called directly"
TOKENS = ("the service verifies the RS256 bearer token the gateway issued (shared.auth against "
          "the gateway's JWKS, polling its revocation feed) on every path; through the gateway, "
          "the gateway verifies it first, as in production; nginx passes it on unread")


@dataclass
class Read:
    """One request measured through the gateway, through nginx, through the bare proxy and on
    the service directly.

    ``versus_nginx`` and ``versus_direct`` share the gateway's rounds, ``bare_versus_nginx``
    nginx's: each round loads nginx, the gateway, the bare proxy, then the service, so each is
    loaded once per round."""

    versus_nginx: Comparison | None
    versus_direct: Comparison
    bare_versus_nginx: Comparison | None = None

    def round(self, seconds: int) -> None:
        """Load each side once."""
        if self.versus_nginx is None:
            self.versus_direct.round(seconds)
            return
        self.versus_nginx.round(seconds)
        if (bare := self.bare_versus_nginx) is not None:
            bare.ours.append(run_wrk(bare.ours_url, script=bare.script, seconds=seconds,
                                     connections=bare.connections))
        direct = self.versus_direct
        direct.baseline.append(run_wrk(direct.baseline_url, script=direct.script,
                                       seconds=seconds, connections=direct.connections))


def _p99_goal(ours: LoadResult, base: LoadResult) -> tuple[str, bool]:
    return f"<= {P99_GOAL:g}x nginx's", ours.p99_ms <= P99_GOAL * base.p99_ms


def _reported(_: LoadResult, __: LoadResult) -> tuple[str, None]:
    return "reported", None


def _added_p50(comparison: Comparison, *, judged: bool) -> Figure:
    """The p50 the gateway adds to the direct call. Under the 64-connection load p50 is mostly
    queueing (64 connections / requests per second), so the throughput figure already judges
    it; what the gateway itself adds to a request is judged one request at a time."""
    ours, base = best(comparison.ours), best(comparison.baseline)
    added = ours.p50_ms - base.p50_ms
    return figure(f"{comparison.name}: p50 latency", unit="ms", value=round(ours.p50_ms, 2),
                  baseline=round(base.p50_ms, 2), baseline_name=DIRECT,
                  goal=f"<= {ADDED_P50_MS:g} ms added" if judged else "reported",
                  met=added <= ADDED_P50_MS if judged else None,
                  added_p50_ms=round(added, 2), note=f"{added:+.1f} ms")


def _versus_nginx(read: Read, *, nginx: str | None, name: str) -> list[Figure]:
    if read.versus_nginx is None:
        why = "nginx is not installed and could not be (apt-get as root)"
        return [not_measured(f"{name}: requests/s", unit="req/s", baseline_name="nginx",
                             goal=f">= {THROUGHPUT_GOAL}", why=why),
                not_measured(f"{name}: p99 latency", unit="ms", baseline_name="nginx",
                             goal=f"<= {P99_GOAL:g}x nginx's", why=why)]
    throughput, tail = figures(read.versus_nginx, labels=("through the gateway", "through nginx"),
                               baseline_name=f"nginx {nginx}, {WORKERS} worker, in front of the "
                               "same service", tail_goal=_p99_goal)
    # Each round's two sides ran back to back: their ratios show how much of the best-against-
    # best ratio is the machine's swings.
    ratios = [round(ours.requests_per_second / base.requests_per_second, 3) for ours, base
              in zip(read.versus_nginx.ours, read.versus_nginx.baseline, strict=True)]
    median = statistics.median(ratios)
    out = [{**throughput, "round_ratios": ratios, "median_round_ratio": median,
            "note": f"rounds' median ratio {median:.2f}"}, tail]
    if read.bare_versus_nginx is not None:
        bare, _tail = figures(read.bare_versus_nginx, labels=("bare proxy in Python",
                                                              "through nginx"),
                              baseline_name=f"nginx {nginx}, {WORKERS} worker",
                              tail_goal=_reported)
        # Information: the ceiling of a gateway in Python here, the judged figure's context.
        out.append({**bare, "name": f"{name.removesuffix(' through the gateway vs nginx')} "
                    "through a bare proxy in Python (bench.bare_proxy) vs nginx: requests/s",
                    "goal": "reported", "met": None})
    return out


async def run(candidates_url: str) -> list[dict[str, Any]]:
    """Seed; load nginx, the gateway and the service in turns; both requests."""
    ids = await seed(candidates_url)
    port = free_port()
    async with running_issuer(candidates_url, upstream=f"http://127.0.0.1:{port}") as issuer:
        gateway, auth = issuer.url, issuer.authorization()
        service_env = {"CANDIDATES_DATABASE_URL": candidates_url,
                       "CANDIDATES_LOG_LEVEL": "INFO", **issuer.service_env()}
        with uvicorn_process("services.candidates.main:create_app", env=service_env,
                             port=port) as service, \
                running_nginx(service) as peer, \
                uvicorn_process("bench.bare_proxy:create_app", env={"BENCH_UPSTREAM": service},
                                http=service_spec("gateway").http) as bare, \
                script_file(by_id_paths(ids[:IDS]), auth) as by_id, \
                script_file((), auth) as plain:
            nginx_url, nginx = peer if peer is not None else (None, None)
            sides = [gateway, service] + ([nginx_url] if nginx_url else [])
            require_token_checks([f"{side}{by_id_paths(ids[:1])[0]}" for side in sides], auth)
            requests = [("GET /v1/candidates/{id}", by_id, "/"),
                        (f"GET {LIST_PATH}", plain, LIST_PATH)]
            reads: list[tuple[str, Read]] = []
            for name, script, path in requests:
                versus_nginx = None if nginx_url is None else Comparison(
                    f"{name} through the gateway vs nginx", script, f"{gateway}{path}",
                    f"{nginx_url}{path}", goal=THROUGHPUT_GOAL)
                versus_direct = Comparison(
                    f"{name} through the gateway vs the service directly", script,
                    f"{gateway}{path}", f"{service}{path}",
                    # the same rounds of the gateway when nginx is measured
                    ours=versus_nginx.ours if versus_nginx is not None else [])
                bare_versus_nginx = None if versus_nginx is None else Comparison(
                    f"{name} through a bare proxy vs nginx", script, f"{bare}{path}",
                    f"{nginx_url}{path}", baseline=versus_nginx.baseline)
                reads.append((name, Read(versus_nginx, versus_direct, bare_versus_nginx)))
            for _ in range(ROUNDS_UNDER_LOAD):  # in turns, as bench.comparison.run_rounds
                for _name, read in reads:
                    read.round(SECONDS)
            alone = [Comparison(f"{name} through the gateway, one request at a time", script,
                                f"{gateway}{path}", f"{service}{path}", connections=1)
                     for name, script, path in requests]
            run_rounds(alone, rounds=ROUNDS, seconds=ALONE_SECONDS)
    out: list[Figure] = []
    for name, read in reads:
        out += _versus_nginx(read, nginx=nginx, name=f"{name} through the gateway vs nginx")
        throughput, tail = figures(read.versus_direct, baseline_name=DIRECT,
                                   labels=("through the gateway", "service directly"),
                                   tail_goal=_reported)
        # Information: what a proxy costs; the goal is judged against nginx.
        out += [{**throughput, "goal": "reported", "met": None}, tail]
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

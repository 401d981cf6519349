"""The whole system as ``make dev`` runs it, for tests: real uvicorn processes on free ports."""

import asyncio
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families

from launcher.accounts import create_admin
from launcher.api_client import tls_context
from launcher.runner import (
    Child,
    free_ports,
    replica_urls,
    start_children,
    stop,
    system_children,
    wait_until_ready,
)
from launcher.topology import SERVICES

ADMIN, PASSWORD = "admin@example.org", "a long enough passphrase"
# The environment of every process of a test system. Connections per process: the test database
# server has 100 connection slots (the embedded default, and the machine's), shared by two test
# workers (`make test` runs pytest-xdist with two), each with this run's own pools and a system
# of up to eight processes (two replicas of each); production pools (10 + 10, hot 20) could take
# them all. The overview's optional sections wait long enough for a machine under load: the tests
# read them and must not find them dropped for slowness.
TEST_ENV = {f"{spec.name.upper()}_{name}": value for spec in SERVICES
            for name, value in (("DB_POOL_SIZE", "2"), ("DB_MAX_OVERFLOW", "3"),
                                ("DB_HOT_POOL_SIZE", "3"))}
TEST_ENV["GATEWAY_OVERVIEW_SECTION_SECONDS"] = "120"



class System(dict[str, str]):
    """Each service's base URL by name (its first replica's), and every replica's in
    :attr:`replicas`."""

    def __init__(self, replicas: dict[str, list[str]], children: dict[str, Child],
                 log_dir: Path, admin_url: str) -> None:
        super().__init__({name: urls[0] for name, urls in replicas.items()})
        self.replicas = replicas
        self.children = children  # by URL
        self.log_dir = log_dir  # <service>-<replica>.log, replicas counted from 1
        self.admin_url = admin_url

    @property
    def processes(self) -> dict[str, subprocess.Popen[bytes]]:
        """The process serving each URL now."""
        return {url: child.process for url, child in self.children.items()
                if child.process is not None}

    def stop_replica(self, url: str) -> None:
        """Stop the process serving ``url``."""
        stop([self.processes[url]])

    def start_replica(self, url: str) -> None:
        """Start the process serving ``url`` again, as it was (after :meth:`stop_replica`), and
        wait until it is ready."""
        child = self.children[url]
        wait_until_ready(url, process=child.start(self.admin_url), timeout=120.0)


@contextmanager
def running_system(admin_url: str, *, replicas: int = 1,
                   env: dict[str, str] | None = None) -> Iterator[System]:
    """Every service started as its own process (``replicas`` of each) against ``admin_url``'s
    database, wired to each other exactly as ``make dev`` wires them (tokens, events,
    addresses), with ``env`` added to each process's environment. Logs go to a temporary
    folder."""
    log_dir = Path(tempfile.mkdtemp(prefix="pathways-procs-"))
    ports = iter(free_ports(len(SERVICES) * replicas))  # distinct: one system, no shared port
    urls = replica_urls(SERVICES, replicas, lambda spec, i: next(ports))
    children = system_children(urls, log_dir=log_dir, env={**TEST_ENV, **(env or {})})
    start_children(admin_url, children)
    system = System(urls, {child.url: child for child in children}, log_dir, admin_url)
    try:
        yield system
    finally:
        stop(list(system.processes.values()))


def admin_token(admin_url: str, gateway_url: str) -> str:
    """An admin's token from the gateway, the admin made by the CLI's own function."""
    assert create_admin(admin_url, email=ADMIN, password=PASSWORD,
                        gateway_url=gateway_url) == 0
    return password_token(gateway_url, ADMIN, PASSWORD)


def password_token(gateway_url: str, email: str, password: str) -> str:
    """A person's token from the gateway (password grant)."""
    response = httpx.post(f"{gateway_url}/v1/auth/token", data={
        "grant_type": "password", "username": email, "password": password},
        verify=tls_context())
    assert response.status_code == 200, response.text
    return response.json()["access_token"]  # type: ignore[no-any-return]


# What differs between two answers to the same request, whoever gives them.
PER_ANSWER = frozenset({"date", "x-request-id", "traceparent"})


def answer_headers(response: httpx.Response) -> list[tuple[str, str]]:
    """The headers of ``response`` that any answer to the same request has alike, sorted."""
    return sorted((name, value) for name, value in response.headers.multi_items()
                  if name not in PER_ANSWER)


def express_answers(service: str) -> dict[str, float]:
    """A service's count of express-lane answers (``shared.express``), by route template."""
    text = httpx.get(f"{service}/metrics").text
    return {sample.labels["route"]: sample.value
            for family in text_string_to_metric_families(text)
            if family.name == "pathways_http_express_answers"
            for sample in family.samples if sample.name.endswith("_total")}


def fetch(database_url: str, query: str, *args: object) -> list[asyncpg.Record]:
    """The rows of one query, on a connection of its own (a test looking at the database
    from outside the system)."""

    async def rows() -> list[asyncpg.Record]:
        connection = await asyncpg.connect(database_url)
        try:
            return list(await connection.fetch(query, *args))
        finally:
            await connection.close()

    return asyncio.run(rows())

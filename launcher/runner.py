"""Prepare the database and run the service processes: what ``make dev`` does.

Every port the system needs is checked to be free before anything starts. With no
``DATABASE_URL`` an embedded PostgreSQL is then started with its data under ``var/``. The
database is bootstrapped and every service migrated before any process starts. While it runs,
a process that exits is restarted (with a growing delay) and the others keep running; Ctrl-C
stops them all (and the embedded server).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from launcher.api_client import tls_context
from launcher.database import admin_database_url, prepare_database, service_database_url
from launcher.topology import CALLS, EVENT_ROUTES, SERVICES, ServiceSpec, service
from shared.events.signing import generate_secret

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT_BASE = 8000  # the gateway's port; each service keeps its offset from it (8101 …)
REPLICA_PORT_STEP = 1000  # replica i of a process listens on its port + 1000 * i
# A crashed process is restarted after RESTART_DELAY seconds, doubled at each crash in a row up
# to RESTART_DELAY_MAX, so that one failing at start-up does not spin; after STABLE_AFTER
# seconds up, its next crash is taken as a new problem and waits RESTART_DELAY again.
RESTART_DELAY, RESTART_DELAY_MAX, STABLE_AFTER = 1.0, 30.0, 60.0


def start_service(spec: ServiceSpec, admin_url: str, *, host: str = "127.0.0.1",
                  port: int | None = None, extra_env: dict[str, str] | None = None,
                  log_file: Path | None = None) -> subprocess.Popen[bytes]:
    """Start one service under uvicorn as a child process."""
    env = {**os.environ, f"{spec.env_prefix}DATABASE_URL": service_database_url(admin_url, spec),
           **(extra_env or {})}
    env.pop("DATABASE_URL", None)  # a service needs its own role's URL, not the admin's
    out = log_file.open("ab") if log_file else None
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", spec.app, "--host", host,
             "--port", str(port or spec.port), "--no-access-log", "--no-server-header",
             "--loop", "uvloop", "--http", spec.http],
            env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT if out else None,
        )
    finally:
        if out is not None:  # the child has its own copy; ours would leak at every restart
            out.close()


def serve(spec: ServiceSpec, *, host: str, port: int | None) -> int:
    """Run one service in this process, as a container does (its settings from the env)."""
    import uvicorn

    # No Server header: it names the server software to every client, and the gateway would
    # relay the services' own beside its.
    uvicorn.run(spec.app, factory=True, host=host, port=port or spec.port, loop="uvloop",
                http=spec.http, access_log=False, server_header=False, proxy_headers=True,
                forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"))
    return 0


def auth_env(gateway_url: str, issuer: str | None = None) -> dict[str, str]:
    """The environment making a service verify tokens against the gateway's issuer and refuse
    the tokens it revokes."""
    return {"AUTH_JWKS_URL": f"{gateway_url}/.well-known/jwks.json",
            "AUTH_REVOCATIONS_URL": f"{gateway_url}/internal/revocations",
            "AUTH_ISSUER": issuer or gateway_url}


def events_env(urls: dict[str, str], secret: str) -> dict[str, dict[str, str]]:
    """Per service, the environment wiring its events to their subscribers (EVENT_ROUTES), all
    signed with ``secret``."""
    env: dict[str, dict[str, str]] = {}
    for name in urls:
        spec = service(name)
        routes = EVENT_ROUTES.get(name, {})
        subscribers = [{"name": target, "url": f"{urls[target]}/internal/events",
                        "events": list(kinds)}
                       for target, kinds in routes.items() if target in urls]
        env[name] = {f"{spec.env_prefix}EVENTS_SIGNING_SECRETS": json.dumps([secret]),
                     f"{spec.env_prefix}EVENT_SUBSCRIBERS": json.dumps(subscribers)}
    return env


def wait_until_ready(url: str, *, timeout: float = 30.0,
                     process: subprocess.Popen[bytes] | None = None,
                     probe: str = "/health/ready") -> None:
    """Poll ``url`` + ``probe`` until it answers 200; fail if the process dies first.

    A gateway is ready only once every service it routes to is: one started before them, or
    routing to a service that never comes, is waited for with ``probe="/health/live"`` (up and
    started, its lifespan run).
    """
    deadline = time.monotonic() + timeout
    # One client for every poll: each new one would load the CA bundle again (tls_context).
    # Its timeout is above the gateway's own wait for its services' answers (gateway.readiness).
    with httpx.Client(timeout=3.0, verify=tls_context()) as http:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"process for {url} exited with {process.returncode}")
            try:
                if http.get(f"{url}{probe}").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    raise TimeoutError(f"{url} was not ready within {timeout:.0f}s")


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Ask each child to stop, then kill whichever has not after five seconds."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + 5
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def replica_urls(specs: tuple[ServiceSpec, ...], replicas: int,
                 port: Callable[[ServiceSpec, int], int]) -> dict[str, list[str]]:
    """Per service name, the base URLs of its ``replicas`` processes on loopback; replica
    ``i`` of ``spec`` listens on ``port(spec, i)``."""
    return {spec.name: [f"http://127.0.0.1:{port(spec, i)}" for i in range(replicas)]
            for spec in specs}


def system_env(urls: Mapping[str, str | Sequence[str]]) -> dict[ServiceSpec, dict[str, str]]:
    """The environment of each process of a whole system listening at ``urls`` (name -> base
    URL, or the URLs of its replicas): the gateway's upstreams; each service's token checks and
    event subscribers. Every replica of a service gets the same environment.

    With replicas, the gateway spreads requests over them; the other addresses (the issuer and
    its keys, event subscribers, calls between services) are the first replica's: a single
    name in production, where a load balancer stands in front of the replicas."""
    every = {k: [v] if isinstance(v, str) else list(v) for k, v in urls.items()}
    first = {k: v[0] for k, v in every.items()}
    secret = generate_secret()  # one per run: signs the services' events to each other
    events = events_env(first, secret)  # the gateway hears events too (gateway.erasure)
    env: dict[ServiceSpec, dict[str, str]] = {}
    for name in urls:
        if name == "gateway":
            # It issues tokens in its own name: the URL the services are told to trust.
            upstreams = {k: v if len(v) > 1 else v[0] for k, v in every.items() if k != name}
            env[service(name)] = {"GATEWAY_UPSTREAMS": json.dumps(upstreams),
                                  "AUTH_ISSUER": first[name], **events[name]}
        else:
            # The services check every token themselves, against the keys the gateway publishes.
            auth = auth_env(first["gateway"]) if "gateway" in first else {}
            calls = {f"{service(name).env_prefix}{other.upper()}_URL": first[other]
                     for other in CALLS.get(name, ()) if other in first}
            env[service(name)] = {**auth, **events[name], **calls}
    return env


@dataclass(eq=False)
class Child:
    """One process of a running system: what it runs and how, and the process running it now
    (replaced when it is restarted)."""

    spec: ServiceSpec
    url: str
    replica: int  # counted from 1
    env: dict[str, str]
    log_file: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0  # time.monotonic() of the last start
    restart_delay: float = RESTART_DELAY  # before the next restart, should it crash
    restart_at: float | None = None  # when a restart is due (it has exited), else None

    @property
    def port(self) -> int:
        """The port it listens on (from its URL)."""
        return int(self.url.rsplit(":", 1)[1])

    @property
    def label(self) -> str:
        """Its name in the runner's messages: the service's, with the replica's number from
        the second on (``candidates#2``)."""
        return self.spec.name if self.replica == 1 else f"{self.spec.name}#{self.replica}"

    def start(self, admin_url: str) -> subprocess.Popen[bytes]:
        """Start (or start again) its process."""
        self.process = start_service(self.spec, admin_url, extra_env=self.env, port=self.port,
                                     log_file=self.log_file)
        self.started_at, self.restart_at = time.monotonic(), None
        return self.process


def system_children(urls: Mapping[str, Sequence[str]], *, log_dir: Path | None = None,
                    env: dict[str, str] | None = None) -> list[Child]:
    """Every replica of every service at ``urls`` (name -> replicas' base URLs), wired by
    :func:`system_env` (plus ``env``, for all), not started yet."""
    return [Child(spec, url, i + 1, {**(env or {}), **wiring},
                  log_dir / f"{spec.name}-{i + 1}.log" if log_dir else None)
            for spec, wiring in system_env(urls).items()
            for i, url in enumerate(urls[spec.name])]


def start_children(admin_url: str, children: Sequence[Child]) -> None:
    """Start ``children`` in order and wait until each is ready (the gateway, last, once the
    services it routes to are: see gateway.readiness). On a failure the processes already
    started are stopped."""
    try:
        for child in children:
            child.start(admin_url)
        for child in children:
            # generous: many processes importing at once on a small, busy machine
            wait_until_ready(child.url, process=child.process, timeout=120.0)
    except BaseException:
        stop([child.process for child in children if child.process is not None])
        raise


def start_system(admin_url: str, urls: Mapping[str, Sequence[str]], *,
                 log_dir: Path | None = None, env: dict[str, str] | None = None,
                 ) -> list[tuple[str, subprocess.Popen[bytes]]]:
    """Start every replica of every service at ``urls`` (name -> replicas' base URLs), wired
    by :func:`system_env` (plus ``env``, for all), and wait until each is ready; return
    (URL, process) pairs. On a failure the processes already started are stopped."""
    children = system_children(urls, log_dir=log_dir, env=env)
    start_children(admin_url, children)
    return [(child.url, child.process) for child in children if child.process is not None]


def supervise(admin_url: str, children: Sequence[Child], stopping: Callable[[], bool], *,
              poll_interval: float = 0.2) -> None:
    """Keep ``children`` running until ``stopping()``: one that exits is reported (which, its
    exit code) and started again after its restart delay, while the others keep running."""
    while not stopping():
        now = time.monotonic()
        for child in children:
            assert child.process is not None  # started by start_children
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.start(admin_url)
                    _say(f"{child.label}: restarted on :{child.port} (pid {child.process.pid})")
                continue
            code = child.process.poll()
            if code is None:
                continue
            if now - child.started_at >= STABLE_AFTER:
                child.restart_delay = RESTART_DELAY
            _say(f"{child.label} (:{child.port}, pid {child.process.pid}) exited with "
                 f"{_exit_status(code)}; restarting it in {child.restart_delay:g} s")
            child.restart_at = now + child.restart_delay
            child.restart_delay = min(child.restart_delay * 2, RESTART_DELAY_MAX)
        time.sleep(poll_interval)


def _exit_status(code: int) -> str:
    """``code`` as Popen reports it, in words: negative is the signal that ended it."""
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"code {code}"


def _say(message: str) -> None:
    """A line of the runner's own, told apart from the services' logs around it."""
    print(f"[pathways dev] {message}", flush=True)


def dev_ports(port_base: int) -> Callable[[ServiceSpec, int], int]:
    """The port of replica ``i`` of a service when the gateway is at ``port_base``: the
    service's offset from the default base kept, plus 1000 per replica after the first."""
    return lambda spec, i: port_base + spec.port - DEFAULT_PORT_BASE + REPLICA_PORT_STEP * i


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports on 127.0.0.1 nobody listens on right now. The probes stay bound
    until all are chosen: ports asked for one at a time may come back the same, and two
    processes of one system would then share a port."""
    with ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on right now."""
    return free_ports(1)[0]


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether ``port`` on ``host`` cannot be listened on now. SO_REUSEADDR as uvicorn sets it,
    so that connections of a process just stopped (TIME_WAIT) do not count as in use."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def busy_ports(urls: Mapping[str, Sequence[str]]) -> list[tuple[str, int]]:
    """(service, port) for each port of ``urls`` something already listens on."""
    return [(name, port) for name, replicas_of in urls.items() for url in replicas_of
            if port_in_use(port := int(url.rsplit(":", 1)[1]))]


def dev(*, services: tuple[ServiceSpec, ...] = SERVICES, replicas: int = 1,
        demo: str | None = None, port_base: int = DEFAULT_PORT_BASE) -> int:
    """Run the whole system in the foreground until Ctrl-C, each process ``replicas`` times,
    the gateway on ``port_base`` and each service at its offset from it (replica ``i`` on its
    port + 1000 * i); with ``demo``, seed that demo scenario through the gateway once every
    process is ready (demo/seed.py). A process that exits is restarted; the others keep
    running. Returns 2, having started nothing, when a port is out of range or taken."""
    urls = replica_urls(services, replicas, dev_ports(port_base))
    # Before the database or any process: a second `make dev` must say which port is taken,
    # not start half a system whose processes then die on "address already in use".
    ports = [int(u.rsplit(":", 1)[1]) for replicas_of in urls.values() for u in replicas_of]
    if min(ports) < 1 or max(ports) > 65535:
        print(f"--port-base {port_base} puts ports outside 1-65535 ({min(ports)}-"
              f"{max(ports)}); choose another, e.g. pathways dev --port-base "
              f"{DEFAULT_PORT_BASE}.", file=sys.stderr, flush=True)
        return 2
    taken = busy_ports(urls)
    if taken:
        for name, busy in taken:
            print(f"Port {busy} ({name}) is already in use on 127.0.0.1: another "
                  "`make dev`, or another program, listens on it.", file=sys.stderr)
        other = _free_base(services, replicas, port_base)
        print(f"Nothing was started. Stop it, or choose other ports: pathways dev --port-base "
              f"{other} (make dev PORT_BASE={other}).", file=sys.stderr, flush=True)
        return 2
    admin_url = admin_database_url(data_dir=PROJECT_ROOT / "var" / "postgres")
    print("Preparing the database (roles, schemas, migrations)…", flush=True)
    prepare_database(admin_url)
    if replicas > 1 and not os.environ.get("REDIS_URL"):
        print("Note: no REDIS_URL, so each gateway replica counts its own rate limits.",
              flush=True)
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    # While a demo seeds, the services' request logs would bury its progress bar: to files.
    log_dir = PROJECT_ROOT / "var" / "log" if demo else None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        print(f"Service logs: {log_dir}/<service>-<replica>.log", flush=True)
    children = system_children(urls, log_dir=log_dir)
    try:
        start_children(admin_url, children)
    except RuntimeError:
        if stopping:  # Ctrl-C while they started: they stopped on it too, as asked
            return 0
        raise
    try:
        print("\nPathways is running. The whole API, with its docs:", flush=True)
        for url in urls.get("gateway", []):
            print(f"  open {url}/docs", flush=True)
        if "gateway" in urls:
            gateway_option = "" if port_base == DEFAULT_PORT_BASE else \
                f" --gateway-url {urls['gateway'][0]}"
            print(f"  (first admin: pathways create-admin{gateway_option} "
                  "--email you@example.org --password '…')", flush=True)
        print("Services behind it (each checks the gateway's tokens too): " + ", ".join(
            f"{name} " + " ".join(":" + u.rsplit(":", 1)[1] for u in replicas_of)
            for name, replicas_of in urls.items() if name != "gateway"), flush=True)
        # Each process's pid, to look at (or kill) one; a restarted one says its new pid.
        _say("processes: " + ", ".join(
            f"{child.label} :{child.port} pid {child.process.pid}"
            for child in children if child.process is not None))
        if demo and "gateway" in urls:  # beside the loop below, so that Ctrl-C stops it all
            threading.Thread(target=_seed_demo, args=(demo, admin_url, urls["gateway"][0]),
                             daemon=True).start()
        print("Press Ctrl-C to stop.", flush=True)
        supervise(admin_url, children, lambda: stopping)
    finally:
        stop([child.process for child in children if child.process is not None])
    return 0


def _free_base(services: tuple[ServiceSpec, ...], replicas: int, taken_base: int) -> int:
    """A port base whose every port is free now, to suggest (9000, 10000, … past the default;
    9000 if none of the first few is)."""
    step = REPLICA_PORT_STEP * replicas  # so that no replica's port is shared with another base
    for base in range(DEFAULT_PORT_BASE + step, 60000, step):
        if base != taken_base and not busy_ports(
                replica_urls(services, replicas, dev_ports(base))):
            return base
    return 9000


def _seed_demo(name: str, admin_url: str, gateway_url: str) -> None:
    """Seed scenario ``name`` as the demo admin (in a thread of its own); a failure is reported
    and the system keeps running, so that what was seeded can be looked at."""
    from demo.seed import DEMO_ADMIN, run  # the demo package is needed only here
    from launcher.accounts import ensure_admin

    print(f"\nSeeding the {name} demo scenario through {gateway_url}…", flush=True)
    run(name, gateway_url=gateway_url,
        admin=ensure_admin(admin_url, email=DEMO_ADMIN[0], password=DEMO_ADMIN[1]))

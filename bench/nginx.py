"""nginx as a reverse proxy in front of a service: the peer the gateway's throughput is
judged against.

Configured as a production proxy would be for this: one worker process (the gateway runs one
uvicorn worker, so each side has one core's worth of event loop), HTTP/1.1 with a pool of 64
kept-alive connections to the service (the load's 64 connections each find one), an access
line per request written to a file, and ``X-Request-ID``, ``X-Forwarded-*`` set as the gateway
sets them. It verifies no token: behind it the service verifies each one, as it does behind the
gateway. Everything it writes stays in a temporary directory (``-p``), its pid file included;
it runs in the foreground and is stopped by its pid.
"""

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.packages import installed
from launcher.runner import free_port, stop, wait_until_ready

# Debian's smallest build first; the full one where that is gone.
PACKAGES = ("nginx-light", "nginx")
WORKERS = 1
UPSTREAM_KEEPALIVE = 64


def nginx_conf(directory: Path, *, port: int, upstream: str) -> str:
    """The configuration of an nginx listening on ``port`` of loopback and proxying every path
    to ``upstream`` (``host:port``); it writes only under ``directory``."""
    temp = "\n".join(f"    {kind}_temp_path {directory / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""\
worker_processes {WORKERS};
daemon off;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{
    worker_connections 1024;
}}
http {{
    access_log {directory / "access.log"} combined;
{temp}
    upstream service {{
        server {upstream};
        keepalive {UPSTREAM_KEEPALIVE};
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://service;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Request-ID $request_id;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
        }}
    }}
}}
"""


def nginx_version(nginx: str) -> str:
    """What ``nginx -v`` says (it says it on stderr)."""
    said = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=False).stderr
    return said.strip().removeprefix("nginx version: ") or "nginx"


@contextmanager
def running_nginx(upstream_url: str) -> Iterator[tuple[str, str] | None]:
    """nginx in front of ``upstream_url`` (``http://host:port``): its URL and version, or None
    when nginx is not installed and cannot be (not root, no apt-get, no package)."""
    nginx = installed("nginx", PACKAGES)
    if nginx is None:
        yield None
        return
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="pathways-nginx-") as temp:
        directory = Path(temp)
        directory.chmod(0o755)  # run as root, its worker is another user that reads in here
        conf = directory / "nginx.conf"
        conf.write_text(nginx_conf(directory, port=port,
                                   upstream=upstream_url.removeprefix("http://")))
        with (directory / "output.log").open("wb") as output:
            process = subprocess.Popen(
                [nginx, "-p", str(directory), "-c", str(conf), "-e", str(directory / "error.log")],
                stdout=output, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_until_ready(url, process=process)
            except (RuntimeError, TimeoutError) as error:
                said = (directory / "error.log").read_text(errors="replace") \
                    if (directory / "error.log").exists() else ""
                raise RuntimeError(f"nginx did not start ({error}):\n{said[-2000:]}") from error
            yield url, nginx_version(nginx)
        finally:
            stop([process])

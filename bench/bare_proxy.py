"""The least a reverse proxy in Python costs: the ceiling of the gateway benchmark.

An ASGI app that forwards every request to one upstream (``BENCH_UPSTREAM``) with the gateway's
own HTTP client (:mod:`gateway.upstream_client`), served by uvicorn with the gateway's server
protocol (:mod:`gateway.server`), one worker: what the gateway runs, without anything the
gateway does besides forwarding. No token check, no rate limit, no request id, no access line,
no metrics, no middleware; hop-by-hop headers dropped, bodies not supported (the benchmark's
reads have none). The gateway's figure against nginx is judged; this one tells how far any
gateway written in Python could go on the same machine.
"""

import os

from starlette.types import Receive, Scope, Send

from gateway.upstream_client import UpstreamClient

# Not sent on either way; Date and Server are uvicorn's own.
_DROPPED = frozenset({b"connection", b"keep-alive", b"transfer-encoding", b"date", b"server",
                      b"host"})


class BareProxy:
    """Forwards each request as it came, relays each answer whole."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.client = UpstreamClient(connect_timeout=5.0, read_timeout=30.0,
                                     max_connections=100)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request (``/health/ready`` itself, for the benchmark's start-up probe)."""
        if scope["type"] != "http":
            return
        if scope["path"] == "/health/ready":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = [(name.decode("latin-1"), value.decode("latin-1"))
                   for name, value in scope["headers"] if name not in _DROPPED]
        target = scope["raw_path"].decode("latin-1")
        if scope["query_string"]:
            target += "?" + scope["query_string"].decode("latin-1")
        async with self.client.request(self.upstream, scope["method"], target,
                                       headers=headers, body=None) as response:
            body = await response.read()
            await send({"type": "http.response.start", "status": response.status,
                        "headers": [(name, value) for name, value in response.headers
                                    if name not in _DROPPED]})
            await send({"type": "http.response.body", "body": body})


def create_app() -> BareProxy:
    """The proxy in front of ``BENCH_UPSTREAM`` (a base URL)."""
    return BareProxy(os.environ["BENCH_UPSTREAM"])

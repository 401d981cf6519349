"""The HTTP client one service asks another with.

A pooled keep-alive connection may be closed by the other service just as it is reused (its
idle timeout, or a worker recycling under load): the request then fails with "server
disconnected without sending a response" although the other side never read it. Such a
request is sent once more on a new connection when repeating it is safe: a GET, HEAD or
OPTIONS, or a request its caller marks with the ``retry_safe`` extension (a question that
changes nothing, such as the consent states).
"""

import httpx

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_SAFE = "retry_safe"


def retry_safe(request: httpx.Request) -> bool:
    """Whether ``request`` may be sent again without a second effect."""
    return request.method in SAFE_METHODS or bool(request.extensions.get(RETRY_SAFE))


class RetryClosedConnection(httpx.AsyncBaseTransport):
    """A transport that sends a safe request once more when its connection was closed by the
    server before any answer (``RemoteProtocolError``)."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; once more on a fresh connection if it was dropped unanswered."""
        try:
            return await self.inner.handle_async_request(request)
        except httpx.RemoteProtocolError:
            if not retry_safe(request):
                raise
            return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self.inner.aclose()


def service_client(base_url: str, *, timeout: httpx.Timeout) -> httpx.AsyncClient:
    """A client of the service at ``base_url`` (see the module's docstring)."""
    return httpx.AsyncClient(base_url=base_url, timeout=timeout,
                             transport=RetryClosedConnection())

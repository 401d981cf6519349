"""Headers every response carries so that what it holds stays where it was sent.

API answers (``/v1/…``, ``/internal/…``) may hold a person's data: ``Cache-Control: no-store``
keeps it out of browser, proxy and client caches unless a route chose its own caching. Every
response also says ``X-Content-Type-Options: nosniff``, so a browser never guesses a JSON or CSV
body to be something it would run.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE_PREFIXES = ("/v1/", "/internal/")
# What an API answer that sets no caching of its own gets.
NOSNIFF = (b"x-content-type-options", b"nosniff")
CACHE_NO_STORE = (b"cache-control", b"no-store")
NO_STORE = (NOSNIFF, CACHE_NO_STORE)


class ProtectiveHeadersMiddleware:
    """Add ``nosniff`` to every response and ``no-store`` to API answers that set no caching."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = str(scope.get("path", "")).startswith(NO_STORE_PREFIXES)

        async def send_protected(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"x-content-type-options" not in names:
                    headers.append(NOSNIFF)
                if no_store and b"cache-control" not in names:
                    headers.append(CACHE_NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_protected)

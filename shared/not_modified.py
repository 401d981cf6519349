"""``304 Not Modified`` for a read whose ``If-None-Match`` names the answer's ETag.

A client that keeps a copy of a resource sends its ETag back as ``If-None-Match``; when the
answer would be a 200 with that ETag (compared weakly, RFC 9110 §13.1.2), it gets a 304 with the
ETag and no body instead. The route runs as for any read (its access checks and the record of
who read a person's data included): only the body is not sent again.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.concurrency import none_match

# What a 304 leaves out of the 200 it stands for: the body's own description (RFC 9110 §15.4.5).
_CONTENT_HEADERS = frozenset({b"content-type", b"content-length", b"content-encoding",
                              b"content-language", b"content-range", b"content-disposition"})


class NotModifiedMiddleware:
    """Turn a GET or HEAD's 200 into a 304 when ``If-None-Match`` names its ETag."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if_none_match = b", ".join(value for name, value in scope["headers"]
                                   if name == b"if-none-match").decode("latin-1")
        if not if_none_match:
            await self.app(scope, receive, send)
            return
        not_modified = False

        async def send_conditionally(message: Message) -> None:
            nonlocal not_modified
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                current = next((value.decode("latin-1") for name, value in headers
                                if name.lower() == b"etag"), None)
                if message["status"] == 200 and current is not None \
                        and none_match(if_none_match, current):
                    not_modified = True
                    message = {**message, "status": 304, "headers": [
                        (name, value) for name, value in headers
                        if name.lower() not in _CONTENT_HEADERS]}
            elif not_modified:  # the body is not sent: only its end, once
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app(scope, receive, send_conditionally)

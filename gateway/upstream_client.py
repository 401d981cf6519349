"""The HTTP/1.1 client of the proxy's path: kept-alive connections to the services, parsed
with httptools, bodies streamed both ways.

On the proxy's path a general client's features cost more than the forwarding itself:
aiohttp's ``ClientSession.request`` (request and response objects, tracing signals, cookie and
redirect handling, a timer re-armed on every read) took about as much CPU per request as the
gateway's own checks and the server together. Here a request is one write of its head (and
body) on a connection taken from the pool, and its answer is what httptools hands back.

What it does: ``Content-Length`` or chunked request bodies streamed from an async iterator with
write flow control; answers of any framing (length, chunked, up to the close), read whole or
streamed with read flow control; 1xx interim answers skipped; a connection goes back to the
pool when its answer was read to the end and both sides keep it alive, and is not reused after
``keepalive`` seconds idle (below the services' own 5 s, so they do not close it under us);
at most ``max_connections`` requests at once. The caller maps failures to answers:
:class:`ConnectFailed` (nothing was sent: another replica may be tried), :class:`Disconnected`
(closed before a complete answer: a kept-alive connection the service had just closed),
:class:`BadAnswer` (not HTTP) and :class:`TimeoutError` (connect or read timeout).
"""

import asyncio
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import cast
from urllib.parse import urlsplit

import httptools

# Beyond this many bytes of an answer not yet taken by the caller, stop reading the socket.
_READ_HIGH_WATER = 256 * 1024
_NO_BODY_STATUSES = frozenset({204, 304})


class UpstreamError(Exception):
    """A request to a service failed before its answer was complete."""


class ConnectFailed(UpstreamError):
    """No connection could be made: nothing was sent."""


class Disconnected(UpstreamError):
    """The service closed the connection before its answer was complete."""


class BadAnswer(UpstreamError):
    """The service answered something that is not HTTP/1.1."""


@dataclass(frozen=True)
class _Address:
    host: str
    port: int
    tls: bool
    host_header: bytes  # what ``Host`` says: the netloc
    prefix: bytes  # the base URL's path, prepended to each target


def _address(base: str) -> _Address:
    parts = urlsplit(base)
    tls = parts.scheme == "https"
    if parts.hostname is None or parts.scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) base URL: {base!r}")
    return _Address(parts.hostname, parts.port or (443 if tls else 80), tls,
                    parts.netloc.encode("latin-1"), parts.path.rstrip("/").encode("latin-1"))


class _Connection(asyncio.Protocol):
    """One connection to a service, carrying one request at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop, read_timeout: float) -> None:
        self.loop = loop
        self.read_timeout = read_timeout
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.idle_since = 0.0
        self.response: UpstreamResponse | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._writable = True
        self._interim = False  # parsing a 1xx answer, which is skipped
        self._reading_paused = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        response = self.response
        if response is None or response.complete:  # nothing asked: the connection is unusable
            self.close()
            return
        try:
            self.parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            if not response.complete:  # bytes after a HEAD's answer are not an error of it
                response.error = BadAnswer(f"not an HTTP answer: {exc}")
            self.close()
        self._wake()

    def eof_received(self) -> bool | None:
        return None  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        response = self.response
        if response is not None and not response.complete and response.error is None:
            if response.until_close:
                response.complete = True
            else:
                response.error = Disconnected("the service closed the connection")
        self._writable = True
        self._wake()

    def pause_writing(self) -> None:
        self._writable = False

    def resume_writing(self) -> None:
        self._writable = True
        self._wake()

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        assert self.response is not None
        self.response.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        response = self.response
        assert response is not None
        status = self.parser.get_status_code()
        if status < 200:
            self._interim = True
            response.headers.clear()
            return
        response.status = status
        response.started = True
        length = None
        chunked = False
        for name, value in response.headers:
            if name == b"content-length":
                length = int(value) if value.isdigit() else None
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
        response.content_length = length
        response.until_close = length is None and not chunked \
            and status not in _NO_BODY_STATUSES
        if response.head_only:  # no body follows, whatever the headers say: never reused
            response.complete = True
            response.reusable = False
        else:
            response.reusable = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        response = self.response
        assert response is not None
        if response.complete or self._interim:
            return
        response.chunks.append(body)
        response.buffered += len(body)
        if response.buffered > _READ_HIGH_WATER and not self._reading_paused \
                and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()

    def on_message_complete(self) -> None:
        response = self.response
        assert response is not None
        if self._interim:
            self._interim = False
            return
        response.complete = True

    # used by the client and the response
    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self) -> None:
        """Until something new happens on the connection: bytes, writability, close; a
        :class:`TimeoutError` after ``read_timeout`` seconds of nothing."""
        waiter = self._waiter = self.loop.create_future()
        timer = self.loop.call_later(self.read_timeout, _expire, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

    def taken(self, count: int) -> None:
        """The caller took ``count`` buffered bytes of the answer: read on if paused."""
        response = self.response
        assert response is not None
        response.buffered -= count
        if self._reading_paused and response.buffered <= _READ_HIGH_WATER // 4 \
                and self.transport is not None and not self.closed:
            self._reading_paused = False
            self.transport.resume_reading()

    async def send(self, head: bytes, body: AsyncIterator[bytes], chunked: bool) -> None:
        """Write the request's head, then its body as it comes (framed in chunks when
        ``chunked``), waiting while the socket's buffer is full."""
        transport = self.transport
        assert transport is not None
        transport.write(head)
        async for chunk in body:
            if self.closed:
                raise Disconnected("the service closed the connection during the body")
            if chunk:
                transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
            while not self._writable and not self.closed:
                await self.wait()
        if chunked:
            transport.write(b"0\r\n\r\n")

    def close(self) -> None:
        """Close the connection (an answer under way fails, see :meth:`connection_lost`)."""
        self.closed = True
        if self.transport is not None:
            self.transport.close()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError("the service did not answer in time"))


class UpstreamResponse:
    """A service's answer: its status and headers (names in lower case) once received; its body
    read whole (:meth:`read`) or as it comes (:meth:`chunks`)."""

    def __init__(self, connection: _Connection, *, head_only: bool) -> None:
        self.connection = connection
        self.head_only = head_only
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.content_length: int | None = None
        self.started = False  # status and headers received
        self.complete = False
        self.reusable = False
        self.until_close = False
        self.error: Exception | None = None
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.relayed = False  # the caller passed its status on: it can no longer be retried

    def _take(self) -> list[bytes]:
        taken, self.chunks = self.chunks, []
        self.connection.taken(sum(map(len, taken)))
        return taken

    async def read(self) -> bytes:
        """The whole body."""
        parts: list[bytes] = []
        while True:
            if self.chunks:
                parts += self._take()
            if self.complete:
                return parts[0] if len(parts) == 1 else b"".join(parts)
            if self.error is not None:
                raise self.error
            await self.connection.wait()

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        """The body, in the pieces it arrives in."""
        while True:
            if self.chunks:
                yield b"".join(self._take())
            elif self.complete:
                return
            elif self.error is not None:
                raise self.error
            else:
                await self.connection.wait()


class _Exchange:
    """``async with client.request(...) as response``: the answer once its headers are in;
    afterwards its connection goes back to the pool, or is closed when it cannot be reused."""

    def __init__(self, client: "UpstreamClient", base: str, method: str, target: str,
                 headers: list[tuple[str, str]], body: bytes | AsyncIterator[bytes] | None,
                 ) -> None:
        self.client, self.base, self.method, self.target = client, base, method, target
        self.headers, self.body = headers, body
        self.connection: _Connection | None = None
        self.response: UpstreamResponse | None = None

    async def __aenter__(self) -> UpstreamResponse:
        client = self.client
        await client.slots.acquire()
        try:
            address = client.address(self.base)
            self.connection = connection = client.idle_connection(address) \
                or await client.connect(address)
            response = connection.response = self.response = UpstreamResponse(
                connection, head_only=self.method == "HEAD")
            head, chunked = _head(self.method, address, self.target, self.headers, self.body)
            body = self.body
            if body is None or isinstance(body, bytes):  # no await: most requests
                connection.transport.write(head + body if body else head)  # type: ignore[union-attr]
            else:
                await connection.send(head, body, chunked)
            while not response.started:
                if response.error is not None:
                    raise response.error
                await connection.wait()
            return response
        except BaseException:
            self._finish(reuse=False)
            raise

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> None:
        self._finish(reuse=kind is None)

    def _finish(self, *, reuse: bool) -> None:
        connection, response = self.connection, self.response
        if connection is not None:
            self.connection = None
            if reuse and response is not None and response.complete and response.reusable \
                    and response.error is None and not connection.closed:
                connection.response = None
                self.client.release(self.base, connection)
            else:
                connection.close()
        self.client.slots.release()


def _head(method: str, address: _Address, target: str, headers: list[tuple[str, str]],
          body: bytes | AsyncIterator[bytes] | None) -> tuple[bytes, bool]:
    """The request line and headers; whether the body goes in chunks (streamed, no length)."""
    lines = [f"{method} ".encode("latin-1"), address.prefix, target.encode("latin-1"),
             b" HTTP/1.1\r\nhost: ", address.host_header, b"\r\n"]
    length_given = False
    for name, value in headers:
        if name == "content-length":
            if not isinstance(body, AsyncIterator):
                continue  # set below from the body itself
            length_given = True
        lines.append(f"{name}: {value}\r\n".encode("latin-1"))
    chunked = False
    if isinstance(body, AsyncIterator):
        if not length_given:
            chunked = True
            lines.append(b"transfer-encoding: chunked\r\n")
    elif body:
        lines.append(b"content-length: %d\r\n" % len(body))
    elif method in ("POST", "PUT", "PATCH"):
        lines.append(b"content-length: 0\r\n")
    lines.append(b"\r\n")
    return b"".join(lines), chunked


class UpstreamClient:
    """Requests to the services over kept-alive connections, pooled per base URL."""

    def __init__(self, *, connect_timeout: float, read_timeout: float, max_connections: int,
                 keepalive: float = 4.0) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.keepalive = keepalive
        self.slots = asyncio.Semaphore(max_connections)
        self._idle: dict[_Address, list[_Connection]] = {}
        self._addresses: dict[str, _Address] = {}
        self._tls: ssl.SSLContext | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def request(self, base: str, method: str, target: str, *,
                headers: list[tuple[str, str]],
                body: bytes | AsyncIterator[bytes] | None = None) -> _Exchange:
        """Send ``method target`` (path and query, encoded) to the service at ``base``, with
        ``headers`` (lower-case names; ``Host`` and the body's framing are set here)."""
        return _Exchange(self, base, method, target, headers, body)

    def address(self, base: str) -> _Address:
        """Where ``base`` points (parsed once)."""
        found = self._addresses.get(base)
        if found is None:
            found = self._addresses[base] = _address(base)
        return found

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the client runs in (asked once: asking calls getpid() each time)."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def idle_connection(self, address: _Address) -> _Connection | None:
        """A kept-alive connection to ``address`` that is still good to use, if any."""
        idle = self._idle.get(address)
        if not idle:
            return None
        now = self.loop.time()
        while idle:
            connection = idle.pop()
            if not connection.closed and now - connection.idle_since < self.keepalive:
                return connection
            connection.close()
        return None

    async def connect(self, address: _Address) -> _Connection:
        """A new connection to ``address``."""
        loop = self.loop
        tls = None
        if address.tls:
            tls = self._tls = self._tls or ssl.create_default_context()
        try:
            _, connection = await asyncio.wait_for(loop.create_connection(
                lambda: _Connection(loop, self.read_timeout), address.host, address.port,
                ssl=tls), self.connect_timeout)
        except ssl.SSLError:
            raise  # a certificate refused: not a service to pass over
        except OSError as exc:
            raise ConnectFailed(f"cannot connect to {address.host}:{address.port}: "
                                f"{exc}") from exc
        return connection

    def release(self, base: str, connection: _Connection) -> None:
        """Keep ``connection`` for the next request to ``base``."""
        connection.idle_since = self.loop.time()
        self._idle.setdefault(self.address(base), []).append(connection)

    async def close(self) -> None:
        """Close every idle connection."""
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()

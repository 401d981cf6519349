"""The gateway's HTTP server protocol: uvicorn's httptools one, each answer in one write.

uvicorn writes a response's status line and headers as soon as the app starts the answer, then
its body in a second write: two system calls and two TCP segments for every relayed answer,
which the client wakes up for twice. Here what uvicorn writes during one turn of the event loop
leaves together at the end of it (one ``writev``), so a relayed answer's head and body go out
as one. Nothing waits longer than that turn: a streamed answer's pieces still leave as they
come, and uvicorn's flow control sees the socket's buffer as before.

Served with ``uvicorn --http gateway.server:HttpProtocol`` (``launcher.topology``).
"""

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class _OneWritePerTurn:
    """A transport that holds what is written until the end of the event loop's turn."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []

    def write(self, data: bytes) -> None:
        """Hold ``data``; it leaves with whatever else is written before the turn ends."""
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(data)

    def flush(self) -> None:
        """Write what is held, in one system call."""
        held, self._held = self._held, []
        if not held or self._transport.is_closing():  # the client went: nobody to write to
            return
        if len(held) == 1:
            self._transport.write(held[0])
        else:
            self._transport.writelines(held)

    def close(self) -> None:
        """Close once what is held is written."""
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol writing through :class:`_OneWritePerTurn`."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """See :meth:`asyncio.Protocol.connection_made`."""
        super().connection_made(_OneWritePerTurn(transport, self.loop))  # type: ignore[arg-type]

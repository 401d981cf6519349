"""The inter-service client sends a safe request again when the server closed the pooled
connection it was reused on without answering; an unsafe one fails as before."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from shared.service_http import RETRY_SAFE, service_client

ANSWER = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n"
          b"connection: keep-alive\r\n\r\n{}")


async def _read_request(reader: asyncio.StreamReader) -> bool:
    """Read one request (headers and body); False at the end of the connection."""
    head = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
    if not head:
        return False
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await reader.readexactly(length)
    return True


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[int]]]:
    """A server answering the first request of every connection and closing the connection,
    unanswered, when a second request arrives on it (as an idle timeout would); yields its URL
    and how many requests each connection received."""
    received: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(0)
        index = len(received) - 1
        try:
            while await _read_request(reader):
                received[index] += 1
                if received[index] > 1:
                    break
                writer.write(ANSWER)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    listener = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", received
    listener.close()
    await listener.wait_closed()


async def test_safe_requests_are_sent_again_on_a_fresh_connection(
        server: tuple[str, list[int]]) -> None:
    url, received = server
    async with service_client(url, timeout=httpx.Timeout(5)) as client:
        assert (await client.get("/a")).status_code == 200
        assert (await client.get("/b")).status_code == 200
        marked = await client.post("/question", content=b"{}", extensions={RETRY_SAFE: True})
        assert marked.status_code == 200
    # Each reused connection got a request it dropped; the request went again on a new one.
    assert received == [2, 2, 1]


async def test_an_unmarked_post_is_not_sent_twice(server: tuple[str, list[int]]) -> None:
    url, received = server
    async with service_client(url, timeout=httpx.Timeout(5)) as client:
        assert (await client.get("/a")).status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/change", content=b"{}")
    assert received == [2]

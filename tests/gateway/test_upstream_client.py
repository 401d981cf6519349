"""The proxy's HTTP/1.1 client against a scripted server on loopback: framing both ways,
connection reuse and close, timeouts, failures as the proxy maps them."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from gateway.upstream_client import BadAnswer, ConnectFailed, Disconnected, UpstreamClient
from launcher.runner import free_port

# Reads one request (head and body) from the connection; answers with what it returns (None:
# close without answering). Called once per request, with how many came on the connection.
Script = Callable[[bytes, int], bytes | None]


async def _read_request(reader: asyncio.StreamReader) -> bytes | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        body = b""
        while True:
            size = int((await reader.readline()).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
        return head + body
    for line in lower.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return head + await reader.readexactly(int(line.split(b":")[1]))
    return head


@asynccontextmanager
async def scripted(script: Script) -> AsyncIterator[tuple[str, list[bytes], list[int]]]:
    """A server answering as ``script`` says; its base URL, the requests it read and, for
    each, the number of the connection it came on."""
    requests: list[bytes] = []
    connections: list[int] = []
    opened = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal opened
        opened += 1
        number, count = opened, 0
        try:
            while (request := await _read_request(reader)) is not None:
                requests.append(request)
                connections.append(number)
                count += 1
                answer = script(request, count)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", requests, connections
    finally:
        server.close()


def _client(read_timeout: float = 5.0) -> UpstreamClient:
    return UpstreamClient(connect_timeout=2.0, read_timeout=read_timeout, max_connections=8)


def _ok(body: bytes = b"hello", *extra: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n%b\r\n%b" % (
        len(body), b"".join(h + b"\r\n" for h in extra), body)


async def test_a_kept_alive_connection_is_reused() -> None:
    client = _client()
    async with scripted(lambda _, __: _ok(b"x", b"X-Seen: 1")) as (base, requests, connections):
        for _ in range(3):
            async with client.request(base, "GET", "/v1/a?b=1", headers=[("accept", "*/*")]) \
                    as response:
                assert response.status == 200
                assert (b"x-seen", b"1") in response.headers
                assert await response.read() == b"x"
    await client.close()
    assert connections == [1, 1, 1]
    assert requests[0].startswith(b"GET /v1/a?b=1 HTTP/1.1\r\nhost: 127.0.0.1:")
    assert b"accept: */*\r\n" in requests[0]


async def test_chunked_answers_and_connection_close() -> None:
    chunked = (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
               b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
    client = _client()
    async with scripted(lambda _, __: chunked) as (base, _requests, connections):
        for _ in range(2):
            async with client.request(base, "GET", "/", headers=[]) as response:
                assert response.content_length is None
                assert await response.read() == b"hello world"
    await client.close()
    assert connections == [1, 2]  # the service said close: a new connection each time


async def test_an_answer_up_to_the_close() -> None:
    client = _client()

    async def until_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\n\r\nall of it")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(until_close, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with client.request(base, "GET", "/", headers=[]) as response:
        assert await response.read() == b"all of it"
    server.close()
    await client.close()


async def test_interim_answers_are_skipped_and_head_has_no_body() -> None:
    def script(request: bytes, _: int) -> bytes:
        if request.startswith(b"HEAD"):
            return b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n"
        return b"HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n" + _ok(b"final")

    client = _client()
    async with scripted(script) as (base, _, connections):
        async with client.request(base, "GET", "/", headers=[]) as response:
            assert response.status == 200 and await response.read() == b"final"
            assert all(name != b"link" for name, _ in response.headers)
        async with client.request(base, "HEAD", "/", headers=[]) as response:
            assert response.content_length == 1000 and await response.read() == b""
        async with client.request(base, "GET", "/", headers=[]) as response:
            assert await response.read() == b"final"
    await client.close()
    assert connections == [1, 1, 2]  # a HEAD's connection is not reused


async def test_request_bodies_whole_streamed_with_length_and_chunked() -> None:
    async def parts() -> AsyncIterator[bytes]:
        for part in (b"ab", b"", b"cd"):
            yield part

    client = _client()
    async with scripted(lambda _, __: _ok()) as (base, requests, _):
        for body, headers in ((b"whole", []), (parts(), [("content-length", "4")]),
                              (parts(), []), (None, [])):
            async with client.request(base, "POST", "/", headers=headers, body=body) as answer:
                await answer.read()
    await client.close()
    whole, sized, chunked, empty = requests
    assert whole.endswith(b"content-length: 5\r\n\r\nwhole")
    assert sized.endswith(b"content-length: 4\r\n\r\nabcd")
    assert b"transfer-encoding: chunked\r\n" in chunked and chunked.endswith(b"abcd")
    assert empty.endswith(b"content-length: 0\r\n\r\n")


async def test_a_large_answer_streams_in_pieces() -> None:
    big = bytes(range(256)) * 8192  # 2 MiB: read with the socket paused and resumed
    client = _client()
    async with scripted(lambda _, __: _ok(big)) as (base, _, connections):
        async with client.request(base, "GET", "/", headers=[]) as response:
            pieces = [piece async for piece in response.iter_chunks()]
        async with client.request(base, "GET", "/", headers=[]) as response:
            assert await response.read() == big
    await client.close()
    assert b"".join(pieces) == big and len(pieces) > 1
    assert connections == [1, 1]


async def test_a_kept_alive_connection_closed_by_the_service_is_disconnected() -> None:
    client = _client()
    # The second request on the connection finds it closed without an answer.
    async with scripted(lambda _, count: _ok() if count == 1 else None) as (base, _, __):
        async with client.request(base, "GET", "/", headers=[]) as response:
            await response.read()
        with pytest.raises(Disconnected):
            async with client.request(base, "GET", "/", headers=[]):
                pass
        async with client.request(base, "GET", "/", headers=[]) as response:  # a new one
            assert await response.read() == b"hello"
    await client.close()


async def test_failures_the_proxy_maps_to_problems() -> None:
    client = _client(read_timeout=0.3)
    with pytest.raises(ConnectFailed):  # nobody listens: 503, or the next replica
        async with client.request(f"http://127.0.0.1:{free_port()}", "GET", "/", headers=[]):
            pass
    async with scripted(lambda _, __: b"this is not http\r\n\r\n") as (base, _, __):
        with pytest.raises(BadAnswer):  # 502
            async with client.request(base, "GET", "/", headers=[]):
                pass

    # A service that reads the request and never answers, until the test is over.
    over = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
        await reader.read(1 << 16)
        await over.wait()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    with pytest.raises(TimeoutError):  # 504
        async with client.request(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}",
                                  "GET", "/", headers=[]):
            pass
    over.set()
    server.close()
    await client.close()

"""The gateway's server protocol writes what uvicorn writes in one turn of the loop at once."""

import asyncio
from typing import Any

from gateway.server import _OneWritePerTurn


class _Transport:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.calls.append(("write", data))

    def writelines(self, data: list[bytes]) -> None:
        self.calls.append(("writelines", list(data)))

    def close(self) -> None:
        self.closing = True
        self.calls.append(("close", None))

    def is_closing(self) -> bool:
        return self.closing

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


async def test_head_and_body_leave_in_one_write_at_the_end_of_the_turn() -> None:
    real = _Transport()
    transport = _OneWritePerTurn(real, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b"body")
    assert real.calls == []  # held until the turn ends
    await asyncio.sleep(0)
    assert real.calls == [("writelines", [b"HTTP/1.1 200 OK\r\n\r\n", b"body"])]
    transport.write(b"next")
    await asyncio.sleep(0)
    assert real.calls[-1] == ("write", b"next")
    assert transport.get_extra_info("peername") == "info:peername"


async def test_close_writes_what_is_held_first_and_a_gone_client_gets_nothing() -> None:
    real = _Transport()
    transport = _OneWritePerTurn(real, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"last")
    transport.close()
    assert real.calls == [("write", b"last"), ("close", None)]
    transport.write(b"too late")
    await asyncio.sleep(0)
    assert real.calls == [("write", b"last"), ("close", None)]

"""Following a paginated list to its end."""

from typing import Any

import httpx


async def all_pages(client: httpx.AsyncClient, url: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paginated list, following ``next_cursor``."""
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        response = await client.get(url, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen

"""Checking that an app's /docs and /redoc pages load nothing from another host."""

import re
from collections.abc import Awaitable, Callable

import httpx

# Every URL a page loads: script sources, stylesheets, icons.
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")

Get = Callable[[str], Awaitable[httpx.Response]]


async def assert_offline_docs(get: Get) -> None:
    """GET /docs and /redoc with ``get``: each page names no off-host URL at all (a CDN link
    is a blank page offline), and each asset it loads answers 200 with content."""
    for page, kinds in (("/docs", (".js", ".css")), ("/redoc", (".js",))):
        response = await get(page)
        assert response.status_code == 200, (page, response.text)
        html = response.text
        assert "/openapi.json" in html
        assert "http://" not in html and "https://" not in html, (page, html)
        assets = ASSET.findall(html)
        for kind in kinds:
            assert any(a.endswith(kind) for a in assets), (page, kind, assets)
        for url in assets:
            assert url.startswith("/"), (page, url)  # on this host, whatever it is called
            asset = await get(url)
            assert asset.status_code == 200, (page, url, asset.status_code)
            assert len(asset.content) > 1000, (page, url)

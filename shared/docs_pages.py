"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) that work without internet.

FastAPI's own pages load their JavaScript, CSS, favicon and fonts from CDNs, so on a machine
with no internet they are blank. Here the same pages load every asset from this process: the
files ship in the ``fastapi-offline`` package (a dependency; only its ``static`` folder is used,
each app being built by ``shared.app.create_service_app``) and are served under
:data:`ASSETS_URL`. The pages name no other host.
"""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
ASSETS_URL = "/docs/assets"
# The package folder the assets come from, and the files the pages load from it.
ASSETS_PACKAGE = ("fastapi_offline", "static")
SWAGGER_JS, SWAGGER_CSS = "swagger-ui-bundle.js", "swagger-ui.css"
REDOC_JS, FAVICON = "redoc.standalone.js", "favicon.png"
# Swagger UI's default validatorUrl asks validator.swagger.io to rate the document and shows
# its badge: a call off the machine that fails offline and leaks the document's URL.
SWAGGER_UI_PARAMETERS: dict[str, Any] = {"validatorUrl": None}


def install(app: FastAPI) -> None:
    """Serve the assets and the two pages on ``app``, which must be built with
    ``docs_url=None, redoc_url=None`` (so FastAPI's CDN pages are not there too)."""
    app.mount(ASSETS_URL, StaticFiles(packages=[ASSETS_PACKAGE]), name="docs-assets")

    def asset(request: Request, name: str) -> str:
        # Behind a proxy that mounts the app under a prefix, the assets are there too.
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return f"{root}{ASSETS_URL}/{name}"

    def openapi_url(request: Request) -> str:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return f"{root}{app.openapi_url}"

    async def swagger_ui(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url(request), title=f"{app.title} - Swagger UI",
            swagger_js_url=asset(request, SWAGGER_JS), swagger_css_url=asset(request, SWAGGER_CSS),
            swagger_favicon_url=asset(request, FAVICON), oauth2_redirect_url=OAUTH2_REDIRECT_URL,
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters={**SWAGGER_UI_PARAMETERS, **(app.swagger_ui_parameters or {})})

    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        # No Google Fonts: ReDoc falls back to the browser's own fonts.
        return get_redoc_html(
            openapi_url=openapi_url(request), title=f"{app.title} - ReDoc",
            redoc_js_url=asset(request, REDOC_JS), redoc_favicon_url=asset(request, FAVICON),
            with_google_fonts=False)

    app.add_api_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_api_route(OAUTH2_REDIRECT_URL, swagger_ui_redirect, include_in_schema=False)
    app.add_api_route(REDOC_URL, redoc, include_in_schema=False)

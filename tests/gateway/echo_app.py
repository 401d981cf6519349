"""A stand-in upstream for gateway tests: answers with what it received, or slowly."""

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def echo(request: Request) -> JSONResponse:
    if request.url.path.endswith("/slow"):
        await asyncio.sleep(float(request.query_params.get("seconds", "3")))
    body = await request.body()
    return JSONResponse({"method": request.method, "path": request.url.path,
                         "query": request.url.query, "headers": dict(request.headers),
                         "body_bytes": len(body)},
                        headers={"connection": "keep-alive", "x-request-id": "upstream-own",
                                 "x-upstream": "echo"})


async def ready(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def openapi(request: Request) -> JSONResponse:
    return JSONResponse({"openapi": "3.1.0", "info": {"title": "echo", "version": "1"},
                         "paths": {}})


app = Starlette(routes=[
    Route("/health/ready", ready), Route("/openapi.json", openapi),
    Route("/{path:path}", echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
])

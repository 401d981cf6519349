"""What the app factory gives every service: problems, request ids, health."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from services.candidates.settings import Settings
from shared.app import create_service_app
from shared.errors import Conflict
from tests.conftest import RunDatabase

router = APIRouter()


@router.get("/boom")
async def boom() -> None:
    """Fails the way a bug would."""
    raise RuntimeError("secret detail that must not leave the process")


@router.get("/conflict")
async def conflict() -> None:
    """Fails with a domain error."""
    raise Conflict("That clashes.", current_state="draft")


@pytest.fixture(scope="module")
async def app(database: RunDatabase) -> AsyncIterator[FastAPI]:
    application = create_service_app(
        settings=Settings(database_url=database.url("candidates")), title="probe",
        description="probe", routers=[router])
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
        yield client


class TestProblems:
    async def test_unexpected_error_is_a_bare_500_problem(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/boom", headers={"X-Request-ID": "trace-me-1"})
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["type"] == "/problems/internal"
        assert "secret" not in response.text and "Traceback" not in response.text
        assert "trace-me-1" in body["detail"]

    async def test_domain_error_carries_its_fields(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/conflict")
        assert response.status_code == 409
        assert response.json() == {"type": "/problems/conflict", "title": "Conflict",
                                   "status": 409, "detail": "That clashes.",
                                   "instance": "/conflict", "current_state": "draft"}

    async def test_unknown_route_and_method(self, http: httpx.AsyncClient) -> None:
        missing = await http.get("/nowhere")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        wrong = await http.delete("/health/live")
        assert wrong.status_code == 405
        assert wrong.json()["type"] == "/problems/method-not-allowed"


class TestRequestId:
    async def test_echoes_a_valid_one(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/health/live", headers={"X-Request-ID": "abc-123"})
        assert response.headers["x-request-id"] == "abc-123"

    async def test_replaces_a_malformed_one(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/health/live", headers={"X-Request-ID": "bad id\twith tab"})
        assigned = response.headers["x-request-id"]
        assert assigned != "bad id\twith tab" and len(assigned) == 32

    async def test_assigns_one(self, http: httpx.AsyncClient) -> None:
        first = await http.get("/health/live")
        second = await http.get("/health/live")
        assert first.headers["x-request-id"] != second.headers["x-request-id"]


class TestHealth:
    async def test_live_and_ready(self, http: httpx.AsyncClient) -> None:
        assert (await http.get("/health/live")).json() == {"status": "ok"}
        assert (await http.get("/health/ready")).json() == {"status": "ok"}

    async def test_not_ready_without_database(self) -> None:
        application = create_service_app(
            settings=Settings(database_url="postgresql://nobody@127.0.0.1:1/none"),
            title="probe", description="probe", routers=[])
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://p") as client:
                response = await client.get("/health/ready")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"

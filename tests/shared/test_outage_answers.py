"""A database out of reach is a 503 ``database-unavailable``, and only that is: a failing
statement, or an OSError that is not the database's socket, stays a bug (a bare 500). Token
keys that cannot be fetched from their issuer are a 503 too.

The errors are the real ones: connections to a port nobody listens on, a connection the server
ended, a statement the server refused. The whole system living through an outage is
tests/test_outages.py.
"""

import socket
import uuid
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

import asyncpg
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from launcher.runner import free_port
from services.candidates.settings import Settings
from shared.app import create_service_app
from shared.auth import SIGNED_IN, AuthSettings
from shared.db import Database, SessionDep
from shared.errors import PROBLEM_MEDIA_TYPE, database_unavailable
from tests.conftest import RunDatabase

NOWHERE = "postgresql://nobody@127.0.0.1:{port}/none"


async def raised(awaitable: Awaitable[object]) -> BaseException:
    """The exception ``awaitable`` raises (it must raise)."""
    try:
        await awaitable
    except Exception as exc:
        return exc
    raise AssertionError("did not raise")


class TestWhatIsAnOutage:
    async def test_a_refused_connection_is(self) -> None:
        port = free_port()
        error = await raised(asyncpg.connect(NOWHERE.format(port=port)))
        assert isinstance(error, OSError) and database_unavailable(error)
        database = Database(NOWHERE.format(port=port), application_name="probe", pool_size=1)
        try:
            async with database.sessionmaker() as session:
                error = await raised(session.execute(text("SELECT 1")))
            assert database_unavailable(error)
            assert database_unavailable(await raised(database.hot_reads.fetchrow("SELECT 1")))
        finally:
            await database.dispose()

    async def test_a_connection_the_server_ended_is(self, database: RunDatabase) -> None:
        db = Database(database.url("candidates"), application_name="probe", pool_size=1)
        try:
            async with db.sessionmaker() as session:
                pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                other = await asyncpg.connect(database.url("candidates"))
                try:
                    await other.execute("SELECT pg_terminate_backend($1)", pid)
                finally:
                    await other.close()
                error = await raised(session.execute(text("SELECT 1")))
            assert isinstance(error, DBAPIError) and database_unavailable(error)
        finally:
            await db.dispose()

    async def test_a_failing_statement_is_not(self, database: RunDatabase) -> None:
        connection = await asyncpg.connect(database.url("candidates"))
        try:
            await connection.execute("CREATE TEMPORARY TABLE once (id int PRIMARY KEY)")
            await connection.execute("INSERT INTO once VALUES (1)")
            duplicate = await raised(connection.execute("INSERT INTO once VALUES (1)"))
            assert isinstance(duplicate, asyncpg.UniqueViolationError)
            syntax = await raised(connection.execute("SELEC 1"))
            await connection.execute("SET statement_timeout = 1")
            cancelled = await raised(connection.execute("SELECT pg_sleep(1)"))
            assert isinstance(cancelled, asyncpg.QueryCanceledError)
            for error in (duplicate, syntax, cancelled):
                assert not database_unavailable(error), error
        finally:
            await connection.close()

    def test_an_os_error_from_elsewhere_is_not(self, tmp_path: Path) -> None:
        with pytest.raises(ConnectionRefusedError) as refused:
            socket.create_connection(("127.0.0.1", free_port()), timeout=5)
        with pytest.raises(FileNotFoundError) as missing:
            (tmp_path / "absent").read_text()
        assert not database_unavailable(refused.value)
        assert not database_unavailable(missing.value)


router = APIRouter()


@router.get("/read")
async def read(session: SessionDep) -> dict[str, int]:
    """A read through the request's session."""
    return {"one": (await session.execute(text("SELECT 1"))).scalar_one()}


@router.get("/file")
def read_file() -> str:
    """Fails as a bug would, with an OSError that is not the database's."""
    return Path(f"/nonexistent/{uuid.uuid4().hex}").read_text()


@pytest.fixture(scope="module")
async def unreachable() -> AsyncIterator[FastAPI]:
    """An app whose database nobody serves."""
    app = create_service_app(
        settings=Settings(database_url=NOWHERE.format(port=free_port())), title="probe",
        description="probe", routers=[router], token_required=False)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def http(unreachable: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=unreachable, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
        yield client


class TestAnswers:
    async def test_a_request_needing_the_database_is_a_503(self,
                                                          http: httpx.AsyncClient) -> None:
        response = await http.get("/read")
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert int(response.headers["retry-after"]) > 0
        assert response.headers["x-request-id"]
        problem = response.json()
        assert problem["type"] == "/problems/database-unavailable"
        assert problem["instance"] == "/read"

    async def test_another_os_error_is_still_a_bug(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/file")
        assert response.status_code == 500
        assert response.json()["type"] == "/problems/internal"

    async def test_not_ready_names_the_database(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/health/ready")
        assert response.status_code == 503
        assert int(response.headers["retry-after"]) > 0
        assert response.json()["not_ready"] == ["database"]
        assert (await http.get("/health/live")).status_code == 200


signed_in = APIRouter(dependencies=[SIGNED_IN])


@signed_in.get("/whoami")
async def whoami() -> dict[str, str]:
    """Any signed-in caller."""
    return {"status": "ok"}


async def test_token_keys_out_of_reach_are_a_503(monkeypatch: pytest.MonkeyPatch,
                                                 database: RunDatabase) -> None:
    """A service that cannot fetch its issuer's keys (the gateway down) cannot say whether a
    token is good: neither 401 nor a bug, a 503 to retry."""
    monkeypatch.setenv("AUTH_JWKS_URL", f"http://127.0.0.1:{free_port()}/.well-known/jwks.json")
    monkeypatch.setenv("AUTH_REVOCATIONS_URL", "off")
    monkeypatch.setenv("AUTH_DISABLED", "false")
    app = create_service_app(settings=Settings(database_url=database.url("candidates")),
                             title="probe", description="probe", routers=[signed_in])
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode({"sub": "someone", "iss": AuthSettings().auth_issuer}, key,
                       algorithm="RS256", headers={"kid": "unknown"})
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            response = await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["type"] == "/problems/token-keys-unavailable"

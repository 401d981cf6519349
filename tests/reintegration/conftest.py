"""Fixtures of the reintegration tests: the app on the run's database, a per-test transaction,
tokens for any role, signed event deliveries and a clock the test sets.

``session`` overrides the root one so that every test below this folder works inside a
transaction of the reintegration app's engine, rolled back at its end; ``client`` sends
requests that share it. The overdue job is off in this app: tests run its step themselves.
"""

import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from jwt.algorithms import OKPAlgorithm
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration.main import create_app as create_reintegration_app
from services.reintegration.settings import Settings as ReintegrationSettings
from shared.auth import Principal, StaticKeySource, TokenVerifier
from shared.clock import utc_now
from shared.events.signing import Signer, Verifier, generate_secret
from tests.conftest import RunDatabase, rolled_back, sharing

Headers = dict[str, str]
SECRET = generate_secret()


@pytest.fixture(scope="session")
async def reintegration_app(database: RunDatabase) -> AsyncIterator[FastAPI]:
    """The reintegration app, started (lifespan run) once for the session."""
    app = create_reintegration_app(ReintegrationSettings(
        database_url=database.url("reintegration"), overdue_job=False,
        candidates_url="http://candidates.invalid"))
    async with app.router.lifespan_context(app):
        # Exports ask the candidates service whose consent is in force: this stand-in answers
        # every person's but those of ``LAPSED`` as given (and nothing else: unreachable).
        from services.reintegration.support.candidates import CandidatesClient
        kept = app.state.candidates_client
        app.state.settings.events_signing_secrets = [SecretStr(SECRET)]
        async with httpx.AsyncClient(transport=httpx.MockTransport(_consents),
                                     base_url="http://candidates") as http:
            app.state.candidates_client = CandidatesClient(http)
            yield app
        app.state.candidates_client = kept


# Candidates whose data_processing consent the stand-in candidates service says is withdrawn.
LAPSED: set[str] = set()


def _consents(request: httpx.Request) -> httpx.Response:
    if request.url.path != "/internal/consents/in-force":
        raise httpx.ConnectError("candidates.invalid", request=request)
    assert "webhook-signature" in request.headers
    asked = orjson.loads(request.content)
    return httpx.Response(200, json={"purpose": asked["purpose"], "states": {
        c: "withdrawn" if c in LAPSED else "given" for c in asked["candidate_ids"]}})


@pytest.fixture
async def session(reintegration_app: FastAPI) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back when the test ends."""
    async with rolled_back(reintegration_app) as db_session:
        yield db_session


class Clock:
    """The instant the app sees as now; ``None``: the real time."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def set(self, value: datetime | str) -> None:
        """Freeze the app's now at ``value`` (an aware datetime or ISO 8601 text)."""
        self.now = datetime.fromisoformat(value) if isinstance(value, str) else value

    async def __call__(self) -> datetime:
        return self.now or datetime.now(UTC)


@pytest.fixture
def clock() -> Clock:
    """The app's clock for this test (see ``client``)."""
    return Clock()


@pytest.fixture
async def client(reintegration_app: FastAPI, session: AsyncSession,
                 clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the reintegration app whose requests share the test's transaction,
    each in a savepoint released on success and rolled back on error; its now is ``clock``."""
    async with sharing(reintegration_app, session, base_url="http://reintegration") as http:
        reintegration_app.dependency_overrides[utc_now] = clock
        yield http


@pytest.fixture(scope="session")
def signing_key() -> tuple[Ed25519PrivateKey, dict[str, Any]]:
    """A key pair for test tokens: the private key and its public JWK."""
    private = Ed25519PrivateKey.generate()
    public = orjson.loads(OKPAlgorithm.to_jwk(private.public_key()))
    return private, public | {"kid": "reintegration-test", "alg": "EdDSA", "use": "sig"}


@pytest.fixture
async def auth(reintegration_app: FastAPI, client: httpx.AsyncClient,
               signing_key: tuple[Ed25519PrivateKey, dict[str, Any]]
               ) -> AsyncIterator[Callable[..., Headers]]:
    """Turn token checks on; yields ``auth(role, subject=…, **claims)`` giving the
    Authorization header of a token for that principal. The client sends an admin's token
    unless a request names another."""
    private, public = signing_key

    async def load() -> dict[str, Any]:
        return {"keys": [public]}

    reintegration_app.state.token_verifier = TokenVerifier(
        issuer="https://issuer.test", audience="pathways", keys=StaticKeySource(load))

    def headers(role: str, *, subject: str | None = None, **claims: Any) -> Headers:
        now = int(time.time())
        principal = Principal(subject=subject or f"{role}-{uuid.uuid4().hex[:8]}", role=role,
                              **claims)
        token = jwt.encode(principal.claims() | {"iss": "https://issuer.test",
                                                 "aud": "pathways", "iat": now,
                                                 "exp": now + 300},
                           private, algorithm="EdDSA", headers={"kid": "reintegration-test"})
        return {"Authorization": f"Bearer {token}"}

    client.headers.update(headers("admin"))
    try:
        yield headers
    finally:
        reintegration_app.state.token_verifier = None


@pytest.fixture
def signer(reintegration_app: FastAPI) -> Iterator[Signer]:
    """The app verifying internal events with a test secret; yields the matching signer."""
    reintegration_app.state.events_verifier = Verifier([SECRET])
    try:
        yield Signer([SECRET])
    finally:
        del reintegration_app.state.events_verifier

"""Fixtures of the placements tests: the app on the run's database, a per-test transaction,
tokens for any role, and a candidates service of test doubles.

``session`` overrides the root one so that every test below this folder works inside a
transaction of the placements app's engine, rolled back at its end; ``placements_client``
(also available as ``client``) sends requests that share it. The app asks a
:class:`FakeCandidates` that knows every programme (without limits) and selects nobody, unless
a test puts another one there (``fake_candidates``, or the matching tests' real candidates app).
"""

import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from jwt.algorithms import OKPAlgorithm
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.main import create_app as create_placements_app
from services.placements.settings import Settings as PlacementsSettings
from shared.auth import Principal, StaticKeySource, TokenVerifier
from shared.events import wire
from shared.events.signed_calls import SignedCaller
from shared.events.signing import Signer, Verifier, generate_secret
from tests.conftest import RunDatabase, rolled_back, sharing

# Signs the internal events the tests post as if another service had sent them, and the
# questions placements asks the candidates service as itself.
SECRET = generate_secret()

Headers = dict[str, str]


@pytest.fixture(scope="session")
async def placements_app(database: RunDatabase) -> AsyncIterator[FastAPI]:
    """The placements app, started (lifespan run) once for the session, asking a candidates
    service that knows every programme and selects nobody (:class:`FakeCandidates`)."""
    from services.placements.matching.profiles import CandidatesClient

    app = create_placements_app(PlacementsSettings(
        database_url=database.url("placements"), candidates_url="http://candidates.invalid",
        grievance_escalation_job=False))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.MockTransport(FakeCandidates().handle),
            base_url="http://candidates") as http:
        app.state.candidates_client = CandidatesClient(http, signer=SignedCaller([SECRET]))
        yield app


@pytest.fixture
async def session(placements_app: FastAPI) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back when the test ends."""
    async with rolled_back(placements_app) as db_session:
        yield db_session


@pytest.fixture
async def placements_client(placements_app: FastAPI,
                            session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the placements app whose requests share the test's transaction,
    each in a savepoint released on success and rolled back on error."""
    async with sharing(placements_app, session, base_url="http://placements") as http:
        yield http


@pytest.fixture
def client(placements_client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The placements client under the name the root fixtures use for a service's client."""
    return placements_client


@pytest.fixture(scope="session")
def signing_key() -> tuple[Ed25519PrivateKey, dict[str, Any]]:
    """A key pair for test tokens: the private key and its public JWK."""
    private = Ed25519PrivateKey.generate()
    public = orjson.loads(OKPAlgorithm.to_jwk(private.public_key()))
    return private, public | {"kid": "placements-test", "alg": "EdDSA", "use": "sig"}


@pytest.fixture
async def auth(placements_app: FastAPI, placements_client: httpx.AsyncClient,
               signing_key: tuple[Ed25519PrivateKey, dict[str, Any]]
               ) -> AsyncIterator[Callable[..., Headers]]:
    """Turn token checks on in the placements app; yields ``auth(role, **claims)`` giving the
    Authorization header of a token for that principal (``employer_id``, ``candidate_id``,
    ``programme_ids``…). The client sends an admin's token unless a request names another,
    so factories keep working."""
    private, public = signing_key

    async def load() -> dict[str, Any]:
        return {"keys": [public]}

    placements_app.state.token_verifier = TokenVerifier(
        issuer="https://issuer.test", audience="pathways", keys=StaticKeySource(load))

    def headers(role: str, **claims: Any) -> Headers:
        now = int(time.time())
        principal = Principal(subject=f"{role}-{uuid.uuid4().hex[:8]}", role=role, **claims)
        token = jwt.encode(principal.claims() | {"iss": "https://issuer.test",
                                                 "aud": "pathways", "iat": now,
                                                 "exp": now + 300},
                           private, algorithm="EdDSA", headers={"kid": "placements-test"})
        return {"Authorization": f"Bearer {token}"}

    placements_client.headers.update(headers("admin"))
    try:
        yield headers
    finally:
        placements_app.state.token_verifier = None


class FakeCandidates:
    """The candidates service as placements asks it: a programme (``GET /v1/programmes/{id}``:
    every programme is known, with the fields of ``programmes`` if any; those of ``unknown``
    are 404), its matching-profile export about one candidate (who is selected in which
    programme) and a candidate's visa identity. It answers like the real one: 401 without a
    token, 404 for an export outside an officer's token, else the NDJSON lines."""

    def __init__(self) -> None:
        self.selected: set[tuple[uuid.UUID, uuid.UUID]] = set()
        # Candidates who gave their visa_file_sharing consent (the identity endpoint's 200).
        self.sharing_visa_identity: set[uuid.UUID] = set()
        # Programme fields beyond the id (stay_types, max_stay_months, …), by programme.
        self.programmes: dict[uuid.UUID, dict[str, Any]] = {}
        self.unknown: set[uuid.UUID] = set()
        self.asked: list[httpx.Request] = []  # every request, as it came
        self.down = False
        # Consents withdrawn (or expired) since: (candidate, purpose) -> its state now.
        self.lapsed: dict[tuple[uuid.UUID, str], str] = {}

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(request)
        if self.down:
            raise httpx.ConnectError("down", request=request)
        if request.url.path == "/internal/consents/in-force":
            return self._consents(request)
        token = (request.headers.get("authorization") or "").removeprefix("Bearer ")
        if not token:
            return httpx.Response(401)
        claims = jwt.decode(token, options={"verify_signature": False})
        parts = request.url.path.split("/")
        if len(parts) == 4 and parts[2] == "programmes":  # /v1/programmes/{id}
            programme = uuid.UUID(parts[3])
            if programme in self.unknown:
                return httpx.Response(404)
            return httpx.Response(200, json={"id": str(programme),
                                             **self.programmes.get(programme, {})})
        if request.url.path.endswith("/visa-identity"):
            candidate = uuid.UUID(request.url.path.split("/")[3])
            if candidate not in self.sharing_visa_identity:
                return httpx.Response(409)
            return httpx.Response(200, json={
                "candidate_id": str(candidate), "given_name": "Amina", "family_name": "Benali",
                "date_of_birth": "2000-05-17", "nationality": "MA", "gender": "female"})
        programme = uuid.UUID(request.url.path.split("/")[3])
        if claims["role"] == "officer" and str(programme) not in claims.get("programme_ids", []):
            return httpx.Response(404)
        wanted = {uuid.UUID(c) for c in request.url.params.get_list("candidate_id")}
        lines = [orjson.dumps({
            "candidate_id": str(c), "gender": "female", "nationality": "TN", "skill_keys": [],
            "skills": [], "languages": [], "education": [], "preferred_sectors": [],
            "preferred_countries": []}) for p, c in self.selected if p == programme and c in wanted]
        return httpx.Response(200, content=b"\n".join(lines))

    def _consents(self, request: httpx.Request) -> httpx.Response:
        """The signed consent question: data_processing is given by everyone, visa file
        sharing by ``sharing_visa_identity``; unless ``lapsed`` says otherwise."""
        if "webhook-signature" not in request.headers:
            return httpx.Response(401)
        asked = orjson.loads(request.content)
        purpose = asked["purpose"]
        states = {}
        for raw in asked["candidate_ids"]:
            candidate = uuid.UUID(raw)
            given = purpose != "visa_file_sharing" or candidate in self.sharing_visa_identity
            states[raw] = self.lapsed.get((candidate, purpose), "given" if given else "missing")
        return httpx.Response(200, json={"purpose": purpose, "states": states})


@pytest.fixture
async def fake_candidates(placements_app: FastAPI) -> AsyncIterator[FakeCandidates]:
    """Placements' candidates client, answered by a :class:`FakeCandidates`."""
    from services.placements.matching.profiles import CandidatesClient

    fake = FakeCandidates()
    before = placements_app.state.candidates_client
    http = httpx.AsyncClient(transport=httpx.MockTransport(fake.handle),
                             base_url="http://candidates")
    placements_app.state.candidates_client = CandidatesClient(http,
                                                              signer=SignedCaller([SECRET]))
    try:
        yield fake
    finally:
        placements_app.state.candidates_client = before
        await http.aclose()




@pytest.fixture
async def signed(placements_app: FastAPI) -> AsyncIterator[Signer]:
    """The placements app verifying internal events with a test secret."""
    placements_app.state.events_verifier = Verifier([SECRET])
    try:
        yield Signer([SECRET])
    finally:
        del placements_app.state.events_verifier


async def post_erased(client: httpx.AsyncClient, signer: Signer, candidate: uuid.UUID,
                      event_id: uuid.UUID) -> httpx.Response:
    """POST a signed ``candidate.erased`` event to placements' inbox, as candidates does."""
    events = [{"id": str(event_id), "type": "candidate.erased", "version": 1,
               "source": "candidates", "subject_id": str(candidate),
               "occurred_at": datetime.now(UTC).isoformat(),
               "data": {"candidate_id": str(candidate)}}]
    body = json.dumps(events).encode()
    headers = signer.sign(msg_id=wire.batch_id([e["id"] for e in events]), body=body).as_dict()
    return await client.post("/internal/events", content=body,
                             headers={**headers, "content-type": "application/json"})

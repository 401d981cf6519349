"""Secrets at rest are sealed: a partner's webhook secret and the gateway's signing keys are not
stored as themselves; deliveries and tokens still verify; a rotation of the sealing key, then
``reseal``, then removing the old key keeps everything working; plain values stored before
sealing are read meanwhile and sealed at prepare time."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import jwt
import pytest
from fastapi import FastAPI
from jwt.algorithms import RSAAlgorithm
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from gateway import identity
from launcher.bootstrap import drop_database
from launcher.database import prepare_database
from launcher.reseal import reseal_services, seal_plain_values
from launcher.runner import free_port
from launcher.topology import SERVICES
from services.placements.database import event_tables
from services.placements.events import outbox
from services.placements.main import create_app as create_placements_app
from services.placements.settings import Settings as PlacementsSettings
from shared import sealing
from shared.auth import Principal
from shared.db import Database, async_url
from shared.events.access import EventsClient, events_client
from shared.events.outbox import NewEvent
from shared.events.relay import Relay, asyncpg_dsn
from shared.events.signing import Verifier
from tests.conftest import RunDatabase


class Receiver:
    """A real HTTP server on 127.0.0.1 recording each POST's headers and body."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.port = free_port()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        headers = dict(line.decode().split(": ", 1) for line in head.split(b"\r\n")[1:] if line)
        headers = {k.lower(): v for k, v in headers.items()}
        body = await reader.readexactly(int(headers["content-length"]))
        self.received.append((headers, body))
        writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()
        writer.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    server = await asyncio.start_server(found.handle, "127.0.0.1", found.port)
    try:
        yield found
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
def own_database(database: RunDatabase) -> Iterator[RunDatabase]:
    """A database of this test's own: its signing keys are sealed with keys of its own."""
    name = f"pathways_sealed_{uuid.uuid4().hex[:10]}"
    admin_url = make_url(database.admin_url).set(database=name).render_as_string(
        hide_password=False)
    prepare_database(admin_url)
    try:
        yield RunDatabase(admin_url)
    finally:
        asyncio.run(drop_database(admin_url))


@pytest.fixture
def keys_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The environment's sealing keys, changed by the test, restored (and reread) after."""
    try:
        yield monkeypatch
    finally:
        monkeypatch.undo()
        sealing.reload()


def _use_keyring(env: pytest.MonkeyPatch, keys: dict[str, str], current: str) -> None:
    env.setenv(sealing.SEALING_KEYS, json.dumps(keys))
    env.setenv(sealing.SEALING_KEY_ID, current)
    sealing.reload()


async def _subscribe(app: FastAPI, url: str, programme: uuid.UUID) -> dict[str, Any]:
    import httpx

    ministry = Principal(subject="m", role="ministry", programme_ids=(programme,),
                         client_id="m-sealed")

    async def caller() -> EventsClient:
        return await events_client(ministry)

    app.dependency_overrides[events_client] = caller
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://placements") as http:
            made = await http.post("/v1/webhooks/placements/subscriptions",
                                   json={"url": url, "event_types": ["placement.confirmed"]})
    finally:
        app.dependency_overrides.pop(events_client, None)
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


async def _fetch(url: str, query: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return list(await connection.fetch(query))
    finally:
        await connection.close()


async def _deliver_one(url: str, settings: PlacementsSettings, subject: str,
                       programme: uuid.UUID) -> None:
    """Record a placement.confirmed event and run a fresh relay (no cached signer) over it."""
    engine = create_async_engine(async_url(url))
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            await outbox.record_many(session, [NewEvent(
                type="placement.confirmed", subject_id=subject,
                payload={"placement_id": str(uuid.uuid4()), "programme_id": str(programme),
                         "destination_country": "IT", "status": "confirmed"})])
    finally:
        await engine.dispose()
    relay = Relay(database_url=url, tables=event_tables, source="placements", settings=settings)
    await relay.open()
    try:
        while await relay.run_once():
            pass
    finally:
        await relay.close()


def _verified_subjects(receiver: Receiver, secret: str) -> list[str]:
    verifier = Verifier([secret])
    subjects = []
    for headers, body in receiver.received:
        verifier.verify(body, headers)  # raises unless signed with the partner's secret
        subjects.append(json.loads(body)["subject_id"])
    return subjects


async def _signing_check(gateway_url: str) -> None:
    """The gateway's current key opens and signs a token its published key verifies."""
    database = Database(gateway_url, application_name="sealed-test", pool_size=1,
                        max_overflow=0)
    try:
        async with database.sessionmaker() as session, session.begin():
            key = await identity.ensure_signing_key(session, algorithm="RS256")
            published = await identity.published_keys(session, token_ttl_seconds=900)
        token = identity.issue_token(Principal(subject="s", role="admin"), key=key,
                                     issuer="i", audience="a", ttl_seconds=60)
        jwk = next(k for k in published["keys"] if k["kid"] == key.kid)
        public = RSAAlgorithm.from_jwk(json.dumps(jwk))
        assert jwt.decode(token, public, algorithms=["RS256"], audience="a")["sub"] == "s"
    finally:
        await database.dispose()


async def test_sealed_at_rest_and_rotated_without_downtime(
        own_database: RunDatabase, receiver: Receiver,
        keys_env: pytest.MonkeyPatch) -> None:
    old, new, programme = sealing.generate_key(), sealing.generate_key(), uuid.uuid4()
    _use_keyring(keys_env, {"old": old}, "old")
    url, gateway_url = own_database.url("placements"), own_database.url("gateway")
    urls = {spec: own_database.url(spec.name) for spec in SERVICES}
    settings = PlacementsSettings(database_url=url, candidates_url="http://candidates.invalid",
                                  webhooks_allow_private_targets=True)
    app = create_placements_app(settings)
    async with app.router.lifespan_context(app):
        made = await _subscribe(app, f"http://127.0.0.1:{receiver.port}/hook", programme)
    secret, mine = made["secret"], f"WHERE id = '{made['id']}'"

    # Stored sealed: neither the secret nor the PEM is in the database as itself.
    [row] = await _fetch(url, f"SELECT secret FROM placements.event_subscription {mine}")
    assert row["secret"] != secret and secret.removeprefix("whsec_") not in row["secret"]
    assert sealing.key_id_of(row["secret"]) == "old"
    await _signing_check(gateway_url)
    [pem] = await _fetch(gateway_url, "SELECT private_pem FROM gateway.signing_key")
    assert "PRIVATE KEY" not in pem["private_pem"]
    assert sealing.key_id_of(pem["private_pem"]) == "old"
    await _deliver_one(url, settings, "before-rotation", programme)
    assert _verified_subjects(receiver, secret) == ["before-rotation"]

    # Rotation: the new key current, the old one still listed; everything still opens.
    _use_keyring(keys_env, {"old": old, "new": new}, "new")
    await _deliver_one(url, settings, "during-rotation", programme)
    await _signing_check(gateway_url)
    # Removing the old key before resealing fails loudly, naming it, never the secret.
    with pytest.raises(sealing.UnknownSealingKey, match="'old'") as error:
        sealing.load_keyring({sealing.SEALING_KEYS: json.dumps({"new": new})}).unseal(
            row["secret"])
    assert secret not in str(error.value)

    counts = await reseal_services(urls)
    assert counts["placements"] >= 1 and counts["gateway"] >= 1, counts
    assert await reseal_services(urls) == {spec.name: 0 for spec in SERVICES}  # nothing left to do
    [row] = await _fetch(url, f"SELECT secret FROM placements.event_subscription {mine}")
    [pem] = await _fetch(gateway_url, "SELECT private_pem FROM gateway.signing_key")
    assert sealing.key_id_of(row["secret"]) == sealing.key_id_of(pem["private_pem"]) == "new"

    # The old key gone: deliveries and tokens still verify.
    _use_keyring(keys_env, {"new": new}, "new")
    await _deliver_one(url, settings, "after-rotation", programme)
    await _signing_check(gateway_url)
    assert _verified_subjects(receiver, secret) == [
        "before-rotation", "during-rotation", "after-rotation"]


async def test_plain_values_from_before_sealing_are_read_then_sealed_at_prepare(
        own_database: RunDatabase, receiver: Receiver) -> None:
    programme = uuid.uuid4()
    url, gateway_url = own_database.url("placements"), own_database.url("gateway")
    settings = PlacementsSettings(database_url=url, candidates_url="http://candidates.invalid",
                                  webhooks_allow_private_targets=True)
    app = create_placements_app(settings)
    async with app.router.lifespan_context(app):
        made = await _subscribe(app, f"http://127.0.0.1:{receiver.port}/hook", programme)
    secret, mine = made["secret"], f"WHERE id = '{made['id']}'"
    await _signing_check(gateway_url)
    # As rows written before sealing: plain text.
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute(f"UPDATE placements.event_subscription SET secret = $1 "
                                 f"{mine}", secret)
    finally:
        await connection.close()
    connection = await asyncpg.connect(asyncpg_dsn(gateway_url))
    try:
        for kid, stored in await connection.fetch(
                "SELECT kid, private_pem FROM gateway.signing_key"):
            await connection.execute("UPDATE gateway.signing_key SET private_pem = $1 "
                                     "WHERE kid = $2", sealing.unseal(stored), kid)
    finally:
        await connection.close()
    await _deliver_one(url, settings, "plain", programme)
    await _signing_check(gateway_url)
    assert _verified_subjects(receiver, secret) == ["plain"]

    await asyncio.to_thread(seal_plain_values,
                            {spec: own_database.url(spec.name) for spec in SERVICES})
    [row] = await _fetch(url, f"SELECT secret FROM placements.event_subscription {mine}")
    assert sealing.is_sealed(row["secret"]) and secret not in row["secret"]
    for pem in await _fetch(gateway_url, "SELECT private_pem FROM gateway.signing_key"):
        assert sealing.is_sealed(pem["private_pem"])
    await _deliver_one(url, settings, "sealed", programme)
    await _signing_check(gateway_url)
    assert _verified_subjects(receiver, secret) == ["plain", "sealed"]

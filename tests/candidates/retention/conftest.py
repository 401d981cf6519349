"""A candidates app on a database of each test's own: a retention round erases everyone due in
its database, so tests sharing one would erase each other's people."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from launcher.bootstrap import drop_database
from launcher.database import prepare_database
from launcher.topology import service
from services.candidates.main import create_app
from services.candidates.settings import Settings
from shared.events.signing import Signer, Verifier, generate_secret
from tests.conftest import RunDatabase

SECRET = generate_secret()


@pytest.fixture
def own_database(database: RunDatabase) -> Iterator[RunDatabase]:
    """A database of this test's own on the run's cluster, with the candidates schema only."""
    name = f"pathways_retention_{uuid.uuid4().hex[:10]}"
    admin_url = make_url(database.admin_url).set(database=name).render_as_string(
        hide_password=False)
    prepare_database(admin_url, (service("candidates"),))
    try:
        yield RunDatabase(admin_url)
    finally:
        asyncio.run(drop_database(admin_url))


@dataclass
class Retention:
    """The test's candidates app, a client whose requests commit, and placements' signer."""

    app: FastAPI
    http: httpx.AsyncClient
    signer: Signer


@pytest.fixture
async def retention(own_database: RunDatabase) -> AsyncIterator[Retention]:
    """The candidates app on the test's database, its job off (rounds are run by the test)."""
    app = create_app(Settings(database_url=own_database.url("candidates"),
                              retention_job=False))
    async with app.router.lifespan_context(app):
        app.state.events_verifier = Verifier([SECRET])
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://candidates") as http:
            yield Retention(app, http, Signer([SECRET]))

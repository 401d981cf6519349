"""Fixtures of the applications tests: placements' events, signed as a relay signs them."""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from shared.events.signing import Signer, Verifier, generate_secret

SECRET = generate_secret()


@pytest.fixture
async def signed(candidates_app: FastAPI) -> AsyncIterator[Signer]:
    """The candidates app verifying internal events with a test secret."""
    candidates_app.state.events_verifier = Verifier([SECRET])
    try:
        yield Signer([SECRET])
    finally:
        del candidates_app.state.events_verifier

"""Fixtures of the matching-run tests: both real apps on the run's database.

The candidates app serves the matching-profile export in process (``httpx.ASGITransport``),
inside a transaction of its own rolled back at the end of the test, as the placements app's
requests share theirs; the runs' background tasks use the placements test's connection (their
commits are savepoints) and the candidates client put in ``app.state``.
"""

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.matching.execution import MatchingJobs
from services.placements.matching.profiles import CandidatesClient
from shared.events.signed_calls import SignedCaller
from shared.events.signing import Verifier, generate_secret
from tests.conftest import rolled_back, sharing

# Signs the consent questions placements asks the candidates app as itself.
SECRET = generate_secret()


@pytest.fixture
async def candidates_session(candidates_app: FastAPI) -> AsyncIterator[AsyncSession]:
    """A session on the candidates database inside a transaction rolled back at the end."""
    async with rolled_back(candidates_app) as db_session:
        yield db_session


@pytest.fixture
async def candidates(candidates_app: FastAPI,
                     candidates_session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the candidates app whose requests (and hot reads) share
    ``candidates_session``'s transaction."""
    async with sharing(candidates_app, candidates_session, base_url="http://candidates") as http:
        yield http


@pytest.fixture
async def jobs(placements_app: FastAPI, session: AsyncSession,
               candidates: httpx.AsyncClient, candidates_app: FastAPI,
               ) -> AsyncIterator[MatchingJobs]:
    """The placements app's runs, wired to the candidates app and to the test's transaction;
    ``await jobs.wait()`` lets the runs started so far finish."""
    matching: MatchingJobs = placements_app.state.matching_jobs
    connect, client = matching.connect, placements_app.state.candidates_client
    matching.connect = lambda: contextlib.nullcontext(session.bind)  # type: ignore[assignment,return-value]
    placements_app.state.candidates_client = CandidatesClient(
        candidates, signer=SignedCaller([SECRET]))
    candidates_app.state.signed_calls_verifier = Verifier([SECRET])
    try:
        yield matching
    finally:
        await matching.wait()
        matching.connect = connect
        placements_app.state.candidates_client = client
        del candidates_app.state.signed_calls_verifier

"""Matching runs in the background of the service process, and recovery from crashes.

``POST /v1/matching-runs`` commits a ``queued`` run and answers 202; once the answer is sent
(so the run's row is committed), :meth:`MatchingJobs.start` runs it in an asyncio task:

1. take the run's advisory lock on a connection of its own, held until the run ends: the
   mark that a live process works on it;
2. wait for a slot (``matching_concurrency`` runs at once per process), then claim the run
   (``queued → running``);
3. read the vacancies and exclusions, fetch the profiles from the candidates service
   (forwarding the requester's ``Authorization``), run the engine in a worker thread, store
   the proposals in bulk and complete the run, committing between the steps so that no
   transaction stays open across the HTTP call or the computation;
4. on any failure the run ends ``failed`` with a reason (``candidates_unavailable``,
   ``programme_not_found``…, ``engine_error`` for a bug, logged); nothing reaches a client.

A process that dies mid-run leaves its run ``queued`` or ``running``, with its lock released
with its connection. Every replica fails such runs as ``interrupted`` at startup and every
``matching_sweep_seconds`` (:func:`service.fail_interrupted`): a run is swept only when nobody
holds its lock, so another replica's live run is never touched (a queued run is given
``matching_queued_grace_seconds`` first: its task takes the lock just after the commit).

Tests replace ``connect`` (the runs share the test's connection and transaction) and the
candidates client (``app.state.candidates_client``), and await :meth:`MatchingJobs.wait`.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
from fastapi import FastAPI
from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.placements.matching import metrics, repository, service
from services.placements.matching.exceptions import RunFailure
from services.placements.matching.profiles import CandidatesClient
from services.placements.matching.schemas import Parameters
from services.placements.settings import Settings
from shared.events.signed_calls import SignedCaller
from shared.i18n import _
from shared.service_http import service_client

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

Connect = Callable[[], AbstractAsyncContextManager[AsyncConnection]]


class MatchingJobs:
    """The matching runs under way in this process (``app.state.matching_jobs``)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.settings: Settings = app.state.settings
        self.connect: Connect = app.state.database.engine.connect
        self.tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(self.settings.matching_concurrency)
        self._sweeper: asyncio.Task[None] | None = None

    def start(self, run_id: uuid.UUID, *, authorization: str | None) -> None:
        """Run ``run_id`` (committed, queued) in a task of its own."""
        task = asyncio.create_task(self._guarded(run_id, authorization),
                                   name=f"matching-run-{run_id}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def wait(self) -> None:
        """Until every run started so far has ended."""
        while self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    @asynccontextmanager
    async def _session(self, connect: Connect) -> AsyncIterator[AsyncSession]:
        async with connect() as connection:
            # On a connection already in a transaction (tests), commits are savepoints.
            session = AsyncSession(bind=connection, expire_on_commit=False,
                                   join_transaction_mode="create_savepoint")
            try:
                yield session
            finally:
                await session.close()

    async def _guarded(self, run_id: uuid.UUID, authorization: str | None) -> None:
        try:
            await self._execute(run_id, authorization)
        except asyncio.CancelledError:
            raise
        except Exception:  # the database is gone: the sweep fails the run later
            log.exception("matching run could not be executed", extra={"run_id": str(run_id)})

    async def _execute(self, run_id: uuid.UUID, authorization: str | None) -> None:
        async with self._session(self.connect) as session:
            await repository.lock_run(session, run_id)
            await session.commit()
            try:
                async with self._slots:
                    # In the trace of the request that asked for it (the task copied its
                    # context), which has answered by now.
                    with tracer.start_as_current_span(
                            "matching run", attributes={"pathways.matching_run.id": str(run_id)}):
                        await self._run(session, run_id, authorization)
            finally:
                try:
                    await repository.unlock_run(session, run_id)
                    await session.commit()
                except Exception:  # the lock dies with the connection: drop it
                    log.warning("could not release a matching run's lock",
                                extra={"run_id": str(run_id)}, exc_info=True)
                    await (await session.connection()).invalidate()

    async def _run(self, session: AsyncSession, run_id: uuid.UUID,
                   authorization: str | None) -> None:
        run = await service.claim(session, run_id=run_id)
        await session.commit()
        if run is None:
            return
        started = time.perf_counter()
        ended = "failed"
        try:
            client: CandidatesClient = self.app.state.candidates_client
            # The profiles over HTTP while the vacancies are read; both finish before a
            # failure of either is raised (the session must be idle to roll back).
            profiles, inputs = await asyncio.gather(
                client.matching_profiles(run.programme_id, authorization=authorization),
                service.load_inputs(session, run=run), return_exceptions=True)
            if isinstance(profiles, BaseException):
                raise profiles
            if isinstance(inputs, BaseException):
                raise inputs
            await session.commit()
            fetched = time.perf_counter()
            outcome = await asyncio.to_thread(
                service.compute, run_id=run.id,
                parameters=Parameters.model_validate(run.parameters), inputs=inputs,
                profiles=profiles, left_out_for_consent=profiles.left_out_for_consent)
            del profiles, inputs
            await service.store(session, run_id=run.id, outcome=outcome, timings={
                "fetch_seconds": fetched - started,
                "match_seconds": time.perf_counter() - fetched})
            await session.commit()
            ended = "completed"
            log.info("matching run completed", extra={"run_id": str(run_id)})
        except RunFailure as failure:
            await self._fail(session, run_id, failure.reason, failure.detail)
        except asyncio.CancelledError:
            await self._fail(session, run_id, "interrupted", _("The service stopped while "
                                                               "the run was under way; run "
                                                               "matching again."))
            raise
        except Exception:
            log.exception("matching run failed", extra={"run_id": str(run_id)})
            await self._fail(session, run_id, "engine_error", _("The run failed unexpectedly; "
                                                                "the placements service's logs "
                                                                "say why."))
        finally:
            metrics.RUN_SECONDS.labels(ended).observe(time.perf_counter() - started)

    async def _fail(self, session: AsyncSession, run_id: uuid.UUID, reason: str,
                    detail: str) -> None:
        await session.rollback()
        await service.fail(session, run_id=run_id, reason=reason, detail=detail)
        await session.commit()
        log.warning("matching run failed", extra={"run_id": str(run_id), "reason": reason})

    async def sweep(self, connect: Connect | None = None) -> list[uuid.UUID]:
        """Fail the runs dead processes left unfinished (see the module docstring)."""
        async with self._session(connect or self.app.state.database.engine.connect) as session:
            swept = await service.fail_interrupted(
                session, grace_seconds=self.settings.matching_queued_grace_seconds)
            await session.commit()
        if swept:
            log.warning("interrupted matching runs marked failed",
                        extra={"run_ids": [str(r) for r in swept]})
        return swept

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.matching_sweep_seconds)
            try:
                await self.sweep()
            except Exception:
                log.warning("sweeping interrupted matching runs failed", exc_info=True)

    async def open(self) -> None:
        """Sweep once now, then every ``matching_sweep_seconds``."""
        await self.sweep()
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="matching-sweeper")

    async def close(self) -> None:
        """Stop the sweeper and the runs under way (each ends ``failed``: interrupted)."""
        pending = [*self.tasks, *([self._sweeper] if self._sweeper else [])]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def start(app: FastAPI) -> None:
    """Startup hook: the candidates client and the runs' machinery; sweep interrupted runs."""
    settings: Settings = app.state.settings
    http = service_client(settings.candidates_url, timeout=httpx.Timeout(
        settings.candidates_timeout_seconds, connect=5.0))
    app.state.candidates_http = http
    secrets = [s.get_secret_value() for s in settings.events_signing_secrets]
    # The consent questions are asked as this service, signed like its internal events.
    app.state.candidates_client = CandidatesClient(
        http, signer=SignedCaller(secrets) if secrets else None)
    app.state.matching_jobs = MatchingJobs(app)
    await app.state.matching_jobs.open()


async def stop(app: FastAPI) -> None:
    """Shutdown hook: stop the runs and close the client."""
    jobs: MatchingJobs | None = getattr(app.state, "matching_jobs", None)
    if jobs is not None:
        await jobs.close()
    http: httpx.AsyncClient | None = getattr(app.state, "candidates_http", None)
    if http is not None:
        await http.aclose()

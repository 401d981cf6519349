"""The periodic job erasing people whose retention expired (see :mod:`.service`).

Every replica runs it (an asyncio task started in the app's lifespan), once every
``retention_interval_seconds`` (daily by default), the first round one interval after start.
A round reads who is due, then erases each person in a transaction of their own: the person's
row is claimed with ``FOR UPDATE SKIP LOCKED``, so replicas running rounds at the same time
share the people instead of erasing anyone twice, a failure erases nobody else's data by half,
and a replica that dies mid-round leaves nothing taken. Each erasure is recorded once
(``retention_erasure``, keyed by the person), so a round run again has nothing left to do.

:func:`run_round` is one round, for tests and for the admin's ``POST /v1/retention/rounds``;
"now" is its argument.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.candidates.retention import service
from services.candidates.retention.models import RetentionErasure

log = logging.getLogger("pathways.candidates.retention")


async def run_round(sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime,
                    batch_size: int) -> list[RetentionErasure]:
    """Erase everyone whose retention expired by ``now``, each in their own transaction; the
    erasures this round made (people another replica took are not among them). A person whose
    erasure fails is logged (ids only), left as they were, and tried again next round."""
    erased: list[RetentionErasure] = []
    while True:
        async with sessionmaker() as session:
            due = await service.due(session, now=now, limit=batch_size)
        made = 0
        for candidate_id in due:
            try:
                async with sessionmaker() as session, session.begin():
                    record = await service.erase_expired(session, candidate_id=candidate_id,
                                                         now=now)
            except Exception as exc:  # one person's failure must not hold back everyone after
                # The error's kind only: a database error's message may quote the person's data.
                log.error("retention erasure failed", extra={
                    "candidate_id": str(candidate_id), "error": type(exc).__name__})
                continue
            if record is not None:
                erased.append(record)
                made += 1
        # A full batch of which nothing was ours: the rest is another replica's, or stuck; the
        # next round sees it again rather than this one looping on it.
        if len(due) < batch_size or made == 0:
            return erased


def utc_now() -> datetime:
    """The job's default clock."""
    return datetime.now(UTC)


class RetentionJob:
    """Runs :func:`run_round` every ``interval`` seconds until stopped."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, interval: float,
                 batch_size: int, clock: Callable[[], datetime] = utc_now) -> None:
        self.sessionmaker = sessionmaker
        self.interval = interval
        self.batch_size = batch_size
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> list[RetentionErasure]:
        """One round now."""
        return await run_round(self.sessionmaker, now=self.clock(), batch_size=self.batch_size)

    async def _run(self) -> None:
        while True:
            # Interval first: a replica starting does not erase before anyone could look.
            await asyncio.sleep(self.interval)
            try:
                if erased := await self.run_once():
                    log.info("retention round erased people", extra={"count": len(erased)})
            except Exception as exc:  # the next round tries again; a crash would stop the job
                log.error("retention round failed", extra={"error": type(exc).__name__})

    def start(self) -> None:
        """Start the loop as a background task."""
        self._task = asyncio.create_task(self._run(), name="candidates-retention")

    async def stop(self) -> None:
        """Cancel the loop and wait for it."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def lifespan_hooks() -> tuple[Any, Any]:
    """``on_startup``/``on_shutdown`` hooks running the job inside the service app."""

    async def start(app: Any) -> None:
        settings = app.state.settings
        app.state.retention_job = None
        if not settings.retention_job:
            return
        job = RetentionJob(app.state.database.sessionmaker,
                           interval=settings.retention_interval_seconds,
                           batch_size=settings.retention_batch_size)
        job.start()
        app.state.retention_job = job

    async def stop(app: Any) -> None:
        job: RetentionJob | None = getattr(app.state, "retention_job", None)
        if job is not None:
            await job.stop()

    return start, stop

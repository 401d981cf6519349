"""Background jobs every replica runs: a round every ``interval`` seconds, in the app's lifespan.

A job subclasses :class:`PeriodicJob` and says what one round does (:meth:`PeriodicJob.tick`,
answering how much it did), or :class:`BatchedJob` and says what one batch of a round does; its
rounds must be safe to run at the same time on several replicas (advisory locks,
``FOR UPDATE SKIP LOCKED``): this module only schedules them. A round
that fails is logged by the error's type alone (a database error's message may quote a
person's data) and the next one tries again: a crash would stop the job for good. Rounds that
fail because the database is out of reach are one warning per outage, and a note when it ends.
"""

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.errors import database_unavailable

log = logging.getLogger("pathways.jobs")


class PeriodicJob(ABC):
    """Runs :meth:`tick` every ``interval`` seconds in a background task until stopped."""

    name: ClassVar[str]
    # What a round that did something logs, with its count.
    done_message: ClassVar[str]
    # Whether the first round waits one interval (a replica starting does not act before
    # anyone could look) or runs at once.
    first_round_waits: ClassVar[bool] = False

    def __init__(self, *, interval: float) -> None:
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        # Rounds the background loop finished (failed ones too), for whoever waits on them.
        self.rounds = 0
        self._round_ended = asyncio.Condition()

    @abstractmethod
    async def tick(self) -> int:
        """One round now; how many things it did."""

    async def after_rounds(self, count: int) -> None:
        """Return once the background loop has finished ``count`` rounds (tests, operators)."""
        async with self._round_ended:
            await self._round_ended.wait_for(lambda: self.rounds >= count)

    async def _run(self) -> None:
        if self.first_round_waits:
            await asyncio.sleep(self.interval)
        unreachable = False  # the database was out of reach at the last round
        while True:
            try:
                if done := await self.tick():
                    log.info(self.done_message, extra={"job": self.name, "count": done})
                if unreachable:
                    log.info("job resumed: database reachable again", extra={"job": self.name})
                unreachable = False
            except Exception as exc:  # the next round tries again
                if not database_unavailable(exc):
                    log.error("job round failed", extra={"job": self.name,
                                                         "error_type": type(exc).__name__})
                elif not unreachable:
                    log.warning("job round skipped: database unavailable",
                                extra={"job": self.name, "error_type": type(exc).__name__})
                    unreachable = True
            async with self._round_ended:
                self.rounds += 1
                self._round_ended.notify_all()
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        """Start the loop as a background task."""
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Cancel the loop and wait for it."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def wall_clock() -> datetime:
    """A job's default clock: now, in UTC."""
    return datetime.now(UTC)


class DatabaseJob(PeriodicJob):
    """A job whose rounds work through the database in batches of ``batch_size``, as of the
    time ``clock`` says (tests give theirs)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, interval: float,
                 batch_size: int, clock: Callable[[], datetime] = wall_clock) -> None:
        super().__init__(interval=interval)
        self.sessionmaker = sessionmaker
        self.batch_size = batch_size
        self.clock = clock


class BatchedJob(DatabaseJob):
    """A job whose round runs :meth:`step` in a transaction of its own, batch after batch,
    until a batch is not full (or another replica held the job's lock: the step did nothing)."""

    # What the job did since it started, counted by its steps.
    done = 0

    @abstractmethod
    async def step(self, session: AsyncSession, now: datetime) -> int:
        """One batch of at most ``batch_size`` things as of ``now``, in ``session``'s
        transaction; how many it did."""

    async def run_once(self) -> int:
        """One round: batches until a batch is not full."""
        total = 0
        while True:
            async with self.sessionmaker() as session, session.begin():
                did = await self.step(session, self.clock())
            total += did
            if did < self.batch_size:
                break
        self.done += total
        return total

    async def tick(self) -> int:
        """One round (:meth:`run_once`)."""
        return await self.run_once()


async def try_job_lock(session: AsyncSession, key: int) -> bool:
    """Take the advisory lock ``key`` (a job's own constant) until the transaction ends, unless
    another session holds it; whether it was taken. The replica that gets it runs the round's
    batch, the others skip it, and a replica that dies mid-round never leaves it taken."""
    return bool(await session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                     {"key": key}))


Hook = Callable[[Any], Awaitable[None]]


def lifespan_hooks(state_name: str,
                   build: Callable[[Any], PeriodicJob | None]) -> tuple[Hook, Hook]:
    """``on_startup``/``on_shutdown`` hooks running the job ``build(app)`` makes (None when the
    app's settings turn it off), kept as ``app.state.<state_name>``."""

    async def start(app: Any) -> None:
        job = build(app)
        setattr(app.state, state_name, job)
        if job is not None:
            job.start()

    async def stop(app: Any) -> None:
        job: PeriodicJob | None = getattr(app.state, state_name, None)
        if job is not None:
            await job.stop()

    return start, stop


def database_job_hooks(job: type[DatabaseJob], setting: str) -> tuple[Hook, Hook]:
    """``on_startup``/``on_shutdown`` hooks running ``job`` inside a service app as its settings
    say: ``<setting>_job`` turns it on, ``<setting>_interval_seconds`` and
    ``<setting>_batch_size`` pace it; kept as ``app.state.<setting>_job``."""

    def build(app: Any) -> DatabaseJob | None:
        settings = app.state.settings
        if not getattr(settings, f"{setting}_job"):
            return None
        return job(app.state.database.sessionmaker,
                   interval=getattr(settings, f"{setting}_interval_seconds"),
                   batch_size=getattr(settings, f"{setting}_batch_size"))

    return lifespan_hooks(f"{setting}_job", build)

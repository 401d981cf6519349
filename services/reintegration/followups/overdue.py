"""The periodic job marking follow-ups overdue once their window closed.

Every replica runs it (an asyncio task started in the app's lifespan). Each round is one
transaction that first takes a transaction-level advisory lock with ``pg_try_advisory_xact_lock``:
the replica that gets it works, the others skip the round, and the lock goes with the
transaction, so a replica that dies mid-round never leaves it taken. The follow-ups are claimed
with ``FOR UPDATE SKIP LOCKED`` besides, so an answer being recorded at that very moment is left
to finish (and then wins), and each is marked with its ``followup.overdue`` event in the same
transaction.

:func:`mark_overdue` is one step, for tests and operators; "now" is its argument.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reintegration.events import FOLLOWUP_OVERDUE, FollowUpEvent, outbox
from services.reintegration.followups import repository
from shared.events.outbox import NewEvent

log = logging.getLogger("pathways.reintegration.overdue")

# The advisory lock only this job takes (an arbitrary constant: "REINOV" in ASCII).
LOCK_KEY = 0x5245494E4F56


async def mark_overdue(session: AsyncSession, *, now: datetime, batch_size: int = 1000) -> int:
    """Mark up to ``batch_size`` follow-ups whose window closed by ``now`` overdue, with their
    events, unless another replica holds the job's lock; how many were marked."""
    if not await repository.try_job_lock(session, LOCK_KEY):
        return 0
    rows = await repository.mark_overdue(session, now=now, limit=batch_size)
    await outbox.record_many(session, [NewEvent(
        type=FOLLOWUP_OVERDUE, subject_id=row["case_id"], payload=FollowUpEvent(
            follow_up_id=row["id"], case_id=row["case_id"], programme_id=row["programme_id"],
            candidate_id=row["candidate_id"], point_months=row["point_months"],
            due_date=row["due_date"], status="overdue", at=row["overdue_at"],
        ).model_dump(mode="json")) for row in rows])
    return len(rows)


def utc_now() -> datetime:
    """The job's default clock."""
    return datetime.now(UTC)


class OverdueJob:
    """Runs :func:`mark_overdue` every ``interval`` seconds until stopped."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, interval: float,
                 batch_size: int, clock: Callable[[], datetime] = utc_now) -> None:
        self.sessionmaker = sessionmaker
        self.interval = interval
        self.batch_size = batch_size
        self.clock = clock
        self.marked = 0
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        """One round: batches until a batch is not full (or another replica holds the lock)."""
        total = 0
        while True:
            async with self.sessionmaker() as session, session.begin():
                marked = await mark_overdue(session, now=self.clock(),
                                            batch_size=self.batch_size)
            total += marked
            if marked < self.batch_size:
                break
        self.marked += total
        return total

    async def _run(self) -> None:
        while True:
            try:
                if marked := await self.run_once():
                    log.info("follow-ups marked overdue", extra={"count": marked})
            except Exception:  # the next round tries again; a crash would stop the job
                log.exception("overdue round failed")
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        """Start the loop as a background task."""
        self._task = asyncio.create_task(self._run(), name="reintegration-overdue")

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
        app.state.overdue_job = None
        if not settings.overdue_job:
            return
        job = OverdueJob(app.state.database.sessionmaker,
                         interval=settings.overdue_interval_seconds,
                         batch_size=settings.overdue_batch_size)
        job.start()
        app.state.overdue_job = job

    async def stop(app: Any) -> None:
        job: OverdueJob | None = getattr(app.state, "overdue_job", None)
        if job is not None:
            await job.stop()

    return start, stop

"""The periodic job marking follow-ups overdue once their window closed, and moving the
indicators' clock on (the scheduled follow-ups they count as due, open or missed).

Every replica runs it (an asyncio task started in the app's lifespan). Each round is one
transaction that first takes a transaction-level advisory lock with ``pg_try_advisory_xact_lock``:
the replica that gets it works, the others skip the round, and the lock goes with the
transaction, so a replica that dies mid-round never leaves it taken. The follow-ups are claimed
with ``FOR UPDATE SKIP LOCKED`` besides, so an answer being recorded at that very moment is left
to finish (and then wins), and each is marked with its ``followup.overdue`` event in the same
transaction.

:func:`mark_overdue` is one step, for tests and operators; "now" is its argument.
"""

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration.events import FOLLOWUP_OVERDUE, FollowUpEvent, outbox
from services.reintegration.followups import repository
from services.reintegration.indicators import repository as indicators
from shared import periodic
from shared.events.outbox import NewEvent
from shared.periodic import BatchedJob, Hook

log = logging.getLogger("pathways.reintegration.overdue")

# The advisory lock only this job takes (an arbitrary constant: "REINOV" in ASCII).
LOCK_KEY = 0x5245494E4F56


async def mark_overdue(session: AsyncSession, *, now: datetime, batch_size: int = 1000) -> int:
    """Mark up to ``batch_size`` follow-ups whose window closed by ``now`` overdue, with their
    events, unless another replica holds the job's lock; how many were marked."""
    if not await periodic.try_job_lock(session, LOCK_KEY):
        return 0
    rows = await repository.mark_overdue(session, now=now, limit=batch_size)
    await outbox.record_many(session, [NewEvent(
        type=FOLLOWUP_OVERDUE, subject_id=row["case_id"], payload=FollowUpEvent(
            follow_up_id=row["id"], case_id=row["case_id"], programme_id=row["programme_id"],
            candidate_id=row["candidate_id"], point_months=row["point_months"],
            due_date=row["due_date"], status="overdue", at=row["overdue_at"],
        ).model_dump(mode="json")) for row in rows])
    return len(rows)


class OverdueJob(BatchedJob):
    """Runs :func:`mark_overdue` every ``interval`` seconds until stopped."""

    name = "reintegration-overdue"
    done_message = "follow-ups marked overdue"

    async def step(self, session: AsyncSession, now: datetime) -> int:
        """One batch (:func:`mark_overdue`)."""
        return await mark_overdue(session, now=now, batch_size=self.batch_size)

    async def run_once(self) -> int:
        """One round: batches until a batch is not full, then the indicators' scheduled
        follow-ups counted as of now (their clock moved on) in a transaction of its own."""
        marked = await super().run_once()
        async with self.sessionmaker() as session, session.begin():
            await indicators.advance(session, self.clock())
        return marked

    @property
    def marked(self) -> int:
        """Follow-ups this job marked since it started."""
        return self.done


def lifespan_hooks() -> tuple[Hook, Hook]:
    """``on_startup``/``on_shutdown`` hooks running the job inside the service app."""
    return periodic.database_job_hooks(OverdueJob, "overdue")

"""The periodic job sending the notices that fell due.

Every replica runs it (an asyncio task started in the app's lifespan). Each batch is one
transaction that first takes a transaction-level advisory lock: the replica that gets it works,
the others skip the batch. The due notices are claimed with ``FOR UPDATE SKIP LOCKED`` besides,
and each is marked sent (with its ``notice.<kind>`` event in the outbox, in that transaction) or
withheld: a notice is decided once, and the relay delivers its event to the programme's
notification partner.

:func:`services.candidates.notices.service.send_due` is one batch, for tests and operators;
"now" is its argument.
"""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.notices import service
from shared import periodic
from shared.periodic import BatchedJob, Hook

# The advisory lock only this job takes (an arbitrary constant: "CANNOT" in ASCII).
LOCK_KEY = 0x43414E4E4F54


async def send_due(session: AsyncSession, *, now: datetime, batch_size: int = 500) -> int:
    """One batch of due notices, unless another replica holds the job's lock; how many were
    decided."""
    if not await periodic.try_job_lock(session, LOCK_KEY):
        return 0
    return await service.send_due(session, now=now, batch_size=batch_size)


class NoticesJob(BatchedJob):
    """Runs :func:`send_due` every ``interval`` seconds until stopped."""

    name = "candidates-notices"
    done_message = "notices sent or withheld"

    async def step(self, session: AsyncSession, now: datetime) -> int:
        """One batch (:func:`send_due`)."""
        return await send_due(session, now=now, batch_size=self.batch_size)


def lifespan_hooks() -> tuple[Hook, Hook]:
    """``on_startup``/``on_shutdown`` hooks running the job inside the service app."""
    return periodic.database_job_hooks(NoticesJob, "notices")

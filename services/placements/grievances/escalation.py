"""The periodic job escalating grievances whose deadline passed unresolved.

Every replica runs it (an asyncio task started in the app's lifespan). Each round is one
transaction that first takes a transaction-level advisory lock with ``pg_try_advisory_xact_lock``:
the replica that gets it works, the others skip the round, and the lock goes with the
transaction, so a replica that dies mid-round never leaves it taken. The grievances are claimed
with ``FOR UPDATE SKIP LOCKED`` besides, so an action being recorded on one at that very moment
(a resolution) is left to finish (and then wins). Each is moved up a level (employer to
programme, programme to ministry) with the deadline of its severity from now, its status back
to ``open`` (the new level has not answered yet), a history step and its
``grievance.escalated`` event, in the same transaction.

:func:`escalate_due` is one step, for tests and operators; "now" is its argument.
"""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.events import GRIEVANCE_ESCALATED, GrievanceEvent, outbox
from services.placements.grievances import repository
from shared import periodic
from shared.events.outbox import NewEvent
from shared.periodic import BatchedJob, Hook

# The advisory lock only this job takes (an arbitrary constant: "PLGREV" in ASCII).
LOCK_KEY = 0x504C47524556
# Who the history says escalated a grievance.
ACTOR = "grievance-escalation"


async def escalate_due(session: AsyncSession, *, now: datetime, batch_size: int = 1000) -> int:
    """Escalate up to ``batch_size`` grievances whose deadline passed by ``now``, with their
    events, unless another replica holds the job's lock; how many were escalated."""
    if not await periodic.try_job_lock(session, LOCK_KEY):
        return 0
    rows = await repository.escalate_due(session, now=now, limit=batch_size, actor=ACTOR)
    await outbox.record_many(session, [NewEvent(
        type=GRIEVANCE_ESCALATED, subject_id=row["id"], payload=GrievanceEvent(
            grievance_id=row["id"], programme_id=row["programme_id"], category=row["category"],
            severity=row["severity"], level=row["level"], previous_level=row["previous_level"],
            status=row["status"], due_at=row["due_at"],
        ).model_dump(mode="json")) for row in rows])
    return len(rows)


class EscalationJob(BatchedJob):
    """Runs :func:`escalate_due` every ``interval`` seconds until stopped."""

    name = "grievance-escalation"
    done_message = "grievances escalated"

    async def step(self, session: AsyncSession, now: datetime) -> int:
        """One batch (:func:`escalate_due`)."""
        return await escalate_due(session, now=now, batch_size=self.batch_size)


def lifespan_hooks() -> tuple[Hook, Hook]:
    """``on_startup``/``on_shutdown`` hooks running the job inside the service app."""
    return periodic.database_job_hooks(EscalationJob, "grievance_escalation")

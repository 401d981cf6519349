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

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.candidates.retention import service
from services.candidates.retention.models import RetentionErasure
from shared import periodic
from shared.periodic import DatabaseJob, Hook

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


class RetentionJob(DatabaseJob):
    """Runs :func:`run_round` every ``interval`` seconds until stopped."""

    name = "candidates-retention"
    done_message = "retention round erased people"
    # A replica starting does not erase before anyone could look.
    first_round_waits = True


    async def run_once(self) -> list[RetentionErasure]:
        """One round now."""
        return await run_round(self.sessionmaker, now=self.clock(), batch_size=self.batch_size)

    async def tick(self) -> int:
        """One round; how many people it erased."""
        return len(await self.run_once())


def lifespan_hooks() -> tuple[Hook, Hook]:
    """``on_startup``/``on_shutdown`` hooks running the job inside the service app."""
    return periodic.database_job_hooks(RetentionJob, "retention")

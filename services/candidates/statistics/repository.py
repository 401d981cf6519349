"""Every query of a programme's statistics: one pass over its applications, one over its
training."""

import uuid
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# One pass over the programme's applications, grouped three ways at once.
_COUNTS = text("""
    SELECT a.status, c.gender, c.nationality, count(*) AS n,
           GROUPING(a.status, c.gender, c.nationality) AS g
    FROM candidates.application AS a
    JOIN candidates.candidate AS c ON c.id = a.candidate_id
    WHERE a.programme_id = :programme_id
    GROUP BY GROUPING SETS ((a.status), (c.gender), (c.nationality), ())
""")

# Pre-departure training: who took part, who completed every required module, and of those
# who did, who moved (placed, or back from the placement) and who stayed.
_TRAINING = text("""
    WITH required AS (
        SELECT count(*) AS n FROM candidates.training_module
        WHERE programme_id = :programme_id AND required
    ), people AS (
        SELECT e.candidate_id,
               count(*) FILTER (WHERE e.status = 'completed' AND m.required) AS done
        FROM candidates.enrolment AS e
        JOIN candidates.training_module AS m ON m.id = e.module_id
        WHERE m.programme_id = :programme_id
        GROUP BY e.candidate_id
    ), trained AS (
        SELECT p.candidate_id, p.done = r.n AS complete,
               EXISTS (SELECT 1 FROM candidates.application AS a
                       WHERE a.candidate_id = p.candidate_id
                         AND a.programme_id = :programme_id
                         AND a.status IN ('placed', 'returned')) AS moved
        FROM people AS p CROSS JOIN required AS r
    )
    SELECT count(*) AS enrolled,
           count(*) FILTER (WHERE complete) AS trained,
           count(*) FILTER (WHERE complete AND moved) AS trained_and_moved,
           count(*) FILTER (WHERE complete AND NOT moved) AS trained_and_stayed
    FROM trained
""")


@dataclass
class ApplicationCounts:
    """A programme's applications: how many, and how many of each status, gender and
    nationality (only the values that occur)."""

    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_gender: dict[str, int] = field(default_factory=dict)
    by_nationality: dict[str, int] = field(default_factory=dict)


async def application_counts(session: AsyncSession,
                             programme_id: uuid.UUID) -> ApplicationCounts:
    """The programme's applications counted by status, gender and nationality, in one pass."""
    counts = ApplicationCounts()
    rows = (await session.execute(_COUNTS, {"programme_id": programme_id})).all()
    for status, gender, nationality, count, grouping in rows:
        # GROUPING bits: status=4, gender=2, nationality=1; a set bit means "rolled up".
        if grouping == 0b111:
            counts.total = count
        elif grouping == 0b011:
            counts.by_status[status] = count
        elif grouping == 0b101:
            counts.by_gender[gender] = count
        elif grouping == 0b110:
            counts.by_nationality[nationality] = count
    return counts


async def training_counts(session: AsyncSession, programme_id: uuid.UUID) -> dict[str, int]:
    """``enrolled``, ``trained``, ``trained_and_moved`` and ``trained_and_stayed`` of the
    programme's pre-departure training (every one 0 when nobody enrolled)."""
    row = (await session.execute(_TRAINING, {"programme_id": programme_id})).one()
    return dict(row._mapping)

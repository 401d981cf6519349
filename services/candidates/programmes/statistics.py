"""Counts of a programme's applications, for reports composed at the gateway."""

import uuid

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import text
from starlette.responses import Response

from services.candidates import access
from services.candidates.programmes import service
from services.candidates.programmes.exceptions import ProgrammeNotFound
from shared.auth import AUTH_RESPONSES, PrincipalDep
from shared.db import SessionDep
from shared.errors import responses
from shared.responses import json_response

router = APIRouter(prefix="/v1/programmes", tags=["programmes"], responses=AUTH_RESPONSES)

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

SMALL_CELL = 5


class ProgrammeStatistics(BaseModel):
    """A programme's applications counted by status, and its applicants by gender and
    nationality."""

    programme_id: uuid.UUID
    applications_total: int
    by_status: dict[str, int]
    by_gender: dict[str, int]
    by_nationality: dict[str, int]
    training: dict[str, int] = Field(default_factory=dict, description=(
        "Pre-departure training: `enrolled` (people in any of its modules), `trained` (every "
        "required module completed), and of those `trained_and_moved` (placed abroad, or back) "
        "and `trained_and_stayed`, whom a programme that trains more than it moves counts too."))
    suppressed_cells: int = Field(0, description=(
        f"Breakdown cells left out because they count fewer than {SMALL_CELL} people: a "
        "ministry reads aggregates only, and so small a group could name a person."))


@router.get("/{programme_id}/statistics", response_model=ProgrammeStatistics,
            dependencies=[access.READS_AGGREGATES], responses=responses(ProgrammeNotFound))
async def programme_statistics(programme_id: uuid.UUID, session: SessionDep,
                               principal: PrincipalDep) -> Response:
    """Applications of a programme counted by status, gender and nationality.

    Aggregates only: ministries read those of their programmes, as officers do.
    """
    service.ensure_in_scope(principal, programme_id)
    await service.get(session, programme_id=programme_id)  # 404 when unknown
    rows = (await session.execute(_COUNTS, {"programme_id": programme_id})).all()
    body = ProgrammeStatistics(programme_id=programme_id, applications_total=0, by_status={},
                               by_gender={}, by_nationality={})
    for status, gender, nationality, count, grouping in rows:
        # GROUPING bits: status=4, gender=2, nationality=1; a set bit means "rolled up".
        if grouping == 0b111:
            body.applications_total = count
        elif grouping == 0b011:
            body.by_status[status] = count
        elif grouping == 0b101:
            body.by_gender[gender] = count
        elif grouping == 0b110:
            body.by_nationality[nationality] = count
    training = (await session.execute(_TRAINING, {"programme_id": programme_id})).one()
    if training.enrolled:
        body.training = dict(training._mapping)
    if principal.role == "ministry":
        _suppress_small_cells(body)
    return json_response(body)


def _suppress_small_cells(body: ProgrammeStatistics) -> None:
    for cells in (body.by_status, body.by_gender, body.by_nationality, body.training):
        for key in [k for k, count in cells.items() if count < SMALL_CELL]:
            del cells[key]
            body.suppressed_cells += 1

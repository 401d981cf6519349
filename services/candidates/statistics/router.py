"""HTTP route of a programme's statistics, for reports composed at the gateway."""

import uuid

from fastapi import APIRouter
from starlette.responses import Response

from services.candidates import access
from services.candidates.programmes.exceptions import ProgrammeNotFound
from services.candidates.statistics import service
from services.candidates.statistics.schemas import ProgrammeStatistics
from shared.auth import AUTH_RESPONSES, PrincipalDep
from shared.db import SessionDep
from shared.errors import responses
from shared.responses import json_response

router = APIRouter(prefix="/v1/programmes", tags=["programmes"], responses=AUTH_RESPONSES)


@router.get("/{programme_id}/statistics", response_model=ProgrammeStatistics,
            dependencies=[access.READS_AGGREGATES], responses=responses(ProgrammeNotFound))
async def programme_statistics(programme_id: uuid.UUID, session: SessionDep,
                               principal: PrincipalDep) -> Response:
    """Applications of a programme counted by status, gender and nationality.

    Aggregates only: ministries read those of their programmes, as officers do, under
    disclosure control: a count of 1 to 4 people is null, and so is every count the others
    would give away by subtraction (the total included); `suppressed_cells` says how many.
    """
    return json_response(await service.programme_statistics(
        session, principal=principal, programme_id=programme_id))

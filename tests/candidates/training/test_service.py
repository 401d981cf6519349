"""The completion rule as other code asks it: ``training_status(...).ready_for_departure``."""

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.training import service
from tests.candidates.factories import create_candidate, create_programme, create_training_module
from tests.candidates.training.helpers import complete, enrol


class TestTrainingStatus:
    async def test_ready_once_required_modules_are_completed(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme = await create_programme(client, training_required_before_departure=True)
        module = await create_training_module(client, programme_id=uuid.UUID(programme["id"]))
        candidate = await create_candidate(session)
        enrolment = await enrol(client, module_id=module["id"], candidate_id=candidate.id)
        before = await service.training_status(session, candidate_id=candidate.id,
                                               programme_id=uuid.UUID(programme["id"]))
        assert before.complete is False and before.ready_for_departure is False
        await complete(client, enrolment)
        after = await service.training_status(session, candidate_id=candidate.id,
                                              programme_id=uuid.UUID(programme["id"]))
        assert after.complete is True and after.ready_for_departure is True

    async def test_not_required_before_departure_is_always_ready(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme = await create_programme(client, training_required_before_departure=False)
        await create_training_module(client, programme_id=uuid.UUID(programme["id"]))
        candidate = await create_candidate(session)
        status = await service.training_status(session, candidate_id=candidate.id,
                                               programme_id=uuid.UUID(programme["id"]))
        assert status.complete is False and status.ready_for_departure is True

"""What other domains call: the profile or 404, and the consents in force."""

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates import service as candidate_service
from services.candidates.candidates.exceptions import CandidateNotFound
from services.candidates.candidates.schemas import Skill
from tests.candidates.factories import PYTHON_URI, create_candidate, give_consent


class TestGet:
    async def test_returns_the_candidate(self, session: AsyncSession) -> None:
        created = await create_candidate(session)
        found = await candidate_service.get(session, candidate_id=created.id)
        assert found.id == created.id

    async def test_unknown_raises_not_found(self, session: AsyncSession) -> None:
        with pytest.raises(CandidateNotFound) as raised:
            await candidate_service.get(session, candidate_id=uuid.uuid4())
        assert raised.value.status == 404 and raised.value.slug == "candidate-not-found"


class TestCurrentConsents:
    async def test_latest_event_per_purpose_wins(self, session: AsyncSession) -> None:
        candidate = await create_candidate(session)
        await give_consent(session, candidate_id=candidate.id, purpose="data_processing")
        await give_consent(session, candidate_id=candidate.id, purpose="marketing")
        await give_consent(session, candidate_id=candidate.id, purpose="marketing",
                           action="withdrawn")
        await give_consent(session, candidate_id=candidate.id, purpose="data_processing",
                           action="withdrawn")
        await give_consent(session, candidate_id=candidate.id, purpose="data_processing")
        assert await candidate_service.current_consents(session, candidate.id) == {
            "data_processing": "given", "marketing": "withdrawn"}

    async def test_keyword_call_and_no_consents(self, session: AsyncSession) -> None:
        candidate = await create_candidate(session)
        assert await candidate_service.current_consents(session,
                                                        candidate_id=candidate.id) == {}
        assert await candidate_service.current_consents(session, uuid.uuid4()) == {}


class TestSkillKeys:
    def test_lower_cased_labels_and_uris_once(self) -> None:
        skills = [Skill(uri="https://data.europa.eu/esco/skill/CCD0A1D9-afda-43d9-b901-96344886e14d",
                        label="Python"),
                  Skill(label="python"), Skill(label="SQL")]
        assert candidate_service.skill_keys(skills) == [
            PYTHON_URI, "python", "sql"]

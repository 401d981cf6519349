"""create_from_proposal: what the matching domain calls when a run is confirmed."""

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.placements import service
from services.placements.placements.exceptions import CandidateAlreadyPlaced, ProposalConflict
from services.placements.placements.models import Placement
from services.placements.vacancies.exceptions import VacancyNotFound, VacancyUnavailable
from services.placements.vacancies.models import Vacancy
from shared.auth import Principal
from tests.placements.factories import add_employer, add_placement, add_vacancy


async def _vacancy(session: AsyncSession, **overrides: object) -> Vacancy:
    programme = uuid.uuid4()
    employer = await add_employer(session, programme_id=programme)
    return await add_vacancy(session, employer=employer, programme_id=programme, **overrides)


async def _confirm(session: AsyncSession, vacancy: Vacancy, *,
                   candidate_id: uuid.UUID | None = None, proposal_id: uuid.UUID | None = None,
                   run_id: uuid.UUID | None = None) -> Placement:
    return await service.create_from_proposal(
        session, programme_id=vacancy.programme_id, candidate_id=candidate_id or uuid.uuid4(),
        vacancy_id=vacancy.id, run_id=run_id or uuid.uuid4(),
        proposal_id=proposal_id or uuid.uuid4(), score=0.8125, origin_country="NG")


async def _count(session: AsyncSession, vacancy: Vacancy) -> int:
    return await session.scalar(select(func.count()).select_from(Placement).where(
        Placement.vacancy_id == vacancy.id)) or 0


class TestCreateFromProposal:
    async def test_creates_a_proposed_placement(self, session: AsyncSession) -> None:
        vacancy = await _vacancy(session)
        run, proposal, candidate = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        placement = await _confirm(session, vacancy, candidate_id=candidate,
                                   proposal_id=proposal, run_id=run)
        assert (placement.status, placement.candidate_id, placement.vacancy_id,
                placement.employer_id, placement.programme_id) == (
            "proposed", candidate, vacancy.id, vacancy.employer_id, vacancy.programme_id)
        assert (placement.matching_run_id, placement.proposal_id, placement.score) == (
            run, proposal, Decimal("0.813"))
        assert (placement.start_date, placement.end_date) == (vacancy.start_date,
                                                              vacancy.end_date)
        assert (placement.origin_country, placement.destination_country) == ("NG", "IT")

    async def test_confirming_again_returns_the_same_placement(
            self, session: AsyncSession) -> None:
        vacancy = await _vacancy(session)
        candidate, proposal = uuid.uuid4(), uuid.uuid4()
        first = await _confirm(session, vacancy, candidate_id=candidate, proposal_id=proposal)
        again = await _confirm(session, vacancy, candidate_id=candidate, proposal_id=proposal)
        assert again.id == first.id
        assert await _count(session, vacancy) == 1

    async def test_a_confirmed_proposal_is_returned_even_when_the_vacancy_filled_up(
            self, session: AsyncSession) -> None:
        vacancy = await _vacancy(session, seats=1)
        candidate, proposal = uuid.uuid4(), uuid.uuid4()
        first = await _confirm(session, vacancy, candidate_id=candidate, proposal_id=proposal)
        assert (await _confirm(session, vacancy, candidate_id=candidate,
                               proposal_id=proposal)).id == first.id

    async def test_proposal_of_another_pair_is_a_conflict(self, session: AsyncSession) -> None:
        vacancy = await _vacancy(session)
        proposal = uuid.uuid4()
        await _confirm(session, vacancy, proposal_id=proposal)
        with pytest.raises(ProposalConflict):
            await _confirm(session, vacancy, proposal_id=proposal)

    async def test_candidate_with_an_open_placement_is_refused(
            self, session: AsyncSession) -> None:
        vacancy = await _vacancy(session)
        candidate = uuid.uuid4()
        first = await _confirm(session, vacancy, candidate_id=candidate)
        with pytest.raises(CandidateAlreadyPlaced) as caught:
            await _confirm(session, vacancy, candidate_id=candidate)
        assert caught.value.extra["placement_id"] == str(first.id)

    async def test_candidate_may_be_placed_again_after_a_final_state(
            self, session: AsyncSession) -> None:
        vacancy = await _vacancy(session)
        earlier = await add_placement(session, vacancy=vacancy, status="declined")
        placement = await _confirm(session, vacancy, candidate_id=earlier.candidate_id)
        assert placement.id != earlier.id

    async def test_the_unique_index_settles_a_race(self, session: AsyncSession) -> None:
        # As if a concurrent transaction slipped in between the check and the insert.
        vacancy = await _vacancy(session)
        existing = await add_placement(session, vacancy=vacancy)
        original = service.repository.open_placement_ids
        service.repository.open_placement_ids = _blind_once(original)  # type: ignore[assignment]
        try:
            with pytest.raises(CandidateAlreadyPlaced) as caught:
                await _confirm(session, vacancy, candidate_id=existing.candidate_id)
        finally:
            service.repository.open_placement_ids = original  # type: ignore[assignment]
        assert caught.value.extra["placement_id"] == str(existing.id)
        assert await _count(session, vacancy) == 1  # the transaction is still usable

    @pytest.mark.parametrize(("overrides", "reason"), [
        ({"status": "closed"}, "closed"), ({"seats": 1}, "full")])
    async def test_unavailable_vacancy(self, session: AsyncSession, overrides: dict[str, object],
                                       reason: str) -> None:
        vacancy = await _vacancy(session, **overrides)
        if reason == "full":
            await _confirm(session, vacancy)
        with pytest.raises(VacancyUnavailable) as caught:
            await _confirm(session, vacancy)
        assert caught.value.extra["reason"] == reason

    async def test_vacancy_of_another_programme(self, session: AsyncSession) -> None:
        vacancy = await _vacancy(session)
        with pytest.raises(VacancyUnavailable):
            await service.create_from_proposal(
                session, programme_id=uuid.uuid4(), candidate_id=uuid.uuid4(),
                vacancy_id=vacancy.id, run_id=uuid.uuid4(), proposal_id=uuid.uuid4(),
                score=None)

    async def test_unknown_vacancy(self, session: AsyncSession) -> None:
        with pytest.raises(VacancyNotFound):
            await service.create_from_proposal(
                session, programme_id=uuid.uuid4(), candidate_id=uuid.uuid4(),
                vacancy_id=uuid.uuid4(), run_id=uuid.uuid4(), proposal_id=uuid.uuid4(),
                score=None)

    async def test_records_who_confirmed(self, session: AsyncSession) -> None:
        vacancy = await _vacancy(session)
        officer = Principal(subject="officer-7", role="officer")
        placement = await service.create_from_proposal(
            session, programme_id=vacancy.programme_id, candidate_id=uuid.uuid4(),
            vacancy_id=vacancy.id, run_id=uuid.uuid4(), proposal_id=uuid.uuid4(), score=1,
            actor=officer)
        history = await service.repository.transitions(session, placement.id)
        assert [(h.action, h.from_status, h.to_status, h.actor, h.actor_role)
                for h in history] == [("create", None, "proposed", "officer-7", "officer")]


def _proposal(vacancy: Vacancy, **overrides: Any) -> service.Proposal:
    values: dict[str, Any] = {"proposal_id": uuid.uuid4(), "candidate_id": uuid.uuid4(),
                              "vacancy_id": vacancy.id, "score": 0.5, "gender": "female",
                              "origin_country": "TN"}
    return service.Proposal(**(values | overrides))


def _blind_once(original: Any) -> Any:
    """``original``, except that its first call finds nothing."""
    calls = 0

    async def blind(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return {} if calls == 1 else await original(*args, **kwargs)

    return blind


class TestCreateFromProposals:
    async def test_each_gets_its_placement_or_its_refusal(self, session: AsyncSession) -> None:
        vacancy = await _vacancy(session, seats=2)
        closed = await add_vacancy(session, employer=await add_employer(
            session, programme_id=vacancy.programme_id), programme_id=vacancy.programme_id,
            status="closed")
        done = _proposal(vacancy)
        first = await _confirm(session, vacancy, candidate_id=done.candidate_id,
                               proposal_id=done.proposal_id)
        twice = uuid.uuid4()
        batch = [done, _proposal(vacancy, candidate_id=twice),
                 _proposal(vacancy, candidate_id=twice), _proposal(vacancy),
                 _proposal(closed), _proposal(vacancy, vacancy_id=uuid.uuid4())]
        made = await service.create_from_proposals(
            session, programme_id=vacancy.programme_id, run_id=uuid.uuid4(), proposals=batch)
        assert isinstance(made[0], Placement) and made[0].id == first.id  # confirmed before
        assert isinstance(made[1], Placement)
        assert (made[1].gender, made[1].origin_country, made[1].sector) == ("female", "TN",
                                                                           "ict")
        assert isinstance(made[2], CandidateAlreadyPlaced)  # placed by the same batch
        assert isinstance(made[3], VacancyUnavailable) and made[3].extra["reason"] == "full"
        assert isinstance(made[4], VacancyUnavailable) and made[4].extra["reason"] == "closed"
        assert isinstance(made[5], VacancyNotFound)
        assert await _count(session, vacancy) == 2
        history = await service.repository.transitions(session, made[1].id)
        assert [(h.action, h.to_status) for h in history] == [("create", "proposed")]

    async def test_a_lost_race_is_answered_from_the_winner(self, session: AsyncSession,
                                                          monkeypatch: Any) -> None:
        # As if a concurrent transaction confirmed the proposal between the read and the
        # insert: the unique index skips the row, and the answer is the winner's placement.
        vacancy = await _vacancy(session)
        proposal = _proposal(vacancy)
        winner = await _confirm(session, vacancy, candidate_id=proposal.candidate_id,
                                proposal_id=proposal.proposal_id)
        for name in ("by_proposals", "open_placement_ids"):
            monkeypatch.setattr(service.repository, name,
                                _blind_once(getattr(service.repository, name)))
        [made] = await service.create_from_proposals(
            session, programme_id=vacancy.programme_id, run_id=uuid.uuid4(),
            proposals=[proposal])
        assert isinstance(made, Placement) and made.id == winner.id
        assert await _count(session, vacancy) == 1  # the transaction is still usable

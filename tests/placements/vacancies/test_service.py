"""What the matching domain reads: a programme's open vacancies with their free seats."""

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.vacancies import service
from services.placements.vacancies.service import add_months
from tests.placements.factories import add_employer, add_placement, add_vacancy


class TestAddMonths:
    def test_clamps_to_month_end(self) -> None:
        assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
        assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
        assert add_months(date(2026, 11, 15), 14) == date(2028, 1, 15)


class TestOpenVacancies:
    async def test_seats_free_counts_holding_placements(self, session: AsyncSession) -> None:
        programme = uuid.uuid4()
        employer = await add_employer(session, programme_id=programme)
        roomy = await add_vacancy(session, employer=employer, programme_id=programme, seats=3)
        full = await add_vacancy(session, employer=employer, programme_id=programme, seats=1)
        closed = await add_vacancy(session, employer=employer, programme_id=programme,
                                   status="closed")
        await add_placement(session, vacancy=roomy, status="active")
        await add_placement(session, vacancy=roomy, status="declined")  # frees its seat
        await add_placement(session, vacancy=full, status="proposed")

        found = await service.open_vacancies(session, programme_id=programme)
        assert [(o.vacancy.id, o.seats_taken, o.seats_free) for o in found] == [
            (roomy.id, 1, 2)]
        everything = await service.open_vacancies(session, programme_id=programme,
                                                  free_seats_only=False)
        assert {o.vacancy.id for o in everything} == {roomy.id, full.id}
        assert closed.id not in {o.vacancy.id for o in everything}

"""The candidates a principal may read are declared once and written twice (repository): the
ORM conditions and the hot reads' SQL must select the same rows, for every role."""

import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates import repository
from services.candidates.candidates.models import Candidate
from services.candidates.institutions.models import Nomination
from shared.auth import Principal
from shared.db import SessionHotReads
from tests.candidates.applications.helpers import apply, candidate_id
from tests.candidates.factories import create_candidate, create_institution, create_programme
from tests.conftest import TokenMinter


async def orm_rows(session: AsyncSession, principal: Principal,
                   among: set[uuid.UUID]) -> set[uuid.UUID]:
    rows = await session.scalars(select(Candidate.id).where(
        Candidate.id.in_(among), *repository.readable_conditions(principal)))
    return set(rows.all())


async def sql_rows(session: AsyncSession, principal: Principal,
                   among: set[uuid.UUID]) -> set[uuid.UUID]:
    scope = repository.readable_sql(principal)
    where = "" if scope.condition is None else f" AND {scope.sql(2)}"
    rows = await SessionHotReads(session).fetch(
        f"SELECT c.id FROM candidates.candidate AS c WHERE c.id = ANY($1::uuid[]){where}",
        list(among), *scope.arguments)
    return {row[0] for row in rows}


class TestReadableCandidates:
    async def test_orm_and_hot_read_sql_agree_for_every_role(
            self, client: httpx.AsyncClient, session: AsyncSession,
            mint_token: TokenMinter) -> None:
        client.headers["Authorization"] = f"Bearer {mint_token('admin')}"
        a = uuid.UUID((await create_programme(client))["id"])
        b = uuid.UUID((await create_programme(client))["id"])
        institution = uuid.UUID((await create_institution(client))["id"])
        applied_a = await candidate_id(session)
        applied_b = await candidate_id(session)
        nominated = await candidate_id(session)
        await apply(client, candidate=applied_a, programme={"id": str(a)})
        await apply(client, candidate=applied_b, programme={"id": str(b)})
        session.add(Nomination(institution_id=institution, candidate_id=nominated,
                               programme_id=a))
        registered_a = (await create_candidate(session, registered_programme_id=a)).id
        student = (await create_candidate(session, registered_institution_id=institution)).id
        own = (await create_candidate(session, account_subject="account-1")).id
        await session.flush()
        among = {applied_a, applied_b, nominated, registered_a, student, own}

        expected = {
            Principal("a", "admin"): among,
            Principal("s", "service"): among,
            Principal("o", "officer", programme_ids=(a,)): {applied_a, nominated, registered_a},
            Principal("o", "officer", programme_ids=(a, b)): {applied_a, applied_b, nominated,
                                                              registered_a},
            Principal("o", "officer"): set(),
            Principal("i", "institution", institution_id=institution): {nominated, student},
            Principal("i", "institution"): set(),
            Principal("c", "candidate", candidate_id=applied_b): {applied_b},
            # The profile this account created before its token carried the id.
            Principal("account-1", "candidate"): {own},
            Principal("e", "employer", employer_id=uuid.uuid4()): set(),
            # Related by programme like an officer (ensure_sees_people refuses it before any
            # query: a ministry never sees a person here), and both writings agree on that.
            Principal("m", "ministry", programme_ids=(a,)): {applied_a, nominated,
                                                             registered_a},
            Principal("v", "visa_authority", programme_ids=(a,), country="FR"): set(),
        }
        for principal, rows in expected.items():
            assert await orm_rows(session, principal, among) == rows, principal
            assert await sql_rows(session, principal, among) == rows, principal


@pytest.mark.parametrize("role", ["employer", "visa_authority"])
def test_roles_without_people_get_no_sql_rows(role: str) -> None:
    assert repository.readable_sql(Principal("x", role, programme_ids=(uuid.uuid4(),),
                                             country="FR")).condition == "FALSE"

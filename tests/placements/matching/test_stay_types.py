"""Matching runs over vacancies of every stay type (a study has no ISCO-08 occupation), and
returnees matched again for a new stay (a programme of repeated seasons lists them)."""

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.matching.execution import MatchingJobs
from tests.candidates.factories import create_programme
from tests.placements.factories import (
    STAY_FIELDS,
    add_employer,
    add_placement,
    add_vacancy,
    create_employer,
    create_vacancy,
    host_kind,
)
from tests.placements.matching.runs import Cohort, proposals_of, run_matching, selected, skills


async def _vacancy(client: httpx.AsyncClient, programme: str, stay_type: str) -> str:
    employer = await create_employer(client, programme_id=uuid.UUID(programme),
                                     kind=host_kind(stay_type))
    vacancy = await create_vacancy(client, employer=employer, seats=1,
                                   required_skills=[{"label": "Python"}], nice_to_have_skills=[],
                                   **STAY_FIELDS[stay_type])
    return str(vacancy["id"])


class TestStayTypes:
    async def test_a_run_proposes_candidates_for_a_study_and_a_season(
            self, client: httpx.AsyncClient, candidates: httpx.AsyncClient,
            candidates_session: AsyncSession, jobs: MatchingJobs) -> None:
        programme = (await create_programme(candidates))["id"]
        study = await _vacancy(client, programme, "study")
        season = await _vacancy(client, programme, "seasonal")
        people = {name: await selected(candidates, candidates_session, programme_id=programme,
                                       gender=gender, **skills("Python"))
                  for name, gender in (("amina", "female"), ("omar", "male"))}
        run = await run_matching(client, jobs, Cohort(programme, people, {}, {}))
        assert run["status"] == "completed", run["failure"]
        proposals = await proposals_of(client, run)
        assert {p["vacancy_id"] for p in proposals} == {study, season}
        assert {p["candidate_id"] for p in proposals} == {str(c) for c in people.values()}


class TestRepeatStays:
    async def test_a_returnee_listed_again_is_matched_for_a_new_stay(
            self, client: httpx.AsyncClient, session: AsyncSession,
            candidates: httpx.AsyncClient, candidates_session: AsyncSession,
            jobs: MatchingJobs) -> None:
        programme = (await create_programme(candidates))["id"]
        season = await _vacancy(client, programme, "seasonal")
        returnee = await selected(candidates, candidates_session, programme_id=programme,
                                  **skills("Python"))
        away = await selected(candidates, candidates_session, programme_id=programme,
                              **skills("Python"))
        # Last season's stays, on a vacancy now closed: one ended, one still going on.
        host = await add_employer(session, programme_id=uuid.UUID(programme))
        last = await add_vacancy(session, employer=host, programme_id=uuid.UUID(programme),
                                 status="closed")
        await add_placement(session, vacancy=last, candidate_id=returnee, status="completed")
        await add_placement(session, vacancy=last, candidate_id=away, status="active")
        run = await run_matching(client, jobs, Cohort(programme, {}, {}, {}))
        assert run["summary"]["already_placed"] == 1
        [proposal] = await proposals_of(client, run)
        assert (proposal["candidate_id"], proposal["vacancy_id"]) == (str(returnee), season)

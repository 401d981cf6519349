"""Helpers of the matching-run tests: a programme with selected candidates (in the candidates
app) and employers with vacancies (in the placements app), runs started and awaited."""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.matching.execution import MatchingJobs
from tests.candidates.applications.helpers import apply, candidate_id
from tests.candidates.factories import create_programme
from tests.pages import all_pages
from tests.placements.factories import create_employer, create_vacancy

# What no proposal, snapshot or explanation may ever carry.
PERSONAL = {"given_name", "family_name", "email", "phone", "date_of_birth", "gender",
            "nationality", "residence_city", "residence_country", "institution"}


@dataclass
class Cohort:
    """A programme's pools: candidates by name, employers and vacancies by name."""

    programme_id: str
    candidates: dict[str, uuid.UUID]
    employers: dict[str, dict[str, Any]]
    vacancies: dict[str, dict[str, Any]]


async def selected(candidates: httpx.AsyncClient, session: AsyncSession, *,
                   programme_id: str, status: str = "selected", **profile: Any) -> uuid.UUID:
    """A candidate (fields of ``profile`` override the factory's) whose application to the
    programme is in ``status`` (set directly: only the export matters here)."""
    candidate = await candidate_id(session, **profile)
    application = await apply(candidates, candidate=candidate,
                              programme={"id": programme_id})
    await session.execute(text("UPDATE candidates.application SET status = :s WHERE id = :i"),
                          {"s": status, "i": uuid.UUID(application["id"])})
    return candidate


def skills(*labels: str) -> dict[str, Any]:
    """A candidate's skills (documents and keys) from labels."""
    return {"skills": [{"label": label} for label in labels],
            "skill_keys": [label.lower() for label in labels]}


async def cohort(placements: httpx.AsyncClient, candidates: httpx.AsyncClient,
                 candidates_session: AsyncSession) -> Cohort:
    """Two employers: ``net`` (2 seats, Python required, SQL nice) and ``java`` (1 seat, Java
    required); five candidates: ``amina`` (Python, SQL), ``omar`` (Python), ``sara`` (Java),
    ``youssef`` (Python, but French A2 where B1 is required) and ``draft`` (not selected)."""
    programme = await create_programme(candidates)
    pid = programme["id"]
    employers = {name: await create_employer(placements, programme_id=uuid.UUID(pid),
                                             name=f"{name} host {uuid.uuid4().hex[:6]}")
                 for name in ("net", "java")}
    vacancies = {
        "net": await create_vacancy(placements, employer=employers["net"], seats=2,
                                    required_skills=[{"label": "Python"}],
                                    nice_to_have_skills=[{"label": "SQL"}]),
        "java": await create_vacancy(placements, employer=employers["java"], seats=1,
                                     sector="electrical_engineering",
                                     required_skills=[{"label": "Java"}],
                                     nice_to_have_skills=[]),
    }
    people = {
        "amina": {**skills("Python", "SQL"), "gender": "female"},
        "omar": {**skills("Python"), "gender": "male", "nationality": "TN"},
        "sara": {**skills("Java"), "gender": "female"},
        "youssef": {**skills("Python"), "gender": "male",
                    "languages": [{"language": "fr", "level": "A2"}]},
    }
    found = {name: await selected(candidates, candidates_session, programme_id=pid, **profile)
             for name, profile in people.items()}
    found["draft"] = await selected(candidates, candidates_session, programme_id=pid,
                                    status="draft", **skills("Python"))
    return Cohort(programme_id=pid, candidates=found, employers=employers, vacancies=vacancies)


async def start(client: httpx.AsyncClient, body: dict[str, Any], *,
                headers: dict[str, str] | None = None) -> dict[str, Any]:
    """POST a run (expecting 202) and return it as answered, still queued."""
    response = await client.post("/v1/matching-runs", json=body, headers=headers)
    assert response.status_code == 202, response.text
    run = response.json()
    assert response.headers["location"] == f"/v1/matching-runs/{run['id']}"
    assert run["status"] == "queued"
    return run


async def finished(client: httpx.AsyncClient, jobs: MatchingJobs, run: dict[str, Any],
                   ) -> dict[str, Any]:
    """The run once its background task ended."""
    await jobs.wait()
    response = await client.get(f"/v1/matching-runs/{run['id']}")
    assert response.status_code == 200, response.text
    return response.json()


async def run_matching(client: httpx.AsyncClient, jobs: MatchingJobs, cohort: Cohort,
                       **parameters: Any) -> dict[str, Any]:
    """A run of the cohort's programme with ``parameters``, finished."""
    return await finished(client, jobs, await start(
        client, {"programme_id": cohort.programme_id, **parameters}))


async def proposals_of(client: httpx.AsyncClient, run: dict[str, Any],
                       **params: Any) -> list[dict[str, Any]]:
    """Every proposal of the run the client's caller may see."""
    return await all_pages(client, f"/v1/matching-runs/{run['id']}/proposals", **params)


def keys_of(document: Any) -> set[str]:
    """Every key at any depth of a JSON document."""
    if isinstance(document, dict):
        return set(document) | {k for value in document.values() for k in keys_of(value)}
    if isinstance(document, list):
        return {k for value in document for k in keys_of(value)}
    return set()

"""Small keyword-only factories: request bodies, objects created through the API, and rows
inserted directly (for placements in any state without walking the lifecycle)."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.employers.models import Employer
from services.placements.placements.models import Placement
from services.placements.vacancies.models import Vacancy
from services.placements.vacancies.service import add_months

PROBLEM = "application/problem+json"


def today() -> date:
    """Today in UTC, as the service sees it."""
    return datetime.now(UTC).date()


def employer_body(*, programme_ids: tuple[uuid.UUID | str, ...] = (),
                  **overrides: Any) -> dict[str, Any]:
    """A valid employer body with agreements for ``programme_ids``; override any field."""
    body: dict[str, Any] = {
        "name": f"Nordlys Software {uuid.uuid4().hex[:6]}", "country": "FR", "city": "Lyon",
        "sector": "ict", "size": "medium", "operates_in_origin_countries": ["MA"],
        "contacts": [{"name": "Claire Dubois", "email": "claire.dubois@nordlys.example",
                      "phone": "+33472000000", "role": "HR manager"}],
        "agreements": [{"programme_id": str(p), "signed_date": "2026-01-10",
                        "obligations": {"mentor": True, "stipend": True,
                                        "stipend_amount": "1200.00", "stipend_currency": "EUR",
                                        "housing_support": False}}
                       for p in programme_ids],
    }
    return body | overrides


async def create_employer(client: httpx.AsyncClient, *, programme_id: uuid.UUID | None = None,
                          headers: dict[str, str] | None = None,
                          **overrides: Any) -> dict[str, Any]:
    """Create an employer (with an agreement for ``programme_id``, new if not given)."""
    body = employer_body(programme_ids=(programme_id or uuid.uuid4(),), **overrides)
    response = await client.post("/v1/employers", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def vacancy_body(*, employer_id: str, programme_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid vacancy body; override any field."""
    body: dict[str, Any] = {
        "employer_id": employer_id, "programme_id": programme_id,
        "title": "Junior network engineer", "occupation_code": "2523", "sector": "ict",
        "description": "Network operations.",
        "required_skills": [{"uri": "http://data.europa.eu/esco/skill/00000000-e5c0-4000-8000-000000000009",
                             "label": "Configure network devices"}],
        "nice_to_have_skills": [{"uri": None, "label": "Python"}],
        "required_languages": [{"language": "fr", "min_level": "B1"}],
        "seats": 2, "start_date": (today() + timedelta(days=60)).isoformat(),
        "duration_months": 6, "location": {"country": "FR", "city": "Lyon"},
        "stipend": {"amount": "1200.00", "currency": "EUR"},
        "eligible_nationalities": ["MA", "TN"],
    }
    return body | overrides


# What a vacancy of each stay type adds to a work vacancy's body (a study also needs a
# study_provider host).
STAY_FIELDS: dict[str, dict[str, Any]] = {
    "work": {},
    "traineeship": {"stay_type": "traineeship",
                    "training_agreement_reference": "MENTOR2-TA-2026-07"},
    "study": {"stay_type": "study", "occupation_code": None, "sector": "green_energy",
              "study_programme": "Master in renewable energy engineering",
              "qualification_level": "master", "duration_months": 24},
    "seasonal": {"stay_type": "seasonal", "season": "2026", "occupation_code": "9211",
                 "sector": "agriculture", "duration_months": 4},
}


def host_kind(stay_type: str) -> str:
    """The employer kind that hosts ``stay_type``."""
    return "study_provider" if stay_type == "study" else "company"


async def create_vacancy(client: httpx.AsyncClient, *, employer: dict[str, Any] | None = None,
                         headers: dict[str, str] | None = None,
                         **overrides: Any) -> dict[str, Any]:
    """Create a vacancy for ``employer`` (a new one if not given) in its first programme."""
    employer = employer or await create_employer(client)
    body = vacancy_body(employer_id=employer["id"],
                        programme_id=employer["agreements"][0]["programme_id"], **overrides)
    response = await client.post("/v1/vacancies", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def create_placement(client: httpx.AsyncClient, *,
                           vacancy: dict[str, Any] | None = None,
                           candidate_id: uuid.UUID | str | None = None,
                           **overrides: Any) -> dict[str, Any]:
    """Propose a placement through the API (on a new vacancy if none is given)."""
    vacancy = vacancy or await create_vacancy(client)
    body = {"vacancy_id": vacancy["id"], "candidate_id": str(candidate_id or uuid.uuid4()),
            "origin_country": "MA", **overrides}
    response = await client.post("/v1/placements", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def act(client: httpx.AsyncClient, placement: dict[str, Any], action: str, *,
              json: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
              expect: int = 200) -> dict[str, Any]:
    """POST an action on a placement and check its status code; return the body."""
    response = await client.post(f"/v1/placements/{placement['id']}/{action}", json=json,
                                 headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


# --- rows -----------------------------------------------------------------------------------


async def add_employer(session: AsyncSession, *, programme_id: uuid.UUID,
                       **overrides: Any) -> Employer:
    """Insert an employer with an agreement for ``programme_id``."""
    values: dict[str, Any] = {
        "name": "Acme Host", "country": "IT", "city": "Milan", "sector": "ict", "size": "small",
        "agreements": [{"programme_id": str(programme_id), "signed_date": "2026-01-10",
                        "obligations": {}}],
        "programme_ids": [programme_id],
    }
    employer = Employer(**(values | overrides))
    session.add(employer)
    await session.flush()
    return employer


async def add_vacancy(session: AsyncSession, *, employer: Employer, programme_id: uuid.UUID,
                      **overrides: Any) -> Vacancy:
    """Insert an open vacancy of ``employer`` in ``programme_id``."""
    start = overrides.pop("start_date", today() + timedelta(days=30))
    months = overrides.pop("duration_months", 6)
    values: dict[str, Any] = {
        "employer_id": employer.id, "programme_id": programme_id, "title": "Trainee",
        "occupation_code": "2512", "sector": "ict", "seats": 3, "start_date": start,
        "duration_months": months, "end_date": add_months(start, months), "country": "IT",
        "city": "Milan", "required_skill_keys": ["python"],
        "required_skills": [{"uri": None, "label": "Python"}],
    }
    vacancy = Vacancy(**(values | overrides))
    session.add(vacancy)
    await session.flush()
    return vacancy


# What a placement in each state carries besides its status.
_STATE_VALUES: dict[str, dict[str, Any]] = {
    "visa_granted": {"visa_decision": "granted"},
    "visa_refused": {"visa_decision": "refused"},
    "active": {"visa_decision": "granted"},
    "completed": {"visa_decision": "granted"},
    "ended_early": {"visa_decision": "granted", "end_reason": "health"},
}


async def add_placement(session: AsyncSession, *, status: str = "proposed",
                        programme_id: uuid.UUID | None = None,
                        vacancy: Vacancy | None = None, **overrides: Any) -> Placement:
    """Insert a placement in ``status`` (with a new employer and vacancy unless given), with
    the dates that state implies: arrived 30 days ago once active, ended today once over."""
    if vacancy is None:
        programme_id = programme_id or uuid.uuid4()
        employer = await add_employer(session, programme_id=programme_id)
        vacancy = await add_vacancy(session, employer=employer, programme_id=programme_id)
    placement = placement_row(vacancy=vacancy, status=status, **overrides)
    session.add(placement)
    await session.flush()
    await session.refresh(placement)
    return placement


def placement_row(*, vacancy: Vacancy, status: str = "proposed",
                  **overrides: Any) -> Placement:
    """A placement on ``vacancy`` in ``status``, as :func:`add_placement` inserts it, not added
    to any session yet (to insert many at once); its id is given, not left to Postgres."""
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "candidate_id": uuid.uuid4(), "vacancy_id": vacancy.id,
        "employer_id": vacancy.employer_id, "programme_id": vacancy.programme_id,
        "destination_country": vacancy.country, "origin_country": "MA",
        "start_date": today() - timedelta(days=30), "end_date": today() + timedelta(days=150),
        "status": status, **_STATE_VALUES.get(status, {}),
    }
    if status in ("active", "completed", "ended_early"):
        values["actual_start_date"] = today() - timedelta(days=30)
    if status in ("completed", "ended_early"):
        values["actual_end_date"] = today()
    return Placement(**(values | overrides))

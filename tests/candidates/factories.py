"""Small keyword-only factories of request bodies and objects created through the API."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates.models import Candidate, Consent

# A skill of the shipped ESCO subset (shared/esco/classification.json).
PYTHON_URI = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"


def programme_body(**overrides: Any) -> dict[str, Any]:
    """A valid programme creation body with an open intake; override any field."""
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "code": f"P-{uuid.uuid4().hex[:10].upper()}",
        "name": "HOMERe test intake",
        "origin_countries": ["MA", "TN"],
        "destination_countries": ["FR"],
        "sectors": ["ict", "electrical_engineering"],
        "intake_opens_at": (now - timedelta(days=10)).isoformat(),
        "intake_closes_at": (now + timedelta(days=30)).isoformat(),
        "capacity": 50,
        "gender_balance_min_share": "0.40",
        "eligibility": {"min_age": 18, "max_age": 35, "min_education_level": "bachelor",
                        "required_languages": [{"language": "fr", "min_level": "B1"}]},
        "required_consents": ["data_processing"],
    }
    body.update(overrides)
    return body


async def create_programme(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """Create a programme through the API and return its body."""
    response = await client.post("/v1/programmes", json=programme_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def create_candidate(session: AsyncSession, **overrides: Any) -> Candidate:
    """Insert a candidate row directly (for tests of other domains); override any column."""
    values: dict[str, Any] = {
        "given_name": "Amina", "family_name": "Benali",
        "email": f"amina.{uuid.uuid4().hex[:12]}@example.org",
        "date_of_birth": date(2000, 5, 17), "gender": "female", "nationality": "MA",
        "residence_country": "MA", "residence_city": "Rabat",
        "education": [{"institution": "Université Mohammed V", "level": "bachelor",
                       "field": "computer science", "year": 2022}],
        "skills": [{"label": "python"}, {"label": "sql"}], "skill_keys": ["python", "sql"],
        "languages": [{"language": "fr", "level": "B2"}, {"language": "ar", "level": "C2"}],
        "preferred_sectors": ["ict"], "preferred_countries": ["FR"],
        "available_from_date": date(2026, 1, 1),
    }
    values.update(overrides)
    candidate = Candidate(**values)
    session.add(candidate)
    await session.flush()
    await session.refresh(candidate)
    return candidate


async def give_consent(session: AsyncSession, *, candidate_id: uuid.UUID,
                       purpose: str = "data_processing", action: str = "given") -> Consent:
    """Append a consent event for a candidate directly."""
    consent = Consent(candidate_id=candidate_id, purpose=purpose, text_version="v1",
                      action=action)
    session.add(consent)
    await session.flush()
    return consent


def institution_body(**overrides: Any) -> dict[str, Any]:
    """A valid institution creation body; override any field."""
    body: dict[str, Any] = {
        "name": f"Université Mohammed V {uuid.uuid4().hex[:8]}", "kind": "university",
        "country": "MA", "city": "Rabat", "contact_email": "mobility@um5.example.org",
    }
    body.update(overrides)
    return body


async def create_institution(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """Create an institution through the API and return its body."""
    response = await client.post("/v1/institutions", json=institution_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def training_module_body(**overrides: Any) -> dict[str, Any]:
    """A valid training module body with a unique code; override any field."""
    body: dict[str, Any] = {
        "code": f"M-{uuid.uuid4().hex[:8].upper()}", "title": "Professional French (B2)",
        "description": "Workplace French.", "hours": "40", "required": True, "position": 0,
    }
    body.update(overrides)
    return body


async def create_training_module(client: httpx.AsyncClient, *, programme_id: str,
                                 **overrides: Any) -> dict[str, Any]:
    """Create a training module in a programme through the API and return its body."""
    response = await client.post(f"/v1/programmes/{programme_id}/training-modules",
                                 json=training_module_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def enrol_candidate(client: httpx.AsyncClient, *, module_id: str,
                          candidate_id: uuid.UUID | str) -> dict[str, Any]:
    """Enrol a candidate in a module through the API and return the enrolment."""
    response = await client.post(f"/v1/training-modules/{module_id}/enrolments",
                                 json={"candidate_id": str(candidate_id)})
    assert response.status_code == 201, response.text
    return response.json()


def candidate_body(**overrides: Any) -> dict[str, Any]:
    """A valid candidate profile body with a unique email; override any field."""
    body: dict[str, Any] = {
        "given_name": "Amina", "family_name": "Benali",
        "email": f"amina.{uuid.uuid4().hex[:12]}@example.org", "phone": "+212612345678",
        "date_of_birth": "2000-05-17", "gender": "female", "nationality": "MA",
        "residence_country": "MA", "residence_city": "Rabat",
        "education": [{"institution": "Université Mohammed V", "level": "bachelor",
                       "field": "computer science", "year": 2022}],
        "skills": [{"uri": PYTHON_URI, "label": "Python"},
                   {"label": "SQL"}],
        "languages": [{"language": "fr", "level": "B2"}, {"language": "ar", "level": "C2"}],
        "preferred_sectors": ["ict"], "preferred_countries": ["FR"],
        "available_from_date": "2026-09-01", "available_until_date": "2027-08-31",
    }
    body.update(overrides)
    return body


async def post_candidate(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """Create a candidate through the API and return its body."""
    response = await client.post("/v1/candidates", json=candidate_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()

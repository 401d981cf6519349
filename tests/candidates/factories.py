"""Small keyword-only factories of request bodies and objects created through the API."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates.models import Candidate, Consent


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

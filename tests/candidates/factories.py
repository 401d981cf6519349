"""Small keyword-only factories of request bodies and objects created through the API."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx


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

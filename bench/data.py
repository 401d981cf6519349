"""Deterministic synthetic candidates for the benchmarks (fixed seed)."""

import random
from collections.abc import Iterator
from datetime import date
from typing import Any

NATIONALITIES = ("MA", "TN", "NG", "SN", "EG")
SECTORS = ("ict", "electrical_engineering", "logistics", "agriculture", "hospitality",
           "construction", "healthcare", "green_energy")
LANGUAGES = ("fr", "en", "ar", "it", "es", "de", "nl")
LEVELS = ("A2", "B1", "B2", "C1", "C2")


def candidate_documents(count: int, *, seed: int = 7, tag: str = "") -> Iterator[dict[str, Any]]:
    """``count`` valid ``POST /v1/candidates`` bodies, ~10 skills each from ~3,000."""
    rng = random.Random(seed)
    for i in range(count):
        languages = rng.sample(LANGUAGES, k=rng.randint(1, 3))
        yield {
            "given_name": f"Given{i}", "family_name": f"Family{i}{tag}",
            "email": f"candidate{i}{tag}@bench.example.org",
            "date_of_birth": date(1990 + rng.randint(0, 14), rng.randint(1, 12),
                                  rng.randint(1, 28)).isoformat(),
            "gender": rng.choice(("female", "male")),
            "nationality": rng.choice(NATIONALITIES), "residence_country": "MA",
            "residence_city": "Rabat",
            "education": [{"institution": "University", "level": rng.choice(
                ("bachelor", "master", "short_tertiary")), "field": "engineering",
                "year": rng.randint(2010, 2025)}],
            "skills": [{"label": f"skill-{rng.randrange(3000)}"} for _ in range(10)],
            "languages": [{"language": lang, "level": rng.choice(LEVELS)} for lang in languages],
            "preferred_sectors": rng.sample(SECTORS, k=2),
            "preferred_countries": ["FR", "IT"],
            "available_from_date": "2026-09-01",
        }


def csv_of(documents: list[dict[str, Any]]) -> bytes:
    """The same candidates as the import's CSV format."""
    header = ("given_name,family_name,email,date_of_birth,gender,nationality,residence_country,"
              "residence_city,education_level,education_field,education_institution,"
              "education_year,skills,languages,preferred_sectors,preferred_countries,"
              "available_from_date")
    lines = [header]
    for d in documents:
        education = d["education"][0]
        lines.append(",".join([
            d["given_name"], d["family_name"], d["email"], d["date_of_birth"], d["gender"],
            d["nationality"], d["residence_country"], d["residence_city"], education["level"],
            education["field"], education["institution"], str(education["year"]),
            "; ".join(s["label"] for s in d["skills"]),
            "; ".join(f"{x['language']}:{x['level']}" for x in d["languages"]),
            "; ".join(d["preferred_sectors"]), "; ".join(d["preferred_countries"]),
            d["available_from_date"]]))
    return ("\n".join(lines) + "\n").encode()

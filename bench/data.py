"""Deterministic synthetic candidates for the benchmarks (fixed seed).

Names are drawn from the demo's lists of common Moroccan, Tunisian, Senegalese and Nigerian
given and family names, by nationality and gender, so that duplicate detection meets a real
file's spread of names: many people share a name, few also share a date of birth. Besides,
:data:`NEAR_DUPLICATES` of the people sign up twice, a second time with their names swapped,
folded to ASCII or otherwise spelt another way, the same date of birth and another e-mail.
"""

import random
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from demo.people import NAMES
from services.candidates.duplicates.names import fold_latin

NATIONALITIES = ("MA", "TN", "NG", "SN")
SECTORS = ("ict", "electrical_engineering", "logistics", "agriculture", "hospitality",
           "construction", "healthcare", "green_energy")
LANGUAGES = ("fr", "en", "ar", "it", "es", "de", "nl")
LEVELS = ("A2", "B1", "B2", "C1", "C2")
NEAR_DUPLICATES = 0.01  # share of people who sign up a second time
# How a second sign-up spells the same name (given, family).
_SPELLINGS: tuple[Callable[[str, str], tuple[str, str]], ...] = (
    lambda given, family: (family, given),
    lambda given, family: (fold_latin(given), fold_latin(family)),
    lambda given, family: (given.upper(), family.upper()),
    lambda given, family: (given.replace("ou", "u").replace("y", "i"),
                           family.replace(" ", "-")))


def candidate_documents(count: int, *, seed: int = 7, tag: str = "") -> Iterator[dict[str, Any]]:
    """``count`` valid ``POST /v1/candidates`` bodies, ~10 skills each from ~3,000."""
    rng = random.Random(seed)
    earlier: list[tuple[str, str, str]] = []  # names and date of birth of each one drawn
    for i in range(count):
        languages = rng.sample(LANGUAGES, k=rng.randint(1, 3))
        gender, nationality = rng.choice(("female", "male")), rng.choice(NATIONALITIES)
        if earlier and rng.random() < NEAR_DUPLICATES:
            given, family, born = rng.choice(earlier)
            given, family = rng.choice(_SPELLINGS)(given, family)
        else:
            given_names, family_names = NAMES[nationality]
            given, family = rng.choice(given_names[gender]), rng.choice(family_names)
            born = date(1990 + rng.randint(0, 14), rng.randint(1, 12),
                        rng.randint(1, 28)).isoformat()
        earlier.append((given, family, born))
        yield {
            "given_name": given, "family_name": family,
            "email": f"candidate{i}{tag}@bench.example.org", "date_of_birth": born,
            "gender": gender, "nationality": nationality, "residence_country": "MA",
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

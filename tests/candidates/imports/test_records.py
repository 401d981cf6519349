"""An imported line is written as ``POST /v1/candidates`` would store the same body."""

import gc

import orjson
import pytest

from services.candidates.candidates.schemas import CandidateCreate
from services.candidates.candidates.service import skill_keys
from services.candidates.duplicates import matching
from services.candidates.imports.records import COLUMNS, record
from services.candidates.imports.schemas import candidate_row
from shared import sealing

_JSON = {"education", "skills", "languages"}
_ARRAYS = {"skill_keys", "preferred_sectors", "preferred_countries"}

BODIES = [
    {"given_name": "Amina", "family_name": "Benali", "email": "Amina@Example.org",
     "phone": "+212612345678", "date_of_birth": "2000-05-17", "gender": "female",
     "nationality": "MA", "residence_country": "MA", "residence_city": "Rabat",
     "education": [{"institution": "UM5", "level": "bachelor", "field": "cs", "year": 2022},
                   {"institution": "ENSIAS", "level": "master", "year": 2024}],
     "skills": [{"uri": "https://esco.example/s/1", "label": "Python"}, {"label": "python"},
                {"uri": "https://esco.example/s/2"}],
     "languages": [{"language": "fr", "level": "B2"}, {"language": "ar", "level": "C2"}],
     "preferred_sectors": ["ict"], "preferred_countries": ["FR", "BE"],
     "available_from_date": "2026-09-01", "available_until_date": "2027-08-31"},
    {"given_name": "Youssef", "family_name": "Alaoui", "email": "y@example.org",
     "date_of_birth": "1999-03-02", "gender": "male", "nationality": "MA",
     "residence_country": "FR"},
]


@pytest.mark.parametrize("body", BODIES, ids=["full", "minimal"])
def test_record_is_what_the_service_stores(body: dict[str, object]) -> None:
    created = CandidateCreate.model_validate(body)
    stored = created.model_dump() | {
        "skill_keys": skill_keys(created.skills),
        "email_digest": sealing.email_digest(created.email),
        "name_key": matching.name_key(created.given_name, created.family_name)}
    row = dict(zip(COLUMNS, record(candidate_row.validate_python(body)), strict=True))
    for column, value in row.items():
        if column in _JSON:
            assert orjson.loads(value) == stored[column], column
        elif column in _ARRAYS:
            assert list(value) == stored[column], column
        else:
            assert value == stored[column], column


def test_a_waiting_record_costs_the_collector_nothing() -> None:
    # Batches of rows wait for their COPY; as tuples of atomic values, the collector drops them
    # from its lists after a pass or two (inner tuples first) instead of walking them on every
    # collection after.
    row = record(candidate_row.validate_python(BODIES[0]))
    gc.collect()
    gc.collect()
    assert not gc.is_tracked(row)

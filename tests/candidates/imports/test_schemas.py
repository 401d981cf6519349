"""The import's line schema stays in step with ``CandidateCreate``: same fields, same verdicts."""

from typing import Any

import pytest
from pydantic import ValidationError

from services.candidates.candidates.schemas import CandidateCreate
from services.candidates.imports.schemas import (
    _CandidateRow,
    candidate_row,
    stripped_candidate_row,
)


def _body(**changes: Any) -> dict[str, Any]:
    body = {"given_name": "Amina", "family_name": "Benali", "email": "amina@example.org",
            "date_of_birth": "2000-05-17", "gender": "female", "nationality": "MA",
            "residence_country": "MA", "residence_city": "Rabat",
            "education": [{"institution": "UM5", "level": "bachelor", "year": 2022}],
            "skills": [{"label": "python"},
                       {"uri": "https://data.europa.eu/esco/skill/CCD0A1D9-afda-43d9-b901-96344886e14d"}],
            "languages": [{"language": "fr", "level": "B2"}],
            "preferred_sectors": ["ict"], "preferred_countries": ["FR"],
            "available_from_date": "2026-09-01"}
    return body | changes


CASES = {
    "valid": _body(),
    "minimal": {key: _body()[key] for key in ("given_name", "family_name", "email",
                                             "date_of_birth", "gender", "nationality",
                                             "residence_country")},
    "padded": _body(given_name="  Amina ", skills=[{"label": " python "}]),
    "unknown country": _body(nationality="XX"),
    "bad email": _body(email="not-an-email"),
    "unnamed skill": _body(skills=[{"label": "sql"}, {}]),
    "null skill names": _body(skills=[{"uri": None, "label": None}]),
    "bad skill uri": _body(skills=[{"uri": "ftp://x"}]),
    "long label": _body(skills=[{"label": "x" * 201}]),
    "too many skills": _body(skills=[{"label": f"s{i}"} for i in range(101)]),
    "language twice": _body(languages=[{"language": "fr", "level": "B2"},
                                       {"language": "fr", "level": "C1"}]),
    "bad level": _body(languages=[{"language": "fr", "level": "D1"}]),
    "education without institution": _body(education=[{"level": "master", "year": 2020}]),
    "education year": _body(education=[{"institution": "U", "level": "master", "year": 1900}]),
    "availability order": _body(available_until_date="2026-01-01"),
    "unknown field": _body(status="selected"),
    "unknown skill field": _body(skills=[{"label": "sql", "level": 3}]),
    "future birth": _body(date_of_birth="2999-01-01"),
    "bad phone": _body(phone="0612"),
}


def _verdict(validate: Any, document: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    try:
        validate(document)
    except ValidationError as exc:
        return sorted((tuple(e["loc"]), e["msg"]) for e in exc.errors())
    return []


def test_same_fields() -> None:
    assert set(_CandidateRow.__annotations__) == set(CandidateCreate.model_fields)


@pytest.mark.parametrize("case", CASES)
def test_same_verdict_and_errors(case: str) -> None:
    document = CASES[case]
    assert (_verdict(candidate_row.validate_python, document)
            == _verdict(CandidateCreate.model_validate, document))


@pytest.mark.parametrize("case", CASES)
def test_stripped_variant_agrees_on_stripped_text(case: str) -> None:
    # The CSV reader strips every string before validation; with that done, skipping
    # pydantic's own stripping must not change a verdict or a value.
    def strip(value: Any) -> Any:
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, dict):
            return {key: strip(item) for key, item in value.items()}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    document = strip(CASES[case])
    verdict = _verdict(candidate_row.validate_python, document)
    assert _verdict(stripped_candidate_row.validate_python, document) == verdict
    if not verdict:
        assert (stripped_candidate_row.validate_python(document)
                == candidate_row.validate_python(document))


def test_nested_entries_have_their_stored_shape() -> None:
    row = candidate_row.validate_python(CASES["padded"])
    assert row["given_name"] == "Amina"
    assert row["skills"] == [{"uri": None, "label": "python", "esco": False}]
    assert row["education"] == [{"institution": "UM5", "level": "bachelor", "field": None,
                                 "year": 2022}]
    stored = CandidateCreate.model_validate(CASES["padded"])
    assert row["skills"] == [skill.model_dump() for skill in stored.skills]
    assert row["education"] == [entry.model_dump() for entry in stored.education]

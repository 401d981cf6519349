"""The per-person follow-up export lists only people whose ``data_processing`` consent is in
force when it is made (asked of the candidates service as this service), and says how many it
left out; an export is never made unchecked."""

import csv
import io
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.reintegration import conftest
from tests.reintegration.indicators.test_indicators import Dataset, dataset

__all__ = ["dataset"]  # the fixture, used below


@pytest.fixture
def lapsed() -> Any:
    """Candidates the stand-in candidates service says withdrew; emptied after the test."""
    try:
        yield conftest.LAPSED
    finally:
        conftest.LAPSED.clear()


async def _rows(client: httpx.AsyncClient, dataset: Dataset) -> tuple[list[dict[str, str]], str]:
    response = await client.get("/v1/follow-ups/export.csv",
                                params={"programme_id": str(dataset.programme_id)})
    assert response.status_code == 200, response.text
    return (list(csv.DictReader(io.StringIO(response.text))),
            response.headers["pathways-left-out-for-consent"])


async def test_a_person_who_withdrew_is_left_out_and_counted(
        client: httpx.AsyncClient, session: AsyncSession, dataset: Dataset,
        lapsed: set[str]) -> None:
    everyone, none_left_out = await _rows(client, dataset)
    assert none_left_out == "0"
    people = (await session.execute(text(
        "SELECT c.candidate_id::text, count(*) FROM reintegration.follow_up AS f "
        "JOIN reintegration.returnee_case AS c ON c.id = f.case_id "
        "WHERE f.programme_id = :p AND f.status IN ('completed', 'overdue') "
        "GROUP BY 1 ORDER BY 2 DESC"), {"p": dataset.programme_id})).all()
    assert len(everyone) == sum(rows for _, rows in people)
    withdrew, their_rows = people[0]
    lapsed.add(withdrew)
    kept, left_out = await _rows(client, dataset)
    assert left_out == "1"
    assert len(kept) == len(everyone) - their_rows
    # Each export is in the access record of each person in it: twice for those kept, once
    # for her (the export that left her out did not use her data).
    entries = dict((await session.execute(text(
        "SELECT candidate_id::text, count(*) FROM reintegration.access_record "
        "WHERE action = 'export' AND resource_type = 'follow_ups' AND resource_id = :p "
        "GROUP BY 1"), {"p": str(dataset.programme_id)})).all())
    assert entries == {person: 1 if person == withdrew else 2 for person, _ in people}


async def test_no_export_when_consent_cannot_be_checked(
        client: httpx.AsyncClient, dataset: Dataset, reintegration_app: FastAPI) -> None:
    kept = reintegration_app.state.candidates_client
    reintegration_app.state.candidates_client = None
    try:
        response = await client.get("/v1/follow-ups/export.csv",
                                    params={"programme_id": str(dataset.programme_id)})
    finally:
        reintegration_app.state.candidates_client = kept
    assert response.status_code == 503
    assert response.json()["type"] == "/problems/candidates-unavailable"

"""Migration rein0004 on data: a person who came back twice had two cases, which become one
case of two stays (and two again on the way down); every follow-up and measure keeps its place.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import asyncpg
import pytest

from launcher import migrate
from launcher.topology import service
from tests.conftest import RunDatabase

SPEC = service("reintegration")
PROGRAMME, PERSON, LONER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
# (case id, placement id, created, return date, status, notes)
FIRST = (uuid.uuid4(), uuid.uuid4(), datetime(2025, 7, 1, tzinfo=UTC), date(2025, 6, 30),
         "closed", "Prefers calls after 18:00.")
SECOND = (uuid.uuid4(), uuid.uuid4(), datetime(2026, 7, 2, tzinfo=UTC), date(2026, 7, 1),
          "open", "Back for a second season.")
ALONE = (uuid.uuid4(), uuid.uuid4(), datetime(2026, 1, 5, tzinfo=UTC), date(2026, 1, 4),
         "open", None)


async def _to(url: str, revision: str, *, down: bool = False) -> None:
    step = migrate.downgrade if down else migrate.upgrade
    await asyncio.to_thread(step, SPEC, url, revision)


@pytest.fixture
async def old_schema(scratch_database: RunDatabase) -> AsyncIterator[asyncpg.Connection]:
    """The scratch database's reintegration schema at rein0003, holding the duplicates; at
    head again afterwards."""
    url = scratch_database.url("reintegration")
    await _to(url, "rein0003", down=True)
    connection = await asyncpg.connect(url)
    try:
        for candidate, (case_id, placement, created, returned, status, notes) in (
                (PERSON, FIRST), (PERSON, SECOND), (LONER, ALONE)):
            closed = created if status == "closed" else None
            await connection.execute(
                "INSERT INTO reintegration.returnee_case (id, placement_id, candidate_id, "
                "programme_id, destination_country, sector, return_date, placement_outcome, "
                "status, notes, closed_at, close_reason, created_at) VALUES ($1, $2, $3, $4, "
                "'ES', 'agriculture', $5, 'completed', $6, $7, $8, $9, $10)",
                case_id, placement, candidate, PROGRAMME, returned, status, notes, closed,
                "follow_up_finished" if closed else None, created)
            for point in (0, 6):
                answered = point == 0
                await connection.execute(
                    "INSERT INTO reintegration.follow_up (case_id, programme_id, point_months, "
                    "due_date, window_closes_at, status, completed_at, employment_status, "
                    "recorded_via) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    case_id, PROGRAMME, point, returned, created,
                    "completed" if answered else "cancelled" if closed else "scheduled",
                    created if answered else None, "seeking_work" if answered else None,
                    "caseworker" if answered else None)
            await connection.execute(
                "INSERT INTO reintegration.support_measure (case_id, programme_id, kind, "
                "created_by) VALUES ($1, $2, 'mentoring', 'officer')", case_id, PROGRAMME)
        yield connection
    finally:
        await connection.close()
        await _to(url, "head")


async def test_duplicates_merge_into_one_case_of_two_stays_and_split_back(
        scratch_database: RunDatabase, old_schema: asyncpg.Connection) -> None:
    url, connection = scratch_database.url("reintegration"), old_schema
    assert await connection.fetchval("SELECT count(*) FROM reintegration.returnee_case "
                                     "WHERE candidate_id = $1", PERSON) == 2
    await _to(url, "head")

    cases = await connection.fetch(
        "SELECT * FROM reintegration.returnee_case WHERE programme_id = $1 ORDER BY created_at",
        PROGRAMME)
    assert [c["id"] for c in cases] == [FIRST[0], ALONE[0]]  # the oldest case is kept
    merged = cases[0]
    assert (merged["placement_id"], merged["return_date"]) == (SECOND[1], SECOND[3])
    assert (merged["status"], merged["closed_at"], merged["close_reason"]) == \
        ("open", None, None)
    assert merged["notes"] == f"{FIRST[5]}\n\n{SECOND[5]}"
    stays = await connection.fetch(
        "SELECT * FROM reintegration.returnee_stay WHERE case_id = $1 ORDER BY return_date",
        FIRST[0])
    assert [(s["placement_id"], s["return_date"]) for s in stays] == [
        (FIRST[1], FIRST[3]), (SECOND[1], SECOND[3])]
    follow_ups = await connection.fetch(
        "SELECT case_id, stay_id, point_months, status, answered_on "
        "FROM reintegration.follow_up WHERE case_id = $1 ORDER BY due_date, point_months",
        FIRST[0])
    by_stay = {s["id"]: s["placement_id"] for s in stays}
    assert [(by_stay[f["stay_id"]], f["point_months"], f["status"]) for f in follow_ups] == [
        (FIRST[1], 0, "completed"), (FIRST[1], 6, "cancelled"),
        (SECOND[1], 0, "completed"), (SECOND[1], 6, "scheduled")]
    assert [f["answered_on"] for f in follow_ups if f["status"] == "completed"] == \
        [FIRST[2].date(), SECOND[2].date()]
    measures = await connection.fetch(
        "SELECT case_id, candidate_id, stage FROM reintegration.support_measure "
        "WHERE programme_id = $1 ORDER BY candidate_id = $2", PROGRAMME, PERSON)
    assert [tuple(m) for m in measures] == [
        (ALONE[0], LONER, "after_return"), (FIRST[0], PERSON, "after_return"),
        (FIRST[0], PERSON, "after_return")]

    # Down again: one case per stay, each with its own follow-ups; the measures stay with the
    # first.
    await _to(url, "rein0003", down=True)
    cases = await connection.fetch(
        "SELECT id, placement_id, return_date, status FROM reintegration.returnee_case "
        "WHERE candidate_id = $1 ORDER BY return_date", PERSON)
    assert [(c["placement_id"], c["return_date"]) for c in cases] == [
        (FIRST[1], FIRST[3]), (SECOND[1], SECOND[3])]
    counts = await connection.fetch(
        "SELECT case_id, count(*) AS n FROM reintegration.follow_up WHERE programme_id = $1 "
        "GROUP BY case_id", PROGRAMME)
    assert sorted(r["n"] for r in counts) == [2, 2, 2]
    assert await connection.fetchval(
        "SELECT count(*) FROM reintegration.support_measure WHERE programme_id = $1",
        PROGRAMME) == 3

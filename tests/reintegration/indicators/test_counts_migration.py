"""Migration rein0007 counts the rows there are: a programme's cases, stays, follow-ups (some
cancelled) and support measures written before it give, once it ran, exactly the indicators
computed from the rows (people with two measures of a kind counted once); and again after going
down and up."""

import asyncio
from datetime import UTC, datetime

import asyncpg
import pytest

from bench import indicators as generated
from launcher import migrate
from launcher.topology import service
from tests.conftest import RunDatabase
from tests.reintegration.indicators.test_counts import same

SPEC = service("reintegration")


async def _to(url: str, revision: str, *, down: bool = False) -> None:
    step = migrate.downgrade if down else migrate.upgrade
    await asyncio.to_thread(step, SPEC, url, revision)


async def test_the_migration_counts_the_rows_there_are(scratch_database: RunDatabase,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generated, "CASES", 400)
    monkeypatch.setattr(generated, "MEASURES", 120)
    url = scratch_database.url("reintegration")
    await _to(url, "rein0006", down=True)
    connection = await asyncpg.connect(url)
    try:
        now = datetime.now(UTC)
        programme, cases = generated.cases_of(now.date())
        stays = [(c[0], c[0], c[3], c[1], c[5], c[7], c[8], c[9]) for c in cases]
        for table, columns, rows in (
                ("returnee_case", generated._CASE_COLUMNS, cases),
                ("returnee_stay", generated._STAY_COLUMNS, stays),
                ("follow_up", generated._FOLLOW_UP_COLUMNS,
                 list(generated.follow_ups_of(cases, now))),
                ("support_measure", generated._MEASURE_COLUMNS, generated.measures_of(cases))):
            await connection.copy_records_to_table(table, schema_name="reintegration",
                                                   columns=columns, records=rows)
        await connection.execute(
            "UPDATE reintegration.follow_up SET status = 'cancelled', cancelled_at = now() "
            "WHERE status = 'scheduled' AND point_months = 12")
        await connection.execute(
            "UPDATE reintegration.support_measure SET status = 'cancelled' "
            "WHERE kind = 'mentoring'")
        # A second grant or referral for the same people: people are counted once.
        await connection.execute(
            "INSERT INTO reintegration.support_measure (case_id, candidate_id, programme_id, "
            "stage, kind, status, amount, currency, disbursed_date, created_by) "
            "SELECT case_id, candidate_id, programme_id, stage, kind, status, amount, currency, "
            "disbursed_date, created_by FROM reintegration.support_measure "
            "WHERE kind IN ('micro_grant', 'job_referral')")
        await _to(url, "head")
        await same(connection, [programme], "the migration")
        await _to(url, "rein0006", down=True)
        await _to(url, "head")
        await same(connection, [programme], "down and up again")
    finally:
        await connection.close()
        await _to(url, "head")

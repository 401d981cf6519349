"""Bulk import over HTTP: good lines in, bad lines reported with their number and reason."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from services.candidates.imports.records import Line, owner, record
from services.candidates.imports.schemas import candidate_row
from services.candidates.imports.service import import_candidates
from services.candidates.imports.writing import write_batch
from shared import sealing
from shared.db import Database
from tests.candidates.factories import PYTHON_URI
from tests.conftest import RunDatabase

CSV_HEADER = ("given_name,family_name,email,date_of_birth,gender,nationality,residence_country,"
              "education_level,education_field,education_institution,education_year,skills,"
              "languages,preferred_sectors,preferred_countries,available_from_date\n")


def _csv_line(email: str, **cells: str) -> str:
    values = {"given_name": "Youssef", "family_name": "Alaoui", "email": email,
              "date_of_birth": "1999-03-02", "gender": "male", "nationality": "MA",
              "residence_country": "MA", "education_level": "master",
              "education_field": "electrical engineering",
              "education_institution": "ENSIAS", "education_year": "2023",
              "skills": "python; https://data.europa.eu/esco/skill/CCD0A1D9-afda-43d9-b901-96344886e14d",
              "languages": "fr:C1; en:B2",
              "preferred_sectors": "ict; electrical_engineering", "preferred_countries": "FR; BE",
              "available_from_date": "2026-09-01"} | cells
    return ",".join(values[c] for c in CSV_HEADER.strip().split(",")) + "\n"


def _unique() -> str:
    return uuid.uuid4().hex[:12]


@pytest.fixture
async def family(candidates_app: FastAPI) -> AsyncIterator[str]:
    """A family name for the candidates a test commits, deleted afterwards: lists ordered by
    creation in later tests must not drown in a bulk test's rows."""
    name = f"Bulk{_unique()}"
    yield name
    async with candidates_app.state.database.engine.begin() as connection:
        await connection.execute(
            text("DELETE FROM candidates.candidate WHERE family_name = :name"), {"name": name})


async def _import(client: httpx.AsyncClient, body: str | bytes, media_type: str) -> httpx.Response:
    return await client.post("/v1/candidate-imports", content=body,
                              headers={"content-type": media_type})


class TestCsvImport:
    async def test_good_and_bad_lines(self, committing_client: httpx.AsyncClient) -> None:
        tag = _unique()
        body = (CSV_HEADER
                + _csv_line(f"ok1.{tag}@example.org")
                + _csv_line(f"bad-country.{tag}@example.org", nationality="XX")
                + _csv_line(f"ok2.{tag}@example.org", family_name=f"Zed{tag}")
                + _csv_line("not-an-email")
                + _csv_line(f"OK1.{tag}@example.org")  # same email as line 2, other case
                + _csv_line(f"bad-lang.{tag}@example.org", languages="fr-B2"))
        response = await _import(committing_client, body, "text/csv")
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["lines"], report["imported"], report["rejected"]) == (6, 2, 4)
        assert [e["line"] for e in report["errors"]] == [3, 5, 6, 7]
        assert report["errors"][0]["errors"][0]["loc"] == ["nationality"]
        listed = await committing_client.get("/v1/candidates", params={"q": f"Zed{tag}"})
        [imported] = listed.json()["items"]
        assert imported["skills"] == [
            {"uri": None, "label": "python", "esco": False},
            {"uri": PYTHON_URI, "label": None, "esco": True}]
        assert imported["languages"] == [{"language": "fr", "level": "C1"},
                                         {"language": "en", "level": "B2"}]
        assert imported["education"][0]["level"] == "master"

    async def test_reimport_rejects_every_line_and_adds_nothing(
        self, committing_client: httpx.AsyncClient
    ) -> None:
        tag = _unique()
        body = CSV_HEADER + _csv_line(f"again.{tag}@example.org", family_name=f"Again{tag}")
        first = (await _import(committing_client, body, "text/csv")).json()
        second = (await _import(committing_client, body, "text/csv")).json()
        assert (first["imported"], second["imported"], second["rejected"]) == (1, 0, 1)
        listed = await committing_client.get("/v1/candidates", params={"q": f"Again{tag}"})
        assert len(listed.json()["items"]) == 1

    async def test_padded_cells_are_stored_stripped(
        self, committing_client: httpx.AsyncClient, family: str
    ) -> None:
        tag = _unique()
        body = CSV_HEADER + _csv_line(f" pad.{tag}@example.org ", family_name=f"  {family} ",
                                      nationality=" MA", skills=" python ;  sql ",
                                      education_institution=" ENSIAS ")
        report = (await _import(committing_client, body, "text/csv")).json()
        assert report["imported"] == 1, report
        listed = await committing_client.get("/v1/candidates", params={"q": family})
        [imported] = listed.json()["items"]
        assert (imported["family_name"], imported["email"]) == (family,
                                                                 f"pad.{tag}@example.org")
        assert [s["label"] for s in imported["skills"]] == ["python", "sql"]
        assert imported["education"][0]["institution"] == "ENSIAS"

    async def test_extra_cells_are_a_bad_line(self, committing_client: httpx.AsyncClient) -> None:
        body = CSV_HEADER + _csv_line(f"x.{_unique()}@example.org").rstrip("\n") + ",extra\n"
        report = (await _import(committing_client, body, "text/csv")).json()
        assert report["rejected"] == 1 and report["errors"][0]["line"] == 2


class TestNul:
    """Postgres stores no NUL character: its line is refused, the others imported."""

    async def test_in_a_csv_cell(self, committing_client: httpx.AsyncClient,
                                 family: str) -> None:
        tag = _unique()
        body = (CSV_HEADER + _csv_line(f"a.{tag}@example.org", family_name=family)
                + _csv_line(f"b.{tag}@example.org", family_name=family,
                            education_field="civil\x00engineering"))
        response = await _import(committing_client, body, "text/csv")
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["imported"], report["rejected"]) == (1, 1)
        assert report["errors"][0]["line"] == 3
        assert "NUL" in report["errors"][0]["errors"][0]["msg"]

    async def test_in_an_ndjson_line(self, committing_client: httpx.AsyncClient,
                                     family: str) -> None:
        tag = _unique()
        good = {"given_name": "Fatou", "family_name": family, "email": f"f.{tag}@example.org",
                "date_of_birth": "2001-07-09", "gender": "female", "nationality": "SN",
                "residence_country": "SN"}
        bad = good | {"email": f"g.{tag}@example.org",
                      "skills": [{"label": "py\u0000thon"}]}
        body = orjson.dumps(good) + b"\n" + orjson.dumps(bad)  # the NUL as \u0000
        response = await _import(committing_client, body, "application/x-ndjson")
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["imported"], report["rejected"]) == (1, 1)
        assert report["errors"][0]["errors"][0]["loc"] == ["skills", "0", "label"]


class TestNdjsonImport:
    async def test_lines_are_create_bodies(self, committing_client: httpx.AsyncClient) -> None:
        tag = _unique()
        good = {"given_name": "Fatou", "family_name": f"Diop{tag}",
                "email": f"fatou.{tag}@example.org", "date_of_birth": "2001-07-09",
                "gender": "female", "nationality": "SN", "residence_country": "SN",
                "languages": [{"language": "fr", "level": "C2"}]}
        lines = [orjson.dumps(good), b"{broken", orjson.dumps(good | {"status": "selected"}),
                 b"", orjson.dumps([1, 2])]
        response = await _import(committing_client, b"\n".join(lines), "application/x-ndjson")
        report = response.json()
        assert (report["imported"], report["rejected"]) == (1, 3)
        assert [e["line"] for e in report["errors"]] == [2, 3, 5]
        assert report["errors"][1]["errors"][0]["loc"] == ["status"]

    async def test_batches_commit_separately(self, candidates_app: FastAPI) -> None:
        tag = _unique()
        lines = [orjson.dumps({"given_name": "B", "family_name": f"Batch{tag}",
                               "email": f"b{i}.{tag}@example.org", "date_of_birth": "2000-01-01",
                               "gender": "male", "nationality": "NG",
                               "residence_country": "NG"}) for i in range(25)]
        report = await import_candidates(candidates_app.state.database,
                                         content=b"\n".join(lines), file_format="ndjson",
                                         batch_size=10)
        assert (report.imported, report.batches) == (25, 3)

    async def test_many_batches_check_every_email(self, candidates_app: FastAPI,
                                                  family: str) -> None:
        # More batches than Postgres needs before it may switch the email check to a generic
        # plan: repeats within and across batches, and emails registered before, are all caught.
        tag = _unique()

        def line(i: int) -> bytes:
            return orjson.dumps({"given_name": "M", "family_name": family,
                                 "email": f"m{i}.{tag}@example.org",
                                 "date_of_birth": "2000-01-01", "gender": "female",
                                 "nationality": "TN", "residence_country": "TN"})

        database = candidates_app.state.database
        first = await import_candidates(database, content=line(0) + b"\n" + line(1),
                                        file_format="ndjson", batch_size=10)
        assert first.imported == 2
        numbers = [*range(60), 3, 59, 0]  # lines 61 and 62 repeat lines 4 and 60
        report = await import_candidates(database, content=b"\n".join(map(line, numbers)),
                                         file_format="ndjson", batch_size=4)
        assert (report.lines, report.imported, report.rejected) == (63, 58, 5)
        assert [e.line for e in report.errors] == [1, 2, 61, 62, 63]
        assert {e.errors[0]["msg"] for e in report.errors} == {"email already registered"}


class TestRefusals:
    async def test_unknown_media_type_is_415(self, client: httpx.AsyncClient) -> None:
        response = await _import(client, "a,b\n", "application/pdf")
        assert response.status_code == 415
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "/problems/unsupported-media-type"
        assert response.headers["accept-post"] == \
            "text/csv, application/x-ndjson, application/ndjson"

    async def test_too_large_is_413(self, client: httpx.AsyncClient,
                                    candidates_app: FastAPI) -> None:
        limit = candidates_app.state.settings.import_max_bytes
        response = await _import(client, b"x" * (limit + 1), "text/csv")
        assert response.status_code == 413

    async def test_not_utf8(self, client: httpx.AsyncClient) -> None:
        report = (await _import(client, b"\xff\xfe\x00bad", "text/csv")).json()
        assert report["imported"] == 0 and report["errors"][0]["line"] == 1


async def test_an_email_registered_after_the_check_is_caught_by_the_retry(
    candidates_app: FastAPI, family: str,
) -> None:
    tag = _unique()
    documents = [{"given_name": "R", "family_name": family,
                  "email": f"r{i}.{tag}@example.org", "date_of_birth": "2000-01-01",
                  "gender": "male", "nationality": "SN", "residence_country": "SN"}
                 for i in range(3)]
    database = candidates_app.state.database
    await import_candidates(database, content=orjson.dumps(documents[1]), file_format="ndjson",
                            batch_size=10)
    batch: list[Line] = [(n, record(candidate_row.validate_python(d), owner(None, None)), None)
                         for n, d in enumerate(documents, 1)]
    emails = [sealing.email_digest(d["email"]) for d in documents]  # lines are told by digest
    async with database.engine.connect() as sa_connection:
        connection = (await sa_connection.get_raw_connection()).driver_connection
        # As if the check had run before r1 was registered: the COPY hits the unique index.
        written = await write_batch(connection, batch, emails=emails, taken=set(), seen=set())
    assert (written.imported, written.taken) == (2, [2])


async def test_a_cancelled_import_leaves_its_connections_usable(database: RunDatabase,
                                                               family: str) -> None:
    tag = _unique()

    def body(prefix: str, count: int) -> bytes:
        return b"\n".join(orjson.dumps({
            "given_name": "C", "family_name": family,
            "email": f"{prefix}{i}.{tag}@example.org", "date_of_birth": "2000-01-01",
            "gender": "female", "nationality": "EG", "residence_country": "EG"})
            for i in range(count))

    # A pool of its own, as large as the import and this test need at once, so that the end
    # can draw every connection of it.
    pool = Database(database.url("candidates"), application_name="cancelled-import",
                    pool_size=4, max_overflow=0)
    try:
        # Cancelled while its COPY is under way: the COPY waits for a lock held here.
        # Known by its pool's name, not by its statement's text: before its COPY, asyncpg reads
        # the table's columns, and pg_stat_activity may show that statement instead.
        waiting = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND application_name = 'cancelled-import' "
                       "AND datname = current_database()")
        async with pool.engine.connect() as holder, pool.engine.connect() as watcher:
            await holder.execute(text("LOCK TABLE candidates.candidate IN SHARE MODE"))
            importing = asyncio.create_task(import_candidates(
                pool, content=body("c", 200), file_format="ndjson", batch_size=50))
            for _ in range(1000):
                await asyncio.sleep(0.01)
                if await watcher.scalar(waiting):
                    break
            else:
                pytest.fail("The import's COPY never waited for the lock.")
            importing.cancel()
            await holder.rollback()
        with pytest.raises(asyncio.CancelledError):
            await importing
        for attempt in range(3):
            report = await import_candidates(pool, content=body(f"after{attempt}-", 3),
                                             file_format="ndjson", batch_size=2)
            assert report.imported == 3
        # Committed for real: another connection sees them (on a connection left in the
        # cancelled batch's transaction they would only be in a savepoint of it).
        after = text("SELECT count(*) FROM candidates.candidate WHERE email LIKE :pattern")
        async with pool.engine.connect() as connection:
            assert await connection.scalar(after, {"pattern": f"after%.{tag}@example.org"}) == 9
        # And no connection of the pool is left in a transaction.
        drawn = [await pool.engine.connect() for _ in range(pool.engine.pool.size())]
        for connection in drawn:
            raw = (await connection.get_raw_connection()).driver_connection
            await raw.execute("SELECT 1")
            assert not raw.is_in_transaction()
        for connection in drawn:
            await connection.close()
    finally:
        await pool.dispose()

"""Bulk import over HTTP: good lines in, bad lines reported with their number and reason."""

import uuid

import httpx
import orjson
from fastapi import FastAPI

from services.candidates.imports.service import import_candidates

CSV_HEADER = ("given_name,family_name,email,date_of_birth,gender,nationality,residence_country,"
              "education_level,education_field,education_institution,education_year,skills,"
              "languages,preferred_sectors,preferred_countries,available_from_date\n")


def _csv_line(email: str, **cells: str) -> str:
    values = {"given_name": "Youssef", "family_name": "Alaoui", "email": email,
              "date_of_birth": "1999-03-02", "gender": "male", "nationality": "MA",
              "residence_country": "MA", "education_level": "master",
              "education_field": "electrical engineering",
              "education_institution": "ENSIAS", "education_year": "2023",
              "skills": "python; https://data.europa.eu/esco/skill/abc",
              "languages": "fr:C1; en:B2",
              "preferred_sectors": "ict; electrical_engineering", "preferred_countries": "FR; BE",
              "available_from_date": "2026-09-01"} | cells
    return ",".join(values[c] for c in CSV_HEADER.strip().split(",")) + "\n"


def _unique() -> str:
    return uuid.uuid4().hex[:12]


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
        assert imported["skills"] == [{"uri": None, "label": "python"},
                                      {"uri": "https://data.europa.eu/esco/skill/abc",
                                       "label": None}]
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

    async def test_extra_cells_are_a_bad_line(self, committing_client: httpx.AsyncClient) -> None:
        body = CSV_HEADER + _csv_line(f"x.{_unique()}@example.org").rstrip("\n") + ",extra\n"
        report = (await _import(committing_client, body, "text/csv")).json()
        assert report["rejected"] == 1 and report["errors"][0]["line"] == 2


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


class TestRefusals:
    async def test_unknown_media_type_is_415(self, client: httpx.AsyncClient) -> None:
        response = await _import(client, "a,b\n", "application/pdf")
        assert response.status_code == 415
        assert response.headers["content-type"] == "application/problem+json"

    async def test_too_large_is_413(self, client: httpx.AsyncClient,
                                    candidates_app: FastAPI) -> None:
        limit = candidates_app.state.settings.import_max_bytes
        response = await _import(client, b"x" * (limit + 1), "text/csv")
        assert response.status_code == 413

    async def test_not_utf8(self, client: httpx.AsyncClient) -> None:
        report = (await _import(client, b"\xff\xfe\x00bad", "text/csv")).json()
        assert report["imported"] == 0 and report["errors"][0]["line"] == 1

"""An import of applications: each line's person, the consents their form gives and their
application to the programme, submitted, held to the rules of the one-by-one submission; a
refused line is reported and nothing of it stored. Committed for real (the import writes on
its own connections), and removed afterwards."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from tests.candidates.factories import create_institution, create_programme
from tests.conftest import TokenMinter

NDJSON = "application/x-ndjson"
URL = "/v1/candidate-imports/applications"
NOW = datetime.now(UTC)
CONSENTED = {"consents": ["data_processing"], "consent_text_version": "2019-01"}
CSV_HEADER = ("given_name,family_name,email,date_of_birth,gender,nationality,residence_country,"
              "languages,consents,consent_text_version,submitted_at\n")


@dataclass
class World:
    """Committed programmes and an institution, and tokens of the actors who import."""

    open_now: str  # intake open today
    past: str  # intake ran a year ago
    other: str  # another officer's programme
    institution: str
    admin: str
    officer: str  # of open_now and past
    institution_token: str
    candidate: str


@pytest.fixture
async def world(committing_client: httpx.AsyncClient, candidates_app: FastAPI,
                mint_token: TokenMinter) -> AsyncIterator[World]:
    admin = mint_token("admin")
    committing_client.headers["Authorization"] = f"Bearer {admin}"
    open_now = (await create_programme(committing_client, origin_countries=["MA", "TN", "EG"],
                                       required_consents=["data_processing"]))["id"]
    past = (await create_programme(
        committing_client, intake_opens_at=(NOW - timedelta(days=400)).isoformat(),
        intake_closes_at=(NOW - timedelta(days=300)).isoformat()))["id"]
    other = (await create_programme(committing_client))["id"]
    institution = (await create_institution(committing_client, kind="employment_agency",
                                            name=f"ANAPEC {uuid.uuid4().hex[:6]}"))["id"]
    del committing_client.headers["Authorization"]
    programmes = [uuid.UUID(p) for p in (open_now, past, other)]
    yield World(open_now=open_now, past=past, other=other, institution=institution,
                admin=admin, officer=mint_token("officer", programme_ids=[open_now, past]),
                institution_token=mint_token("institution", institution_id=institution),
                candidate=mint_token("candidate", candidate_id=uuid.uuid4()))
    async with candidates_app.state.database.engine.begin() as connection:
        await connection.execute(text(
            "DELETE FROM candidates.candidate WHERE registered_programme_id = ANY(:p) "
            "OR registered_institution_id = :i"),
            {"p": programmes, "i": uuid.UUID(institution)})
        await connection.execute(text("DELETE FROM candidates.programme WHERE id = ANY(:p)"),
                                 {"p": programmes})
        await connection.execute(text("DELETE FROM candidates.institution WHERE id = :i"),
                                 {"i": uuid.UUID(institution)})


def person(n: int, tag: str, **fields: Any) -> dict[str, Any]:
    """An applicant's line: a Moroccan graduate who consented to data processing."""
    return {"given_name": "Applied", "family_name": f"Filed{tag}",
            "email": f"filed{n}.{tag}@example.org", "date_of_birth": "1999-01-01",
            "gender": "female" if n % 2 else "male", "nationality": "MA",
            "residence_country": "MA", **CONSENTED, **fields}


async def post(client: httpx.AsyncClient, token: str, lines: list[dict[str, Any]],
               **params: str) -> httpx.Response:
    return await client.post(URL, content=b"\n".join(orjson.dumps(line) for line in lines),
                             params=params, headers={"content-type": NDJSON,
                                                     "Authorization": f"Bearer {token}"})


async def get(client: httpx.AsyncClient, token: str, path: str) -> Any:
    response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def problems(report: dict[str, Any]) -> dict[int, tuple[list[str], str]]:
    """Line -> (field, problem type) of each refused line."""
    return {e["line"]: (e["errors"][0]["loc"], e["errors"][0].get("type", "validation"))
            for e in report["errors"]}


async def emails_registered(candidates_app: FastAPI, tag: str) -> int:
    async with candidates_app.state.database.engine.connect() as connection:
        found = await connection.scalar(text(
            "SELECT count(*) FROM candidates.candidate WHERE email LIKE :pattern"),
            {"pattern": f"%.{tag}@example.org"})
    return int(found or 0)


class TestOfficerFiles:
    async def test_each_line_is_a_person_with_a_submitted_application(
            self, committing_client: httpx.AsyncClient, candidates_app: FastAPI,
            world: World) -> None:
        tag = uuid.uuid4().hex[:10]
        lines = [person(1, tag, motivation="Java developer, want Flemish experience."),
                 person(2, tag, consents=["data_processing", "visa_file_sharing"])]
        response = await post(committing_client, world.officer, lines,
                              programme_id=world.open_now)
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["imported"], report["rejected"], report["programme_id"]) == (
            2, 0, world.open_now)
        assert len(report["application_ids"]) == len(report["created_ids"]) == 2
        for candidate, application_id in zip(report["created_ids"], report["application_ids"],
                                             strict=True):
            application = await get(committing_client, world.officer,
                                    f"/v1/applications/{application_id}")
            assert (application["candidate_id"], application["programme_id"]) == (
                candidate, world.open_now)
            assert application["status"] == "submitted"
            submitted = datetime.fromisoformat(application["submitted_at"])
            assert abs(submitted - datetime.now(UTC)) < timedelta(minutes=5)
            history = await get(committing_client, world.officer,
                                f"/v1/applications/{application_id}/transitions")
            assert [(t["action"], t["from_status"], t["to_status"])
                    for t in history["items"]] == [("submit", "draft", "submitted")]
        second = report["created_ids"][1]
        consents = await get(committing_client, world.officer,
                             f"/v1/candidates/{second}/consents")
        assert set(consents["current"]) == {"data_processing", "visa_file_sharing"}
        assert consents["current"]["data_processing"]["text_version"] == "2019-01"
        # The 27560 record: filed by the officer on the person's behalf, by import.
        record = consents["items"][0]
        assert (record["method"], record["given_by"]["kind"], record["given_by"]["role"],
                record["on_behalf_of"], record["jurisdiction"]) == (
            "import", "representative", "officer", second, "MA")
        motivated = await get(committing_client, world.officer,
                              f"/v1/applications/{report['application_ids'][0]}")
        assert motivated["motivation"] == "Java developer, want Flemish experience."
        async with candidates_app.state.database.engine.connect() as connection:
            events = (await connection.execute(text(
                "SELECT subject_id, payload FROM candidates.outbox "
                "WHERE type = 'application.submitted' AND subject_id = ANY(:ids)"),
                {"ids": report["application_ids"]})).all()
        assert {subject for subject, _ in events} == set(report["application_ids"])
        assert all(payload["programme_id"] == world.open_now
                   and payload["previous_status"] == "draft" for _, payload in events)

    async def test_a_past_intake_with_the_real_submission_times(
            self, committing_client: httpx.AsyncClient, world: World) -> None:
        tag = uuid.uuid4().hex[:10]
        when = (NOW - timedelta(days=350)).replace(microsecond=0)
        lines = [person(1, tag, submitted_at=when.isoformat()),
                 person(2, tag, submitted_at=(NOW - timedelta(days=200)).isoformat()),
                 person(3, tag)]  # submitted now: the intake closed
        report = (await post(committing_client, world.officer, lines,
                             programme_id=world.past)).json()
        assert report["imported"] == 1
        assert problems(report) == {2: (["submitted_at"], "intake-closed"),
                                    3: (["submitted_at"], "intake-closed")}
        [application] = report["application_ids"]
        found = await get(committing_client, world.officer, f"/v1/applications/{application}")
        assert datetime.fromisoformat(found["submitted_at"]) == when

    async def test_bad_lines_are_reported_and_nothing_of_them_stored(
            self, committing_client: httpx.AsyncClient, candidates_app: FastAPI,
            world: World) -> None:
        tag = uuid.uuid4().hex[:10]
        lines = [person(1, tag),
                 person(2, tag, consents=[], consent_text_version=None),  # consented nothing
                 person(3, tag, consents=["visa_file_sharing"]),  # not what is required
                 person(4, tag, submitted_at=(NOW + timedelta(days=1)).isoformat()),
                 person(5, tag, consents=["data_processing"], consent_text_version=None),
                 person(6, tag, nationality="XX"),
                 person(7, tag)]
        report = (await post(committing_client, world.officer, lines,
                             programme_id=world.open_now)).json()
        assert (report["lines"], report["imported"], report["rejected"]) == (7, 2, 5)
        assert problems(report) == {2: (["consents"], "consent-required"),
                                    3: (["consents"], "consent-required"),
                                    4: (["submitted_at"], "invalid-dates"),
                                    5: ([], "validation"),
                                    6: (["nationality"], "validation")}
        assert "data_processing" in report["errors"][0]["errors"][0]["msg"]
        assert await emails_registered(candidates_app, tag) == 2

    async def test_a_suspended_origin_is_refused_line_by_line(
            self, committing_client: httpx.AsyncClient, world: World) -> None:
        auth = {"Authorization": f"Bearer {world.officer}"}
        suspended = await committing_client.post(
            f"/v1/programmes/{world.open_now}/origin-suspensions", headers=auth,
            json={"country": "EG", "reason": "The Egyptian component was cancelled."})
        assert suspended.status_code == 201, suspended.text
        tag = uuid.uuid4().hex[:10]
        report = (await post(committing_client, world.officer,
                             [person(1, tag, nationality="EG"), person(2, tag, nationality="TN")],
                             programme_id=world.open_now)).json()
        assert report["imported"] == 1
        assert problems(report) == {1: (["nationality"], "origin-suspended")}

    async def test_csv_packs_the_consents(self, committing_client: httpx.AsyncClient,
                                          world: World) -> None:
        tag = uuid.uuid4().hex[:10]
        body = (CSV_HEADER
                + f"Salma,Csv{tag},s1.{tag}@example.org,1998-02-03,female,MA,MA,nl:A2,"
                  "data_processing; visa_file_sharing,2019-01,\n"
                + f"Omar,Csv{tag},s2.{tag}@example.org,1997-04-05,male,MA,MA,nl:A2,,,\n")
        response = await committing_client.post(
            URL, content=body, params={"programme_id": world.open_now},
            headers={"content-type": "text/csv", "Authorization": f"Bearer {world.officer}"})
        report = response.json()
        assert report["imported"] == 1
        assert problems(report) == {3: (["consents"], "consent-required")}
        consents = await get(committing_client, world.officer,
                             f"/v1/candidates/{report['created_ids'][0]}/consents")
        assert set(consents["current"]) == {"data_processing", "visa_file_sharing"}

    async def test_only_their_programmes_and_no_institution(
            self, committing_client: httpx.AsyncClient, world: World) -> None:
        lines = [person(1, uuid.uuid4().hex[:10])]
        other = await post(committing_client, world.officer, lines, programme_id=world.other)
        assert (other.status_code, other.json()["type"]) == (404, "/problems/programme-not-found")
        named = await post(committing_client, world.officer, lines,
                           programme_id=world.open_now, institution_id=world.institution)
        assert named.status_code == 403
        missing = await committing_client.post(
            URL, content=orjson.dumps(lines[0]),
            headers={"content-type": NDJSON, "Authorization": f"Bearer {world.officer}"})
        assert (missing.status_code, missing.json()["type"]) == (
            422, "/problems/programme-required")


class TestInstitutionFiles:
    async def test_its_people_nominated_and_submitted_now(
            self, committing_client: httpx.AsyncClient, world: World) -> None:
        tag = uuid.uuid4().hex[:10]
        lines = [person(1, tag), person(2, tag, submitted_at=NOW.isoformat())]
        response = await post(committing_client, world.institution_token, lines,
                              programme_id=world.open_now)
        assert response.status_code == 200, response.text
        report = response.json()
        assert problems(report) == {2: (["submitted_at"], "historical-entry-forbidden")}
        [candidate], [application] = report["created_ids"], report["application_ids"]
        # The institution follows the application it filed (its nomination), and so does the
        # programme's officer.
        for token in (world.institution_token, world.officer):
            found = await get(committing_client, token, f"/v1/applications/{application}")
            assert (found["status"], found["candidate_id"]) == ("submitted", candidate)
        nominations = await get(committing_client, world.institution_token,
                                f"/v1/institutions/{world.institution}/nominations")
        assert candidate in {n["candidate_id"] for n in nominations["items"]}
        person_ = await get(committing_client, world.institution_token,
                            f"/v1/candidates/{candidate}")
        assert person_["email"] == lines[0]["email"]

    async def test_a_closed_intake_is_closed_to_it(self, committing_client: httpx.AsyncClient,
                                                   world: World) -> None:
        report = (await post(committing_client, world.institution_token,
                             [person(1, uuid.uuid4().hex[:10])], programme_id=world.past)).json()
        assert (report["imported"], problems(report)) == (
            0, {1: (["submitted_at"], "intake-closed")})

    async def test_another_institution_is_404(self, committing_client: httpx.AsyncClient,
                                              world: World) -> None:
        response = await post(committing_client, world.institution_token,
                              [person(1, uuid.uuid4().hex[:10])],
                              programme_id=world.open_now, institution_id=str(uuid.uuid4()))
        assert response.status_code == 404


class TestWhoMayNot:
    @pytest.mark.parametrize("role", ["candidate", "ministry", "employer", "visa_authority"])
    async def test_other_roles_are_403(self, committing_client: httpx.AsyncClient,
                                       world: World, mint_token: TokenMinter,
                                       role: str) -> None:
        token = world.candidate if role == "candidate" else mint_token(role)
        response = await post(committing_client, token, [person(1, uuid.uuid4().hex[:10])],
                              programme_id=world.open_now)
        assert response.status_code == 403

    async def test_unknown_programme_is_404(self, committing_client: httpx.AsyncClient,
                                            world: World) -> None:
        response = await post(committing_client, world.admin, [person(1, "x")],
                              programme_id=str(uuid.uuid4()))
        assert (response.status_code, response.json()["type"]) == (
            404, "/problems/programme-not-found")


async def test_admin_files_as_an_institution(committing_client: httpx.AsyncClient,
                                             world: World) -> None:
    response = await post(committing_client, world.admin, [person(1, uuid.uuid4().hex[:10])],
                          programme_id=world.open_now, institution_id=world.institution)
    assert response.status_code == 200, response.text
    [application] = response.json()["application_ids"]
    found = await get(committing_client, world.institution_token,
                      f"/v1/applications/{application}")
    assert found["status"] == "submitted"


async def test_a_suspension_committed_while_a_batch_waits_refuses_its_lines(
        committing_client: httpx.AsyncClient, candidates_app: FastAPI, world: World) -> None:
    """The programme's rules are read in each batch's transaction, the programme share-locked:
    a batch waiting for a suspension under way sees it once it commits."""
    suspension = orjson.dumps([{"country": "EG", "reason": "cancelled",
                                "suspended_on": NOW.date().isoformat()}]).decode()
    tag = uuid.uuid4().hex[:10]
    engine = candidates_app.state.database.engine
    async with engine.connect() as holder, engine.connect() as watcher:
        await holder.execute(text(
            "UPDATE candidates.programme SET suspended_origins = CAST(:s AS jsonb) "
            "WHERE id = :p"), {"s": suspension, "p": uuid.UUID(world.open_now)})
        blocked = text("SELECT count(*) FROM pg_stat_activity "
                       "WHERE CAST(:holder AS int) = ANY(pg_blocking_pids(pid))")
        holder_pid = await holder.scalar(text("SELECT pg_backend_pid()"))
        importing = asyncio.create_task(post(
            committing_client, world.officer,
            [person(1, tag, nationality="EG"), person(2, tag)], programme_id=world.open_now))
        for _ in range(1000):
            await asyncio.sleep(0.01)
            if await watcher.scalar(blocked, {"holder": holder_pid}):
                break
        else:
            pytest.fail("The import's batch never waited for the programme.")
        await holder.commit()
    report = (await importing).json()
    assert report["imported"] == 1
    assert problems(report) == {1: (["nationality"], "origin-suspended")}

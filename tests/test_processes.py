"""The services as ``make dev`` runs them: real uvicorn processes on real ports."""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from launcher import cli
from launcher.runner import free_port, stop, wait_until_ready
from launcher.topology import service
from tests.candidates.factories import programme_body
from tests.conftest import RunDatabase
from tests.placements.factories import employer_body, vacancy_body
from tests.system import admin_token, running_system

# Building an API document is slow on a loaded machine: a wait, not a threshold.
DOCUMENT_TIMEOUT = 120.0


@pytest.fixture(scope="module")
def running(scratch_database: RunDatabase) -> Iterator[dict[str, str]]:
    """Every service started as its own process against the scratch database, wired to each
    other exactly as ``make dev`` wires them (tokens, events)."""
    with running_system(scratch_database.admin_url) as urls:
        yield urls


@pytest.fixture(scope="module")
def token(running: dict[str, str], scratch_database: RunDatabase) -> str:
    """An admin's token from the gateway, the admin made by the CLI's own function."""
    return admin_token(scratch_database.admin_url, running["gateway"])


class TestRunningSystem:
    def test_every_service_is_ready(self, running: dict[str, str]) -> None:
        for url in running.values():
            assert httpx.get(f"{url}/health/ready").json() == {"status": "ok"}

    def test_candidates_serves_docs_and_api(self, running: dict[str, str], token: str) -> None:
        url = running["candidates"]
        assert httpx.get(f"{url}/docs").status_code == 200
        spec = httpx.get(f"{url}/openapi.json", timeout=DOCUMENT_TIMEOUT).json()
        assert "/v1/programmes" in spec["paths"]
        auth = {"Authorization": f"Bearer {token}"}
        created = httpx.post(f"{url}/v1/programmes", json=programme_body(),
                             headers={"X-Request-ID": "proc-test-1", **auth})
        assert created.status_code == 201
        assert created.headers["x-request-id"] == "proc-test-1"
        fetched = httpx.get(f"{url}{created.headers['location']}", headers=auth)
        assert fetched.json() == created.json()

    def test_each_services_webhook_subscriptions_are_routed_to_it(
            self, running: dict[str, str], token: str) -> None:
        auth = {"Authorization": f"Bearer {token}"}
        for name in ("candidates", "placements", "reintegration"):
            listed = httpx.get(f"{running['gateway']}/v1/webhooks/{name}/subscriptions",
                               headers=auth)
            assert listed.status_code == 200, (name, listed.text)
            assert isinstance(listed.json(), list)
            # the service's own validation answers, naming its event types
            refused = httpx.post(f"{running['gateway']}/v1/webhooks/{name}/subscriptions",
                                 json={"url": "https://partner.example/hooks",
                                       "event_types": ["no.such-event"]}, headers=auth)
            assert refused.status_code == 422, (name, refused.text)
        document = httpx.get(f"{running['gateway']}/openapi.json", timeout=DOCUMENT_TIMEOUT).json()
        assert "/v1/webhooks/placements/subscriptions" in document["paths"]

    def test_import_candidates_command_streams_a_file_and_reports(
            self, running: dict[str, str], token: str, tmp_path: Path,
            capsys: pytest.CaptureFixture[str]) -> None:
        gateway, auth = running["gateway"], {"Authorization": f"Bearer {token}"}
        programme = httpx.post(f"{gateway}/v1/programmes", json=programme_body(),
                               headers=auth).json()["id"]
        tag = uuid.uuid4().hex[:8]
        officer = [f"officer.{tag}@example.org", "the officer's long passphrase"]
        made = httpx.post(f"{gateway}/v1/admin/accounts", headers=auth, json={
            "email": officer[0], "password": officer[1], "role": "officer",
            "programme_ids": [programme]})
        assert made.status_code == 201, made.text
        header = ("given_name,family_name,email,date_of_birth,gender,nationality,"
                  "residence_country,education_level,education_field,education_institution,"
                  "education_year,skills,languages,preferred_sectors,preferred_countries\n")
        school = "computer science,Université Mohammed V,2022"
        good = [f"Amina,Benali,amina.{tag}.{i}@example.org,2000-05-17,female,MA,MA,bachelor,"
                f"{school},python,fr:B2,ict,FR\n" for i in range(2)]
        bad = (f"Omar,Idrissi,omar.{tag}@example.org,2000-13-40,male,MA,MA,bachelor,{school},"
               ",,ict,FR\n")
        file = tmp_path / "candidates.csv"
        file.write_text(header + "".join(good) + bad)
        as_officer = ["--gateway-url", gateway, "--email", officer[0], "--password", officer[1],
                      "--no-progress"]
        # An officer names the programme the people are for; without it the import is refused.
        assert cli.main(["import-candidates", str(file), *as_officer]) == 2
        assert "import refused" in capsys.readouterr().out
        code = cli.main(["import-candidates", str(file), "--programme", programme,
                         *as_officer])
        printed = capsys.readouterr().out
        assert code == 1, printed  # some lines were rejected
        assert "3 lines read: 2 imported, 1 rejected" in printed
        assert "2 candidate ids created" in printed
        assert "line 4: date_of_birth" in printed
        # Registered for the programme: in the officer's view at once.
        login = httpx.post(f"{gateway}/v1/auth/token", data={
            "grant_type": "password", "username": officer[0], "password": officer[1]})
        seen = httpx.get(f"{gateway}/v1/candidates", headers={
            "Authorization": f"Bearer {login.json()['access_token']}"}).json()["items"]
        assert {c["email"] for c in seen} == {f"amina.{tag}.{i}@example.org" for i in range(2)}
        # An admin may name an institution instead.
        school_id = httpx.post(f"{gateway}/v1/institutions", headers=auth, json={
            "name": f"School {tag}", "kind": "university", "country": "MA"}).json()["id"]
        students = tmp_path / "students.csv"
        students.write_text(header + good[0].replace(f"amina.{tag}", f"student.{tag}"))
        assert cli.main(["import-candidates", str(students), "--institution", school_id,
                         "--gateway-url", gateway, "--token", token, "--no-progress"]) == 0
        assert "1 candidate ids created" in capsys.readouterr().out
        wrong = tmp_path / "candidates.txt"
        wrong.write_text("x")
        assert cli.main(["import-candidates", str(wrong), "--gateway-url", gateway,
                         "--token", token, "--no-progress"]) == 2

    def test_wait_run_command_follows_a_run_to_its_end(
            self, running: dict[str, str], token: str,
            capsys: pytest.CaptureFixture[str]) -> None:
        auth = {"Authorization": f"Bearer {token}"}
        gateway = running["gateway"]
        pid = httpx.post(f"{gateway}/v1/programmes", json=programme_body(),
                         headers=auth).json()["id"]
        employer = httpx.post(f"{gateway}/v1/employers", headers=auth,
                              json=employer_body(programme_ids=(pid,))).json()
        vacancy = httpx.post(f"{gateway}/v1/vacancies", headers=auth, json=vacancy_body(
            employer_id=employer["id"], programme_id=pid, seats=1))
        assert vacancy.status_code == 201, vacancy.text
        run = httpx.post(f"{running['gateway']}/v1/matching-runs",
                         json={"programme_id": pid}, headers=auth)
        assert run.status_code == 202, run.text
        code = cli.main(["wait-run", run.json()["id"], "--gateway-url", running["gateway"],
                         "--token", token, "--no-progress"])
        printed = capsys.readouterr().out
        assert code == 0, printed
        assert "matching run completed: 0 proposals for 0 candidates" in printed

    def test_services_check_the_gateways_tokens(self, running: dict[str, str],
                                                token: str) -> None:
        url = f"{running['candidates']}/v1/programmes"
        assert httpx.get(url).status_code == 401
        forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        assert httpx.get(url, headers={"Authorization": f"Bearer {forged}"}).status_code == 401
        assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200

    def test_service_connects_as_its_own_role(self, running: dict[str, str],
                                              scratch_database: RunDatabase) -> None:
        async def roles() -> set[str]:
            connection = await asyncpg.connect(scratch_database.admin_url)
            try:
                rows = await connection.fetch(
                    "SELECT DISTINCT usename FROM pg_stat_activity "
                    "WHERE application_name = 'candidates' AND datname = current_database()")
                return {r["usename"] for r in rows}
            finally:
                await connection.close()

        assert asyncio.run(roles()) == {service("candidates").role}


def test_serve_runs_one_service_as_a_container_does(scratch_database: RunDatabase) -> None:
    """``pathways serve`` (the image's command) runs one service from its settings alone."""
    port = free_port()
    env = {**os.environ, "REINTEGRATION_DATABASE_URL": scratch_database.url("reintegration"),
           "REINTEGRATION_CANDIDATES_URL": "http://candidates.invalid"}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("pathways")), "serve", "reintegration",
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", process=process)
        assert httpx.get(f"http://127.0.0.1:{port}/health/ready").json() == {"status": "ok"}
    finally:
        stop([process])

"""No log holds personal data: a whole system whose processes log to files lives through a
story that makes people and errors about them (sign-ups, a duplicate sign-up, a profile given a
used e-mail, validation errors carrying personal values, failed logins with an e-mail, an import
repeating addresses), then every service's log and the database server's log are searched for
every personal value made, and none is found.

The database server's log is the one it writes: the embedded server's file in its data
directory, or, on ``DATABASE_URL``'s server, ``pg_current_logfile()`` when its logging collector
is on, else the distribution's file (``/var/log/postgresql/postgresql-<major>-main.log``). Where
none of them is readable by the test, that part is skipped with the reason, and what the server
would log for a unique violation (the error's DETAIL, which is what goes in its log) is checked
instead; that check runs everywhere.
"""

import asyncio
import json
import random
import string
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.actors import PASSWORD, Api, login, new_email
from tests.candidates.factories import candidate_body, programme_body
from tests.conftest import RunDatabase
from tests.etags import NEW
from tests.system import admin_token, running_system


def _word(length: int = 10) -> str:
    """A made-up name nobody else's data or log holds."""
    return "".join(random.choices(string.ascii_lowercase, k=length)).capitalize()


def _phone() -> str:
    return "+2126" + "".join(random.choices(string.digits, k=8))


class Personal:
    """The personal values the story makes, to be searched for in every log."""

    def __init__(self) -> None:
        self.values: set[str] = set()

    def person(self, **overrides: Any) -> dict[str, Any]:
        """A profile of made-up, unique personal values (recorded)."""
        body = candidate_body(**{
            "given_name": _word(), "family_name": _word(),
            "email": f"{_word(8).lower()}.{uuid.uuid4().hex[:6]}@example.org",
            "phone": _phone(), "residence_city": _word(), **overrides})
        for name in ("given_name", "family_name", "email", "phone", "residence_city"):
            self.remember(body[name])
        return body

    def remember(self, value: str) -> str:
        """Search the logs for ``value`` (and, for an e-mail, its local part) too."""
        self.values.add(value)
        if "@" in value:
            self.values.add(value.split("@")[0])
        return value


def _server_log(admin_url: str) -> tuple[Path | None, str]:
    """The database server's log file, if this test can read it, and how it was found."""

    async def ask() -> tuple[str | None, str, str]:
        connection = await asyncpg.connect(make_url(admin_url).set(
            drivername="postgresql").render_as_string(hide_password=False))
        try:
            return (await connection.fetchval("SELECT pg_current_logfile()"),
                    await connection.fetchval("SELECT current_setting('data_directory')"),
                    await connection.fetchval("SELECT current_setting('server_version_num')"))
        finally:
            await connection.close()

    try:
        current, data_dir, version = asyncio.run(ask())
    except asyncpg.PostgresError as error:  # not a superuser: the settings are not readable
        return None, f"the server does not say where it logs ({error})"
    candidates = []
    if current:
        candidates.append((Path(data_dir) / current, "pg_current_logfile()"))
    candidates.append((Path(data_dir) / "log", "the embedded server's log"))
    candidates.append((Path(f"/var/log/postgresql/postgresql-{int(version) // 10000}-main.log"),
                       "the distribution's log"))
    for path, how in candidates:
        try:
            with path.open("rb"):
                return path, how
        except OSError:
            continue
    return None, "no log file of the server is readable here: " + ", ".join(
        str(path) for path, _ in candidates)


@pytest.fixture(scope="module")
def story(scratch_database: RunDatabase) -> Iterator[dict[str, Any]]:
    """The system lives through the story; its logs, the database's, and the values made."""
    personal = Personal()
    server_log, how = _server_log(scratch_database.admin_url)
    log_start = server_log.stat().st_size if server_log else 0
    with running_system(scratch_database.admin_url) as system:
        gateway = system["gateway"]
        admin = Api(gateway, admin_token(scratch_database.admin_url, gateway))
        answers: dict[str, httpx.Response] = {}

        # A person signs up; somebody signs up again with their address (another case).
        first = personal.person()
        email = first.pop("email")
        signup = {"email": email, "password": PASSWORD, "profile": first}
        answers["signup"] = httpx.post(f"{gateway}/v1/auth/signup", json=signup)
        again = personal.person()
        del again["email"]
        answers["signup again"] = httpx.post(f"{gateway}/v1/auth/signup", json={
            "email": email.upper(), "password": "another long passphrase", "profile": again})
        # A sign-up whose profile is refused, carrying personal values.
        refused = personal.person(nationality="XX")
        refused_email = refused.pop("email")
        answers["signup refused"] = httpx.post(f"{gateway}/v1/auth/signup", json={
            "email": refused_email, "password": PASSWORD, "profile": refused})
        # Failed logins: a wrong password for a known e-mail, and an unknown e-mail.
        unknown = personal.remember(f"{_word(8).lower()}@example.org")
        for username in (email, unknown):
            answers[f"login {username}"] = httpx.post(f"{gateway}/v1/auth/token", data={
                "grant_type": "password", "username": username, "password": "wrong guess!"})
        person = login(gateway, email)

        # The admin makes an account with a used e-mail; an officer opens a programme.
        answers["account again"] = admin.http.post("/v1/admin/accounts", json={
            "email": email, "password": PASSWORD, "role": "candidate"})
        officer_email = new_email("officer")
        admin.post("/v1/admin/accounts", 201, json={
            "email": officer_email, "password": PASSWORD, "role": "officer",
            "programme_ids": []})
        programme = login(gateway, officer_email).post("/v1/programmes", 201, json=programme_body(
            gender_balance_min_share=None))["id"]
        officer = login(gateway, officer_email)

        # The officer registers someone, then gives them, and a new profile, a used e-mail.
        other = officer.post("/v1/candidates", 201,
                             json=personal.person(programme_id=programme))
        answers["profile with a used e-mail"] = officer.http.post(
            "/v1/candidates", json=personal.person(email=email.upper(), programme_id=programme))
        answers["e-mail changed to a used one"] = officer.http.patch(
            f"/v1/candidates/{other['id']}", json={"email": email}, headers=NEW)
        # Validation errors carrying personal values.
        bad = personal.person(programme_id=programme)
        bad["email"] = personal.remember(f"not-an-address-{_word(8).lower()}")
        bad["phone"] = personal.remember(f"call {_word(6)}")
        answers["invalid profile"] = officer.http.post("/v1/candidates", json=bad)
        # An import repeating a registered address and one of its own lines.
        fresh = personal.person()
        lines = [personal.person(email=email), fresh, {**personal.person(), "email":
                                                        fresh["email"]}]
        answers["import"] = officer.http.post(
            f"/v1/candidate-imports?programme_id={programme}",
            content=b"\n".join(json.dumps(line).encode() for line in lines),
            headers={"content-type": "application/x-ndjson"})
        # The person reads and changes their own profile.
        mine = person.claims()["candidate_id"]
        person.get(f"/v1/candidates/{mine}")
        answers["own profile"] = person.http.patch(
            f"/v1/candidates/{mine}", json={"residence_city": personal.remember(_word())},
            headers=person.if_match(f"/v1/candidates/{mine}"))
        log_dir = system.log_dir
    service_logs = {path.name: path.read_text(errors="replace")
                    for path in sorted(log_dir.glob("*.log"))}
    server_text = None
    if server_log is not None:
        with server_log.open("rb") as file:
            file.seek(log_start)
            server_text = file.read().decode(errors="replace")
    yield {"answers": answers, "values": personal.values, "service_logs": service_logs,
           "server_log": server_text, "server_log_how": how}


def _found(text: str, values: set[str]) -> list[str]:
    lowered = text.lower()
    return sorted(v for v in values if v.lower() in lowered)


def test_the_story_did_what_it_says(story: dict[str, Any]) -> None:
    answers = story["answers"]
    assert answers["signup"].status_code == answers["signup again"].status_code == 202
    assert answers["signup refused"].status_code == 422
    assert {r.status_code for k, r in answers.items() if k.startswith("login ")} == {400}
    assert answers["account again"].status_code == 409
    assert answers["profile with a used e-mail"].status_code == 409
    assert answers["e-mail changed to a used one"].status_code == 409
    assert answers["invalid profile"].status_code == 422
    report = answers["import"].json()
    assert (report["imported"], len(report["errors"])) == (1, 2), report
    assert answers["own profile"].status_code == 200


def test_no_service_log_holds_personal_data(story: dict[str, Any]) -> None:
    logs = story["service_logs"]
    assert {"gateway-1.log", "candidates-1.log"} <= set(logs), sorted(logs)
    assert all(text.strip() for text in logs.values())  # they did log
    leaks = {name: found for name, text in logs.items()
             if (found := _found(text, story["values"]))}
    assert not leaks, leaks


def test_the_database_log_holds_no_personal_data(story: dict[str, Any]) -> None:
    text = story["server_log"]
    if text is None:
        pytest.skip(f"database log not checked: {story['server_log_how']}")
    # The e-mail changed to a used one hit the unique index: its log line names the digest.
    assert "ix_candidate_email_digest" in text, story["server_log_how"]
    assert not _found(text, story["values"])


def test_a_unique_violation_names_a_digest_not_the_address(
        scratch_database: RunDatabase, story: dict[str, Any]) -> None:
    """What the server logs for a clash on e-mail is the error's DETAIL: no address in it."""
    address = f"{_word(8).lower()}@example.org"

    async def clash() -> str:
        connection = await asyncpg.connect(make_url(scratch_database.url("candidates")).set(
            drivername="postgresql").render_as_string(hide_password=False))
        try:
            taken = await connection.fetchval(
                "SELECT email_digest FROM candidates.candidate WHERE email_digest IS NOT NULL "
                "LIMIT 1")
            async with connection.transaction():
                row = await connection.fetchval(
                    "SELECT id FROM candidates.candidate WHERE email_digest <> $1 LIMIT 1",
                    taken)
                await connection.execute("UPDATE candidates.candidate SET email = $1 "
                                         "WHERE id = $2", address, row)
                with pytest.raises(asyncpg.UniqueViolationError) as error:
                    await connection.execute(
                        "UPDATE candidates.candidate SET email_digest = $1 WHERE id = $2",
                        taken, row)
                raise _RollBack(str(error.value.detail))
        except _RollBack as done:
            return str(done)
        finally:
            await connection.close()

    detail = asyncio.run(clash())
    assert "email_digest" in detail and address not in detail and "@" not in detail


class _RollBack(Exception):
    """Leaves the transaction, rolled back, with the message it carries."""

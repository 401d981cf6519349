"""The access record through the gateway, every service a process, each access made by the actor
who makes it in real life:

- an officer opens a person's profile (stating a purpose), the host employer reads her
  placement, the French visa desk her visa file;
- she reads those entries in ``GET /v1/me/access-log`` (their roles and organisations, not
  the staff's accounts), newest first, page by page; another candidate sees none of them;
- the data protection officer reads everyone's, filtered, and ``verify`` finds every chain
  intact; other roles may not;
- the record holds no personal data (her names, e-mail and phone are nowhere in it);
- UPDATE and DELETE by SQL are refused by the trigger, even to a superuser; a row altered with
  the trigger disabled makes ``verify`` name it as the first broken entry.
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from tests.actors import PASSWORD, Api, account, login, new_email, officer_with_programme
from tests.candidates.factories import candidate_body
from tests.conftest import RunDatabase
from tests.placements.factories import employer_body, vacancy_body
from tests.system import admin_token, running_system

SERVICES = ("candidates", "placements", "reintegration")


@pytest.fixture(scope="module")
def system(scratch_database: RunDatabase) -> Iterator[tuple[Api, RunDatabase]]:
    """The admin of a running system (accounts only) and its database."""
    with running_system(scratch_database.admin_url) as urls:
        yield (Api(urls["gateway"], admin_token(scratch_database.admin_url, urls["gateway"])),
               scratch_database)


def _sign_up(gateway: str, **names: str) -> tuple[Api, dict[str, Any]]:
    """A person signs up as a candidate; her session and the profile she sent."""
    email = new_email("candidate")
    profile = candidate_body(available_from_date=datetime.now(UTC).date().isoformat(),
                             available_until_date=None, **names)
    del profile["email"]
    response = httpx.post(f"{gateway}/v1/auth/signup", json={
        "email": email, "password": PASSWORD, "profile": profile})
    assert response.status_code == 202, response.text
    return login(gateway, email), {**profile, "email": email}


def _all_pages(api: Api, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = api.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            return items


async def _sql(url: str, *statements: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        rows: list[asyncpg.Record] = []
        for statement in statements:
            rows = await connection.fetch(statement)
        return rows
    finally:
        await connection.close()


async def test_who_read_whom(system: tuple[Api, RunDatabase]) -> None:
    admin, database = system
    gateway = admin.gateway
    marker = uuid.uuid4().hex[:8]
    her, profile = _sign_up(gateway, given_name=f"Zineb{marker}",
                            family_name=f"Alaoui{marker}")
    other, _ = _sign_up(gateway)
    me = her.claims()["candidate_id"]
    today = datetime.now(UTC).date()

    # She applies; the officer selects her, reading her profile for the selection.
    officer, programme_id = officer_with_programme(admin)
    her.post(f"/v1/candidates/{me}/consents", 201, json={
        "purpose": "data_processing", "text_version": "v1", "action": "given"})
    application = her.post("/v1/applications", 201, json={
        "candidate_id": me, "programme_id": programme_id})
    her.post(f"/v1/applications/{application['id']}/submit")
    officer.get(f"/v1/candidates/{me}", headers={"X-Access-Purpose": "selection_review"})
    officer.post(f"/v1/programmes/{programme_id}/screening")
    officer.post(f"/v1/programmes/{programme_id}/selection")

    # Placed with a host company, whose account reads the placement; the visa desk her file.
    employer = officer.post("/v1/employers", 201,
                            json=employer_body(programme_ids=(programme_id,)))
    vacancy = officer.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=employer["id"], programme_id=programme_id, seats=1))
    placement = officer.post("/v1/placements", 201, json={
        "candidate_id": me, "vacancy_id": vacancy["id"]})
    url = f"/v1/placements/{placement['id']}"
    host, _ = account(admin, "employer", employer_id=employer["id"])
    host.get(url)
    host.post(f"{url}/accept-employer")
    her.post(f"{url}/accept-candidate")
    her.post(f"/v1/candidates/{me}/consents", 201, json={
        "purpose": "visa_file_sharing", "text_version": "v1", "action": "given"})
    officer.post(f"{url}/request-visa", json={
        "requested_on": (today - timedelta(days=1)).isoformat()})
    visa_desk, _ = account(admin, "visa_authority", programme_ids=[programme_id], country="FR")
    visa_desk.get(f"{url}/visa-file")

    # She reads who accessed her data, from every service, newest first.
    mine = _all_pages(her, "/v1/me/access-log", limit=3)
    assert mine == her.get("/v1/me/access-log", params={"limit": 200})["items"]
    assert {e["candidate_id"] for e in mine} == {me}
    assert len({(e["service"], e["seq"]) for e in mine}) == len(mine)
    times = [e["recorded_at"] for e in mine]
    assert times == sorted(times, reverse=True)
    seen = {(e["service"], e["actor_role"], e["resource_type"], e["action"]) for e in mine}
    assert {("candidates", "officer", "candidate", "read"),
            ("placements", "employer", "placement", "read"),
            ("placements", "visa_authority", "visa_file", "read"),
            ("candidates", "officer", "visa_identity", "read"),
            ("candidates", "candidate", "consent", "change"),
            ("placements", "officer", "placement", "change"),
            ("placements", "employer", "placement", "change"),
            ("candidates", "officer", "application", "change"),
            ("candidates", "candidate", "application", "change")} <= seen
    # (Placements asked for her profile too, with the officer's token, placing her.)
    [opened] = [e for e in mine if e["purpose"] == "selection_review"]
    assert opened["route"] == "/v1/candidates/{candidate_id}" and opened["method"] == "GET"
    assert opened["actor_role"] == "officer" and opened["service"] == "candidates"
    assert opened["actor_subject"] is None and not opened["by_you"]
    [hosted] = [e for e in mine if e["actor_role"] == "employer" and e["action"] == "read"]
    assert hosted["actor_organisation"] == f"employer:{employer['id']}"
    assert hosted["resource_id"] == placement["id"]
    [desk] = [e for e in mine if e["actor_role"] == "visa_authority"]
    assert desk["actor_organisation"] == "visa_authority:FR"
    own = [e for e in mine if e["actor_role"] == "candidate"]
    assert own and all(e["by_you"] and e["actor_subject"] for e in own)

    # Another candidate sees only her own entries; staff have no such record.
    theirs = other.get("/v1/me/access-log", params={"limit": 200})["items"]
    assert theirs and all(e["candidate_id"] == other.claims()["candidate_id"] for e in theirs)
    assert me not in str(theirs)
    officer.get("/v1/me/access-log", 403)
    her.get("/v1/access-log", 403)
    her.get("/v1/access-log/verify", 403)
    officer.get("/v1/access-log/verify", 403)

    # The data protection officer reads all of it, filtered, with the staff's accounts.
    dpo, _ = account(admin, "data_protection_officer")
    hers = _all_pages(dpo, "/v1/access-log", candidate_id=me, limit=4)
    assert [(e["service"], e["seq"]) for e in hers] == [(e["service"], e["seq"]) for e in mine]
    officer_subject = officer.claims()["sub"]
    assert [e["actor_subject"] for e in hers
            if e["purpose"] == "selection_review"] == [officer_subject]
    by_officer = _all_pages(dpo, "/v1/access-log", actor=officer_subject)
    assert by_officer and {e["actor_subject"] for e in by_officer} == {officer_subject}
    in_placements = dpo.get("/v1/access-log", params={"service": "placements",
                                                      "candidate_id": me})["items"]
    assert in_placements and {e["service"] for e in in_placements} == {"placements"}
    dpo.get("/v1/access-log", 400, params={"cursor": "not-a-cursor"})
    dpo.get("/v1/access-log", 422, params={"service": "gateway"})
    verified = dpo.get("/v1/access-log/verify")
    assert verified["intact"] is True
    assert {c["service"]: (c["intact"], c["first_broken_sequence"])
            for c in verified["services"]} == {s: (True, None) for s in SERVICES}
    # The DPO reads the record, not the people in it.
    dpo.get(f"/v1/candidates/{me}", 403)

    # No personal data in any entry.
    for service in SERVICES:
        rows = await _sql(database.admin_url,
                          f"SELECT t::text AS entry FROM {service}.access_record t")
        text = "\n".join(r["entry"] for r in rows).lower()
        for value in (profile["given_name"], profile["family_name"], profile["email"],
                      profile["phone"], "rabat"):
            assert value.lower() not in text, f"{service} holds personal data"

    # Append-only, even for a superuser...
    for statement in ("UPDATE placements.access_record SET purpose = 'x'",
                      "DELETE FROM placements.access_record",
                      "TRUNCATE placements.access_record"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await _sql(database.admin_url, statement)
    # ...and what is changed behind the trigger's back is found.
    [tampered] = [e["seq"] for e in hers if e["purpose"] == "selection_review"]
    await _sql(database.admin_url,
               "ALTER TABLE candidates.access_record DISABLE TRIGGER access_record_no_change",
               f"UPDATE candidates.access_record SET purpose = 'routine' WHERE seq = {tampered}",
               "ALTER TABLE candidates.access_record ENABLE TRIGGER access_record_no_change")
    verified = dpo.get("/v1/access-log/verify")
    assert verified["intact"] is False
    assert {c["service"]: (c["intact"], c["first_broken_sequence"])
            for c in verified["services"]} == {
        "candidates": (False, tampered), "placements": (True, None),
        "reintegration": (True, None)}

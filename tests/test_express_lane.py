"""The express lane of the candidate reads (``shared.express``), every service a process, each
read made through the gateway by the actor who makes it in real life:

- what the lane answers is what the app answers, body and headers, through the gateway and
  from the service itself (the same read sent with an ``If-None-Match`` naming another version
  takes the app's path and answers the same 200);
  the service's ``pathways_http_express_answers`` counts exactly the lane's answers;
- everything off the plain success is the app's: another officer's person (404), a role that
  sees no person (403), a malformed id or filter (422), a repeated parameter, in the language
  asked for;
- a read answered in the lane is in the access record, with its request id and purpose, and
  its access line carries the request id.
"""

import json
import uuid
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from tests.actors import Api, account, applies, officer_with_programme, sign_up
from tests.conftest import RunDatabase
from tests.system import (
    System,
    admin_token,
    answer_headers,
    express_answers,
    fetch,
    running_system,
)

BY_ID = "/v1/candidates/{candidate_id}"
LIST = "/v1/candidates"


@pytest.fixture(scope="module")
def system(scratch_database: RunDatabase) -> Iterator[tuple[System, Api]]:
    """The running system and its admin."""
    with running_system(scratch_database.admin_url) as urls:
        yield urls, Api(urls["gateway"], admin_token(scratch_database.admin_url,
                                                     urls["gateway"]))


def test_the_lane_answers_as_the_app(system: tuple[System, Api]) -> None:
    urls, admin = system
    officer, programme_id = officer_with_programme(admin)
    her, _ = sign_up(urls["gateway"])
    me = applies(her, programme_id)
    reads = [(officer, f"/v1/candidates/{me}", {}),
             (her, f"/v1/candidates/{me}", {"Accept-Language": "ar"}),
             (officer, "/v1/candidates", {"Accept-Language": "fr"}),
             (admin, f"/v1/candidates?programme_id={programme_id}&limit=1", {}),
             (officer, "/v1/candidates?nationality=MA&gender=female&q=a", {})]
    before = express_answers(urls["candidates"])
    for actor, path, headers in reads:
        for client in (actor.http, httpx.Client(base_url=urls["candidates"],
                                                headers=actor.http.headers)):
            express = client.get(path, headers=headers)
            by_app = client.get(path, headers={**headers, "If-None-Match": '"0"'})
            assert express.status_code == by_app.status_code == 200, express.text
            assert express.content == by_app.content
            assert answer_headers(express) == answer_headers(by_app)
    assert her.get(f"/v1/candidates/{me}")["id"] == me
    after = express_answers(urls["candidates"])
    # Each first read of a pair, and her last: none of those the app answered.
    assert after.get(BY_ID, 0) - before.get(BY_ID, 0) == 5
    assert after.get(LIST, 0) - before.get(LIST, 0) == 6


def test_off_the_plain_success_the_app_answers(system: tuple[System, Api]) -> None:
    urls, admin = system
    officer, programme_id = officer_with_programme(admin)
    other_officer, _ = officer_with_programme(admin)
    her, _ = sign_up(urls["gateway"])
    me = applies(her, programme_id)
    host, _ = account(admin, "employer", employer_id=str(uuid.uuid4()))
    before = express_answers(urls["candidates"])
    french = {"Accept-Language": "fr"}

    hidden = other_officer.http.get(f"/v1/candidates/{me}", headers=french)
    assert hidden.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"
    assert hidden.headers["content-language"] == "fr"
    assert host.http.get(f"/v1/candidates/{me}").status_code == 403
    assert officer.http.get(f"/v1/candidates/{uuid.uuid4()}").status_code == 404
    assert officer.http.get("/v1/candidates/not-an-id").status_code == 422
    assert officer.http.get(f"/v1/candidates/{me.replace('-', '')}").json()["id"] == me
    for query in ("nationality=ma", "limit=0", "limit=201", "status=sleeping", "q=",
                  "cursor=not-a-cursor"):
        assert officer.http.get(f"/v1/candidates?{query}").status_code in (400, 422), query
    repeated = officer.http.get("/v1/candidates?nationality=MA&nationality=SN")
    assert repeated.status_code == 200
    assert other_officer.get("/v1/candidates")["items"] == []

    after = express_answers(urls["candidates"])
    # Only the other officer's empty list was the lane's: everything else was the app's.
    assert after.get(BY_ID, 0) == before.get(BY_ID, 0)
    assert after.get(LIST, 0) - before.get(LIST, 0) == 1


def _entries(database_url: str, request_id: str) -> list[asyncpg.Record]:
    return fetch(database_url, "SELECT candidate_id, actor_role, route, method, purpose, action "
                 "FROM candidates.access_record WHERE request_id = $1", request_id)


def test_a_read_in_the_lane_is_recorded(system: tuple[System, Api],
                                        scratch_database: RunDatabase) -> None:
    urls, admin = system
    officer, programme_id = officer_with_programme(admin)
    people = [applies(sign_up(urls["gateway"])[0], programme_id) for _ in range(2)]
    before = express_answers(urls["candidates"])
    request_id = f"lane-{uuid.uuid4().hex}"
    one = officer.http.get(f"/v1/candidates/{people[0]}", headers={
        "X-Request-ID": request_id, "X-Access-Purpose": "selection_review"})
    assert one.status_code == 200 and one.headers["x-request-id"] == request_id
    listed = f"lane-{uuid.uuid4().hex}"
    page = officer.http.get(f"/v1/candidates?programme_id={programme_id}",
                            headers={"X-Request-ID": listed})
    assert sorted(item["id"] for item in page.json()["items"]) == sorted(people)
    after = express_answers(urls["candidates"])
    assert after[BY_ID] - before.get(BY_ID, 0) == 1 and after[LIST] - before.get(LIST, 0) == 1

    [entry] = _entries(scratch_database.admin_url, request_id)
    assert (str(entry["candidate_id"]), entry["actor_role"], entry["route"], entry["method"],
            entry["purpose"], entry["action"]) == (people[0], "officer", BY_ID, "GET",
                                                   "selection_review", "read")
    entries = _entries(scratch_database.admin_url, listed)
    assert sorted(str(e["candidate_id"]) for e in entries) == sorted(people)
    assert {(e["route"], e["purpose"]) for e in entries} == {(LIST, None)}

    lines = [json.loads(line) for line in
             (urls.log_dir / "candidates-1.log").read_text().splitlines()
             if request_id in line or listed in line]
    assert {(line["msg"], line["request_id"], line["path"], line["status"])
            for line in lines} == {("request", request_id, BY_ID, 200),
                                   ("request", listed, LIST, 200)}

"""HTTP as RFC 9110 says, through the gateway with a real officer's token: one Date and one
Server per answer, changes conditional on a strong If-Match (428 without one), reads answering
304 to an If-None-Match naming their ETag, 405s naming every method of their path, and 415s for
a body of a type the route does not take."""

from collections.abc import Iterator

import httpx
import pytest

from tests.actors import Api, officer_with_programme
from tests.candidates.factories import programme_body
from tests.conftest import RunDatabase
from tests.system import admin_token, running_system

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def admin(scratch_database: RunDatabase) -> Iterator[Api]:
    """The admin of a running system."""
    with running_system(scratch_database.admin_url) as urls:
        yield Api(urls["gateway"], admin_token(scratch_database.admin_url, urls["gateway"]))


@pytest.fixture(scope="module")
def officer(admin: Api) -> tuple[Api, str]:
    """An officer and the programme they opened, and its path."""
    api, programme_id = officer_with_programme(admin)
    return api, f"/v1/programmes/{programme_id}"


def _problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == f"/problems/{slug}"


def test_one_date_and_no_server_per_answer(admin: Api, officer: tuple[Api, str]) -> None:
    api, programme = officer
    answers = [api.http.get(programme), api.http.get("/v1/programmes/not-an-id"),
               api.http.get(programme, headers={"If-None-Match": "*"}),
               admin.http.get("/v1/admin/accounts"), httpx.get(f"{api.gateway}/v1/candidates")]
    for response in answers:
        assert len(response.headers.get_list("date")) == 1, response.request.url
        assert response.headers.get_list("server") == [], response.request.url


def test_a_change_needs_the_strong_etag_it_was_read_at(officer: tuple[Api, str]) -> None:
    api, programme = officer
    read = api.http.get(programme)
    etag = read.headers["etag"]
    assert not etag.startswith("W/")

    _problem(api.http.patch(programme, json={"capacity": 41}), 428, "precondition-required")
    _problem(api.http.patch(programme, json={"capacity": 42}, headers={"If-Match": f"W/{etag}"}),
             412, "precondition-failed")
    assert api.http.get(programme).json() == read.json()  # neither changed anything

    changed = api.http.patch(programme, json={"capacity": 43}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert changed.json()["capacity"] == 43 and changed.headers["etag"] != etag
    _problem(api.http.patch(programme, json={"capacity": 44}, headers={"If-Match": etag}),
             412, "precondition-failed")
    anything = api.http.patch(programme, json={"capacity": 45}, headers={"If-Match": "*"})
    assert anything.status_code == 200 and anything.json()["capacity"] == 45


def test_a_read_of_what_the_client_holds_is_304(officer: tuple[Api, str]) -> None:
    api, programme = officer
    read = api.http.get(programme)
    etag = read.headers["etag"]
    for held in (etag, f"W/{etag}", f'"0", {etag}'):
        response = api.http.get(programme, headers={"If-None-Match": held})
        assert response.status_code == 304, held
        assert response.content == b"" and response.headers["etag"] == etag
    stale = api.http.get(programme, headers={"If-None-Match": '"0"'})
    assert stale.status_code == 200 and stale.json() == read.json()


def test_405_names_every_method_of_the_path(admin: Api, officer: tuple[Api, str]) -> None:
    api, programme = officer
    forwarded = api.http.post(programme, json={})
    _problem(forwarded, 405, "method-not-allowed")
    assert forwarded.headers["allow"] == "GET, PATCH"
    account = admin.get("/v1/admin/accounts", params={"limit": 1})["items"][0]["id"]
    own = admin.http.put(f"/v1/admin/accounts/{account}", json={})
    _problem(own, 405, "method-not-allowed")
    assert own.headers["allow"] == "DELETE, GET, PATCH"


def test_a_body_of_another_type_is_415_and_stores_nothing(admin: Api,
                                                         officer: tuple[Api, str]) -> None:
    api, programme = officer
    before = admin.get("/v1/programmes", params={"limit": 200})["items"]
    body = httpx.Request("POST", "/", json=programme_body()).content
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = admin.http.post("/v1/programmes", content=body,
                                   headers={"content-type": content_type})
        _problem(response, 415, "unsupported-media-type")
        assert response.headers["accept-post"] == "application/json, application/*+json"
    assert admin.get("/v1/programmes", params={"limit": 200})["items"] == before

    read = api.http.get(programme)
    patched = api.http.patch(programme, content=b'{"capacity": 7}', headers={
        "content-type": "text/plain", "If-Match": read.headers["etag"]})
    _problem(patched, 415, "unsupported-media-type")
    assert patched.headers["accept-patch"] == "application/json, application/*+json"
    assert api.http.get(programme).json() == read.json()
    merge = api.http.patch(programme, content=b'{"capacity": 7}', headers={
        "content-type": "application/merge-patch+json", "If-Match": read.headers["etag"]})
    assert merge.status_code == 200 and merge.json()["capacity"] == 7

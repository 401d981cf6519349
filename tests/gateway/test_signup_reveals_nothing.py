"""Whether an e-mail is registered is never told to someone who is not staff: a sign-up answers
alike for a new and a registered address (a good profile and a refused one alike), and so does
a failed sign-in. Staff (the admin making an account) are told of a duplicate, without the
address being repeated in the answer."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.actors import PASSWORD, Api, login, new_email
from tests.candidates.factories import candidate_body
from tests.conftest import RunDatabase
from tests.system import admin_token, running_system


@pytest.fixture(scope="module")
def gateway(scratch_database: RunDatabase) -> Iterator[str]:
    with running_system(scratch_database.admin_url) as urls:
        yield urls["gateway"]


@pytest.fixture(scope="module")
def admin(gateway: str, scratch_database: RunDatabase) -> Api:
    return Api(gateway, admin_token(scratch_database.admin_url, gateway))


def _profile(**overrides: Any) -> dict[str, Any]:
    body = candidate_body(available_from_date=datetime.now(UTC).date().isoformat(),
                          available_until_date=None, **overrides)
    del body["email"]
    return body


def _sign_up(gateway: str, email: str, **profile: Any) -> httpx.Response:
    return httpx.post(f"{gateway}/v1/auth/signup", timeout=60, json={
        "email": email, "password": PASSWORD, "profile": _profile(**profile)})


def _shape(response: httpx.Response) -> tuple[int, str, Any]:
    """What a caller can compare: the status, the media type and the body."""
    return (response.status_code, response.headers["content-type"],
            {k: v for k, v in response.json().items() if k != "instance"})


@pytest.fixture(scope="module")
def registered(gateway: str) -> str:
    """An e-mail someone signed up with."""
    email = new_email("candidate")
    assert _sign_up(gateway, email).status_code == 202
    return email


class TestSignUp:
    def test_a_registered_address_answers_as_a_new_one(self, gateway: str,
                                                       registered: str) -> None:
        new = _sign_up(gateway, new_email("candidate"))
        again = _sign_up(gateway, registered.upper())
        assert _shape(new) == _shape(again)
        assert new.status_code == 202

    def test_a_refused_profile_is_refused_alike_for_a_registered_address(
            self, gateway: str, registered: str) -> None:
        new = _sign_up(gateway, new_email("candidate"), nationality="XX")
        again = _sign_up(gateway, registered, nationality="XX")
        assert new.status_code == 422
        assert _shape(new) == _shape(again)
        unknown_programme = "00000000-0000-4000-8000-000000000000"
        new = _sign_up(gateway, new_email("candidate"), programme_id=unknown_programme)
        again = _sign_up(gateway, registered, programme_id=unknown_programme)
        assert 400 <= new.status_code < 500
        assert _shape(new) == _shape(again)

    def test_the_registered_account_is_untouched(self, gateway: str, registered: str) -> None:
        _sign_up(gateway, registered)
        token = httpx.post(f"{gateway}/v1/auth/token", data={
            "grant_type": "password", "username": registered, "password": PASSWORD})
        assert token.status_code == 200, token.text


class TestSignIn:
    def test_a_wrong_password_answers_as_an_unknown_address(self, gateway: str,
                                                            registered: str) -> None:
        answers = [httpx.post(f"{gateway}/v1/auth/token", data={
            "grant_type": "password", "username": username, "password": "a wrong guess"})
            for username in (registered, new_email("nobody"))]
        assert _shape(answers[0]) == _shape(answers[1])
        assert answers[0].status_code == 400


class TestStaff:
    def test_the_admin_is_told_of_a_duplicate_without_the_address(
            self, admin: Api, registered: str) -> None:
        refused = admin.http.post("/v1/admin/accounts", json={
            "email": registered.upper(), "password": PASSWORD, "role": "candidate"})
        assert refused.status_code == 409
        assert refused.json()["type"] == "/problems/account-exists"
        assert registered not in refused.text.lower()


class TestOwnProfile:
    def test_a_candidate_changing_their_e_mail_is_refused_alike_whatever_the_address(
            self, gateway: str, admin: Api, registered: str) -> None:
        email = new_email("candidate")
        assert _sign_up(gateway, email).status_code == 202
        person = login(gateway, email)
        mine = f"/v1/candidates/{person.claims()['candidate_id']}"
        answers = [person.http.patch(mine, json={"email": address},
                                     headers=person.if_match(mine))
                   for address in (registered, new_email("candidate"))]
        assert _shape(answers[0]) == _shape(answers[1])
        assert answers[0].status_code == 403
        assert answers[0].json()["type"] == "/problems/email-change-not-allowed"
        # Their own address sent back unchanged is no change; other fields still change.
        person.call("PATCH", mine, 200, json={"email": email.upper(), "residence_city": "Fes"},
                    headers=person.if_match(mine))
        # Staff are told the address is taken: that is their job.
        taken = admin.http.patch(mine, json={"email": registered}, headers=admin.if_match(mine))
        assert taken.status_code == 409
        assert taken.json()["type"] == "/problems/candidate-email-taken"
        assert registered not in taken.text.lower()

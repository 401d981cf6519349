"""A candidate signs up and reads every answer in Arabic, through the gateway.

The language is chosen by ``Accept-Language``; without it, by the account's saved language,
which the tokens carry as ``locale`` and the gateway passes on to the services. Every answer
says its language (``Content-Language``); an unknown one is answered in English, saying so.
"""

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from launcher.api_client import tls_context
from tests.actors import PASSWORD, new_email, signup_profile
from tests.conftest import RunDatabase
from tests.system import password_token, running_system

ARABIC = re.compile(r"[\u0600-\u06FF]")
# What an Arabic answer may still hold in Latin letters: the values of its placeholders (ids,
# quoted values, codes and field names such as candidate_id) and the API's own names.
_NOT_WORDS = [re.compile(pattern) for pattern in (
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    r"'[^']*'",
    r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b",
    r"\b(?:GET|POST|PUT|PATCH|DELETE) /\S+",
)]
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def arabic(text: str, *codes: str) -> str:
    """``text``, checked to be Arabic: Arabic letters, and no English word left once the
    placeholders' values (``codes`` besides ids, quoted values and snake_case names) are
    taken out."""
    assert ARABIC.search(text), f"not Arabic: {text!r}"
    rest = text
    for code in codes:
        rest = rest.replace(code, " ")
    for pattern in _NOT_WORDS:
        rest = pattern.sub(" ", rest)
    assert not ENGLISH_WORD.search(rest), f"English left in {text!r}: {rest!r}"
    return text


def problem_in_arabic(response: httpx.Response, status: int, *codes: str) -> dict[str, Any]:
    """A problem answered with ``status``, every word of it Arabic."""
    assert response.status_code == status, response.text
    assert response.headers["content-language"] == "ar"
    body: dict[str, Any] = response.json()
    arabic(body["title"])
    arabic(body["detail"], "errors", *codes)  # a field of the problem: a name
    for error in body.get("errors") or ():
        arabic(error["msg"], *codes)
    return body


@pytest.fixture(scope="module")
def gateway(scratch_database: RunDatabase) -> Iterator[str]:
    """The gateway's URL, with every service behind it."""
    with running_system(scratch_database.admin_url) as urls:
        yield urls["gateway"]


class Person:
    """A person calling the gateway with their token and, unless told, no Accept-Language."""

    def __init__(self, gateway: str, email: str) -> None:
        self.gateway = gateway
        self.email = email
        self.sign_in()

    def sign_in(self) -> None:
        self.token = password_token(self.gateway, self.email, PASSWORD)

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return httpx.request(method, f"{self.gateway}{path}", headers=headers,
                             verify=tls_context(), **kwargs)

    @property
    def claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = jwt.decode(self.token, options={"verify_signature": False})
        return claims


def sign_up(gateway: str, headers: dict[str, str], **body: Any) -> tuple[httpx.Response, str]:
    email = new_email("candidate")
    response = httpx.post(f"{gateway}/v1/auth/signup", headers=headers, verify=tls_context(),
                          json={"email": email, "password": PASSWORD,
                                "profile": signup_profile(), **body})
    return response, email


@pytest.fixture(scope="module")
def amina(gateway: str) -> Person:
    """A candidate who signed up asking for Arabic, and signed in."""
    # Her first attempt is refused by the candidates service, in Arabic: the gateway asks it in
    # the sign-up's language.
    refused = httpx.post(f"{gateway}/v1/auth/signup", headers={"Accept-Language": "ar"},
                         verify=tls_context(), json={
                             "email": new_email("candidate"), "password": PASSWORD,
                             "profile": {**signup_profile(), "given_name": ""}})
    problem_in_arabic(refused, 422)
    response, email = sign_up(gateway, {"Accept-Language": "ar"})
    assert response.status_code == 202, response.text
    assert response.headers["content-language"] == "ar"
    arabic(response.json()["detail"], "grant_type=password")
    return Person(gateway, email)


def test_a_candidate_signs_up_and_reads_every_answer_in_arabic(amina: Person) -> None:
    # Her saved language is in her token: no request of hers names one from here on.
    assert amina.claims["locale"] == "ar"
    me = amina.claims["candidate_id"]

    profile = amina.call("GET", f"/v1/candidates/{me}")
    assert profile.status_code == 200, profile.text
    assert profile.headers["content-language"] == "ar"
    assert profile.json()["gender"] in {"female", "male", "other", "undisclosed"}  # codes stay

    # A consent without its fields, and one that cannot be: field errors in Arabic.
    missing = problem_in_arabic(amina.call("POST", f"/v1/candidates/{me}/consents", json={}),
                                422)
    assert {tuple(e["loc"]) for e in missing["errors"]} >= {("body", "purpose"),
                                                           ("body", "action")}
    assert {e["type"] for e in missing["errors"]} == {"missing"}  # types are codes
    problem_in_arabic(amina.call("POST", f"/v1/candidates/{me}/consents", json={
        "purpose": "data_processing", "text_version": "2026-01", "action": "withdrawn",
        "expires_at": "2099-01-01T00:00:00Z"}), 422)

    # Registering herself for a programme (only staff do): 403; someone else's profile, an
    # application that is not hers: 404.
    problem_in_arabic(amina.call("POST", "/v1/candidates", json={
        **signup_profile(), "email": amina.email, "programme_id": str(uuid.uuid4())}), 403)
    problem_in_arabic(amina.call("POST", f"/v1/candidates/{uuid.uuid4()}/consents", json={
        "purpose": "data_processing", "text_version": "2026-01", "action": "given"}), 404)
    gone = problem_in_arabic(amina.call("GET", f"/v1/applications/{uuid.uuid4()}"), 404)
    assert gone["type"].startswith("/problems/")  # types are codes

    # A second profile: 409.
    problem_in_arabic(amina.call("POST", "/v1/candidates", json={
        **signup_profile(), "email": amina.email}), 409)

    # Her token itself: the gateway's own answer, in her language too.
    tampered = httpx.get(f"{amina.gateway}/v1/candidates/{me}", verify=tls_context(),
                         headers={"Authorization": "Bearer not-a-token"})
    assert tampered.status_code == 401
    assert tampered.headers["content-language"] == "en"  # nobody known: English

    # The names of the codes she is shown.
    labels = amina.call("GET", "/v1/labels/candidates")
    assert labels.status_code == 200, labels.text
    assert labels.headers["content-language"] == "ar"
    body = labels.json()
    assert body["language"] == "ar"
    assert set(body["labels"]["application.status"]) >= {"draft", "submitted", "withdrawn"}
    for vocabulary in body["labels"].values():
        for name in vocabulary.values():
            arabic(name)


def test_an_unknown_language_is_answered_in_english_and_says_so(amina: Person) -> None:
    response = amina.call("GET", f"/v1/applications/{uuid.uuid4()}",
                          headers={"Accept-Language": "sw"})
    assert response.status_code == 404
    assert response.headers["content-language"] == "en"
    assert response.json()["detail"].startswith("No application ")


def test_a_language_asked_for_wins_over_the_saved_one(amina: Person) -> None:
    response = amina.call("GET", f"/v1/applications/{uuid.uuid4()}",
                          headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    assert response.headers["content-language"] == "fr"
    assert response.json()["detail"].startswith("Aucune candidature ")
    labels = amina.call("GET", "/v1/labels/candidates", headers={"Accept-Language": "fr"})
    assert labels.json()["labels"]["application.status"]["withdrawn"] == "Retirée"


def test_the_saved_language_is_changed_by_its_holder(gateway: str) -> None:
    response, email = sign_up(gateway, {}, language="fr")
    assert response.status_code == 202, response.text
    assert response.headers["content-language"] == "en"  # the sign-up asked for no language
    person = Person(gateway, email)
    assert person.claims["locale"] == "fr"
    refused = person.call("PUT", "/v1/auth/me/language", json={"language": "sw"})
    assert refused.status_code == 422  # the gateway's own answer, in her saved language
    assert refused.headers["content-language"] == "fr"
    assert refused.json()["title"] == "Validation échouée"
    changed = person.call("PUT", "/v1/auth/me/language", json={"language": "ar"})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"language": "ar"}
    person.sign_in()  # tokens issued from now on carry it
    assert person.claims["locale"] == "ar"
    problem_in_arabic(person.call("GET", f"/v1/applications/{uuid.uuid4()}"), 404)
    cleared = person.call("PUT", "/v1/auth/me/language", json={"language": None})
    assert cleared.json() == {"language": None}
    person.sign_in()
    assert "locale" not in person.claims
    assert person.call("GET", "/v1/labels/candidates").headers["content-language"] == "en"


def test_a_sign_up_in_an_unknown_language_saves_none(gateway: str) -> None:
    response, email = sign_up(gateway, {"Accept-Language": "sw, de;q=0.8"})
    assert response.status_code == 202
    assert response.headers["content-language"] == "en"
    assert "locale" not in Person(gateway, email).claims

"""Calling the running system through the gateway as one actor: the kit of whole-system tests."""

import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt

from launcher.api_client import tls_context
from tests.candidates.factories import candidate_body, programme_body
from tests.system import password_token

DEADLINE_SECONDS = 60
PASSWORD = "an actor's long passphrase"


# A webhook delivery as received: its body and its headers (names lower-cased).
Delivery = tuple[bytes, dict[str, str]]


class WebhookReceiver(ThreadingHTTPServer):
    """A partner's webhook endpoint on this machine: keeps each delivery's body and headers,
    and wakes whoever waits for one (:meth:`wait_for`)."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                with receiver.arrived:
                    receiver.deliveries.append((body, {k.lower(): v
                                                       for k, v in self.headers.items()}))
                    receiver.arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the test reads what was received, not a log."""

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        """Where the partner registers its subscription."""
        return f"http://127.0.0.1:{self.server_address[1]}/hooks"

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event received so far, in order (a delivery may carry a batch)."""
        with self.arrived:
            bodies = [json.loads(body) for body, _headers in self.deliveries]
        return [event for body in bodies for event in (body if isinstance(body, list) else [body])]

    def wait_for(self, found: Callable[[list[Delivery]], Any], what: str,
                 deadline: float = DEADLINE_SECONDS) -> Any:
        """What ``found`` finds among the deliveries, once it does (within ``deadline``)."""
        with self.arrived:
            result = self.arrived.wait_for(lambda: found(self.deliveries), deadline)
        assert result, f"not within {deadline}s: {what}"
        return result


class Api:
    """Calls through the gateway as one principal; an unexpected status fails the test."""

    def __init__(self, gateway: str, token: str) -> None:
        self.gateway = gateway
        self.token = token
        self.http = httpx.Client(base_url=gateway, timeout=30, verify=tls_context(),
                                 headers={"Authorization": f"Bearer {token}"})

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        """The JSON answer of a request that must answer ``expect``."""
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == expect, f"{method} {path}: {response.text}"
        return response.json() if response.content else None

    def post(self, path: str, expect: int = 200, **kwargs: Any) -> Any:
        """POST, see :meth:`call`."""
        return self.call("POST", path, expect, **kwargs)

    def get(self, path: str, expect: int = 200, **kwargs: Any) -> Any:
        """GET, see :meth:`call`."""
        return self.call("GET", path, expect, **kwargs)

    def if_match(self, path: str) -> dict[str, str]:
        """The ``If-Match`` naming what ``path`` is now (read with a GET), for changing it."""
        response = self.http.get(path)
        assert response.status_code == 200, f"GET {path}: {response.text}"
        return {"If-Match": response.headers["etag"]}

    def claims(self) -> dict[str, Any]:
        """The claims of this actor's token (unverified: the test only reads them)."""
        return jwt.decode(self.token, options={"verify_signature": False})  # type: ignore[no-any-return]


def until(check: Callable[[], Any], what: str, deadline: float = DEADLINE_SECONDS) -> Any:
    """Poll ``check`` until it returns something truthy, within the deadline."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if found := check():
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {deadline}s: {what}")


def new_email(role: str) -> str:
    """A fresh e-mail address for an account of ``role``."""
    return f"{role.replace('_', '-')}-{uuid.uuid4().hex[:8]}@example.org"


def account(admin: Api, role: str, **links: Any) -> tuple[Api, str]:
    """An account the admin creates, logged in; and its e-mail."""
    email = new_email(role)
    created = admin.post("/v1/admin/accounts", 201, json={
        "email": email, "password": PASSWORD, "role": role, **links})
    return Api(admin.gateway, password_token(admin.gateway, email, PASSWORD)), created["id"]


def login(gateway: str, email: str, password: str = PASSWORD) -> Api:
    """A person's session from the password grant."""
    return Api(gateway, password_token(gateway, email, password))


def signed_up(gateway: str, available_from: str) -> Api:
    """A person who signs up as a candidate (available from ``available_from``, open-ended)
    and signs in."""
    email = new_email("candidate")
    profile = candidate_body(available_from_date=available_from, available_until_date=None)
    del profile["email"]
    response = httpx.post(f"{gateway}/v1/auth/signup", verify=tls_context(), json={
        "email": email, "password": PASSWORD, "profile": profile})
    assert response.status_code == 202, response.text
    return login(gateway, email)


def officer_with_programme(admin: Api, **programme: Any) -> tuple[Api, str]:
    """An officer the admin created opens a programme (``programme`` overrides the test body,
    no gender balance by default), then signs in again: the new token carries it."""
    email = new_email("officer")
    admin.post("/v1/admin/accounts", 201, json={
        "email": email, "password": PASSWORD, "role": "officer", "programme_ids": []})
    created = login(admin.gateway, email).post("/v1/programmes", 201, json=programme_body(
        **{"gender_balance_min_share": None, **programme}))
    return login(admin.gateway, email), created["id"]


def signup_profile(**overrides: Any) -> dict[str, Any]:
    """A candidate's own profile as the sign-up form sends it (no e-mail: the account's),
    available from today."""
    body = candidate_body(available_from_date=datetime.now(UTC).date().isoformat(),
                          available_until_date=None, **overrides)
    del body["email"]
    return body


def sign_up(gateway: str, **profile: Any) -> tuple[Api, str]:
    """A person signs up as a candidate and logs in; their session and e-mail."""
    email = new_email("candidate")
    response = httpx.post(f"{gateway}/v1/auth/signup", json={
        "email": email, "password": PASSWORD, "profile": signup_profile(**profile)})
    assert response.status_code == 202, response.text
    return login(gateway, email), email


def applies(person: Api, programme_id: str) -> str:
    """A signed-up candidate consents to the processing of their data, applies to the
    programme and submits; their candidate id."""
    me: str = person.claims()["candidate_id"]
    person.post(f"/v1/candidates/{me}/consents", 201, json={
        "purpose": "data_processing", "text_version": "2026-01", "action": "given"})
    application = person.post("/v1/applications", 201, json={
        "candidate_id": me, "programme_id": programme_id})
    person.post(f"/v1/applications/{application['id']}/submit")
    return me


def selected_candidate(admin: Api, officer: Api, programme_id: str, *,
                       available_from: str, **profile: Any) -> str:
    """An applicant the admin seeds (available from ``available_from``, open-ended, with any
    other ``profile`` fields), screened and selected by the programme's officer; the
    candidate's id."""
    candidate = admin.post("/v1/candidates", 201, json=candidate_body(
        available_from_date=available_from, available_until_date=None, **profile))
    admin.post(f"/v1/candidates/{candidate['id']}/consents", 201, json={
        "purpose": "data_processing", "text_version": "v1", "action": "given"})
    application = admin.post("/v1/applications", 201, json={
        "candidate_id": candidate["id"], "programme_id": programme_id})
    admin.post(f"/v1/applications/{application['id']}/submit")
    officer.post(f"/v1/programmes/{programme_id}/screening")
    officer.post(f"/v1/programmes/{programme_id}/selection")
    assert officer.get(f"/v1/applications/{application['id']}")["status"] == "selected"
    return str(candidate["id"])

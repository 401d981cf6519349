"""Accounts managed by admins, revocation on the next request, officers opening programmes,
sign-up and sign-in throttling: at a real gateway process in front of a real candidates one."""

import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt

from launcher.runner import free_port, start_service, stop, wait_until_ready
from launcher.topology import service
from shared.auth import Principal, Revocations
from tests.actors import until
from tests.candidates.factories import candidate_body, programme_body
from tests.conftest import RunDatabase
from tests.gateway.conftest import RATE_LIMIT, RATE_LIMIT_WINDOW, GatewaySystem

PASSWORD = "a long enough passphrase"
DEADLINE = 30.0


def _email(role: str) -> str:
    return f"{role.replace('_', '-')}-{uuid.uuid4().hex[:8]}@example.org"


def _address() -> str:
    """A client address of the test's own (the gateway trusts X-Forwarded-For from loopback),
    so that its counts are its own."""
    octets = uuid.uuid4().bytes
    return f"10.{octets[0]}.{octets[1]}.{octets[2] % 250 + 1}"


def _admin(system: GatewaySystem) -> httpx.Client:
    return httpx.Client(base_url=system.gateway, timeout=30,
                        headers={"Authorization": f"Bearer {system.token()}"})


def _create(admin: httpx.Client, role: str, **links: Any) -> tuple[str, str]:
    """An account of ``role``; its id and e-mail."""
    email = _email(role)
    response = admin.post("/v1/admin/accounts", json={"email": email, "password": PASSWORD,
                                                      "role": role, **links})
    assert response.status_code == 201, response.text
    return response.json()["id"], email


def _sign_in(system: GatewaySystem, email: str, password: str = PASSWORD,
             address: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": address} if address else {}
    return httpx.post(f"{system.gateway}/v1/auth/token", headers=headers, data={
        "grant_type": "password", "username": email, "password": password})


def _token(system: GatewaySystem, email: str) -> str:
    response = _sign_in(system, email, address=_address())
    assert response.status_code == 200, response.text
    return response.json()["access_token"]  # type: ignore[no-any-return]


def _get(base: str, path: str, token: str) -> int:
    return httpx.get(f"{base}{path}", headers={"Authorization": f"Bearer {token}"}).status_code


def _until(check: Callable[[], bool], what: str) -> float:
    """Seconds until ``check`` holds; fails after the deadline."""
    started = time.monotonic()
    until(check, what, deadline=DEADLINE)
    return time.monotonic() - started


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})  # type: ignore[no-any-return]


class TestFailClosed:
    def _log(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="pathways-failclosed-")) / "candidates.log"

    def test_a_service_without_token_verification_refuses_to_start(
            self, scratch_database: RunDatabase) -> None:
        log = self._log()
        process = start_service(service("candidates"), scratch_database.admin_url,
                                port=free_port(), log_file=log,
                                extra_env={"AUTH_DISABLED": "false", "AUTH_JWKS_URL": ""})
        try:
            assert process.wait(60) != 0
        finally:
            stop([process])
        text = log.read_text()
        assert "AUTH_JWKS_URL" in text and "AUTH_DISABLED=true" in text, text[-2000:]

    def test_auth_disabled_explicitly_starts_and_warns(
            self, scratch_database: RunDatabase) -> None:
        log, port = self._log(), free_port()
        process = start_service(service("candidates"), scratch_database.admin_url, port=port,
                                log_file=log, extra_env={"AUTH_DISABLED": "true",
                                                         "AUTH_JWKS_URL": ""})
        try:
            wait_until_ready(f"http://127.0.0.1:{port}", process=process, timeout=60)
            _until(lambda: "token verification is disabled: every caller is an admin"
                   in log.read_text(), "the warning in the log")
            assert httpx.get(f"http://127.0.0.1:{port}/v1/programmes").status_code == 200
        finally:
            stop([process])


class TestRevocationRule:
    def test_refused_up_to_and_in_the_revocations_second_and_while_blocked(self) -> None:
        revocations = Revocations()
        revocations.apply([{"subject": "a", "not_before": 100, "blocked": False},
                           {"subject": "b", "not_before": 100, "blocked": True}], 2)
        assert revocations.refuses(Principal(subject="a", role="officer", issued_at=99))
        assert revocations.refuses(Principal(subject="a", role="officer", issued_at=100))
        assert not revocations.refuses(Principal(subject="a", role="officer", issued_at=101))
        assert revocations.refuses(Principal(subject="b", role="officer", issued_at=101))
        assert not revocations.refuses(Principal(subject="c", role="officer", issued_at=1))
        revocations.apply([{"subject": "b", "not_before": 105, "blocked": False}], 3)
        assert not revocations.refuses(Principal(subject="b", role="officer", issued_at=106))
        assert revocations.cursor == 3
        revocations.apply([{"subject": "d", "not_before": 200, "blocked": True, "seq": 9},
                           {"subject": "d", "not_before": 100, "blocked": False, "seq": 8}], 9)
        assert revocations.refuses(Principal(subject="d", role="officer", issued_at=300))


class TestAdminManagesAccounts:
    def test_list_filter_page_get_and_404(self, system: GatewaySystem) -> None:
        admin = _admin(system)
        programme = str(uuid.uuid4())
        ids = [_create(admin, "ministry", programme_ids=[programme])[0] for _ in range(3)]
        _create(admin, "officer")
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"role": "ministry", "programme_id": programme, "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = admin.get("/v1/admin/accounts", params=params)
            assert page.status_code == 200, page.text
            seen += [item["id"] for item in page.json()["items"]]
            if not (cursor := page.json()["next_cursor"]):
                break
        assert seen == ids
        one = admin.get(f"/v1/admin/accounts/{ids[0]}").json()
        assert one["role"] == "ministry" and one["programme_ids"] == [programme]
        assert "password" not in str(one) and one["disabled"] is False
        for method, path in (("GET", ""), ("PATCH", ""), ("POST", "/disable"),
                             ("POST", "/enable"), ("DELETE", "")):
            missing = admin.request(method, f"/v1/admin/accounts/{uuid.uuid4()}{path}",
                                    json={} if method == "PATCH" else None)
            assert missing.status_code == 404, (method, path, missing.text)
            assert missing.headers["content-type"] == "application/problem+json"
        assert httpx.get(f"{system.gateway}/v1/admin/accounts", headers={
            "Authorization": f"Bearer {_token(system, _create(admin, 'officer')[1])}"}
        ).status_code == 403

    def test_a_role_needs_its_link(self, system: GatewaySystem) -> None:
        admin = _admin(system)
        for body in ({"role": "employer"}, {"role": "institution"},
                     {"role": "visa_authority", "programme_ids": [str(uuid.uuid4())]},
                     {"role": "visa_authority", "country": "fr"},
                     {"role": "officer", "country": "FR"}):
            response = admin.post("/v1/admin/accounts", json={
                "email": _email("x"), "password": PASSWORD, **body})
            assert response.status_code == 422, (body, response.text)
            assert response.headers["content-type"] == "application/problem+json"
        account_id, email = _create(admin, "visa_authority", country="FR",
                                    programme_ids=[str(uuid.uuid4())])
        assert _claims(_token(system, email))["country"] == "FR"
        changed = admin.patch(f"/v1/admin/accounts/{account_id}", json={"country": None})
        assert changed.status_code == 422, changed.text

    def test_machine_clients_are_managed_alike(self, system: GatewaySystem) -> None:
        admin = _admin(system)
        created = admin.post("/v1/admin/clients", json={
            "name": "visa desk", "role": "visa_authority", "country": "IT"}).json()
        client_id, secret = created["client_id"], created["client_secret"]

        def client_token() -> httpx.Response:
            return httpx.post(f"{system.gateway}/v1/auth/token", data={
                "grant_type": "client_credentials", "client_id": client_id,
                "client_secret": secret})

        old = client_token().json()["access_token"]
        listed = admin.get("/v1/admin/clients", params={"role": "visa_authority"}).json()
        assert client_id in [c["client_id"] for c in listed["items"]]
        assert "client_secret" not in admin.get(f"/v1/admin/clients/{client_id}").json()
        programme = str(uuid.uuid4())
        patched = admin.patch(f"/v1/admin/clients/{client_id}",
                              json={"programme_ids": [programme]})
        assert patched.status_code == 200 and patched.json()["programme_ids"] == [programme]
        _until(lambda: _get(system.gateway, "/v1/programmes", old) == 401, "old token refused")
        assert _claims(client_token().json()["access_token"])["programme_ids"] == [programme]
        assert admin.post(f"/v1/admin/clients/{client_id}/disable").status_code == 200
        assert client_token().status_code == 401
        assert admin.post(f"/v1/admin/clients/{client_id}/enable").status_code == 200
        assert client_token().status_code == 200
        assert admin.delete(f"/v1/admin/clients/{client_id}").status_code == 204
        assert admin.get(f"/v1/admin/clients/{client_id}").status_code == 404
        assert client_token().status_code == 401


class TestRevocationOnTheNextRequest:
    def _refused_everywhere(self, system: GatewaySystem, token: str, what: str) -> float:
        return _until(lambda: _get(system.gateway, "/v1/programmes", token) == 401
                      and _get(system.candidates, "/v1/programmes", token) == 401, what)

    def _accepted_everywhere(self, system: GatewaySystem, token: str, what: str) -> float:
        return _until(lambda: _get(system.gateway, "/v1/programmes", token) == 200
                      and _get(system.candidates, "/v1/programmes", token) == 200, what)

    def test_disable_enable_delete(self, system: GatewaySystem) -> None:
        admin = _admin(system)
        account_id, email = _create(admin, "officer")
        token = _token(system, email)
        self._accepted_everywhere(system, token, "the token to be accepted")
        assert admin.post(f"/v1/admin/accounts/{account_id}/disable").json()["disabled"]
        seconds = self._refused_everywhere(system, token, "the disabled account's token")
        print(f"\nrevocation: refused by the gateway and the candidates service after "
              f"{seconds:.2f} s")
        assert "revoked" in httpx.get(f"{system.candidates}/v1/programmes", headers={
            "Authorization": f"Bearer {token}"}).json()["detail"]
        assert _sign_in(system, email, address=_address()).status_code == 400
        assert admin.post(f"/v1/admin/accounts/{account_id}/enable").status_code == 200
        fresh = _token(system, email)  # the issuer waits out the enable's second
        # accepted once the services have polled the enable (about a second)
        self._accepted_everywhere(system, fresh, "the new token after enabling")
        assert _get(system.gateway, "/v1/programmes", token) == 401  # the old one stays out
        assert admin.delete(f"/v1/admin/accounts/{account_id}").status_code == 204
        self._refused_everywhere(system, fresh, "the deleted account's token")
        assert _sign_in(system, email, address=_address()).status_code == 400

    def test_new_links_need_a_new_token(self, system: GatewaySystem) -> None:
        admin = _admin(system)
        account_id, email = _create(admin, "officer", programme_ids=[])
        old = _token(system, email)
        self._accepted_everywhere(system, old, "the token to be accepted")
        programme = str(uuid.uuid4())
        response = admin.patch(f"/v1/admin/accounts/{account_id}",
                               json={"programme_ids": [programme]})
        assert response.status_code == 200 and response.json()["programme_ids"] == [programme]
        self._refused_everywhere(system, old, "the token with the old links")
        new = _token(system, email)
        assert _claims(new)["programme_ids"] == [programme]
        self._accepted_everywhere(system, new, "the token with the new links")

    def test_password_reset_revokes(self, system: GatewaySystem) -> None:
        admin = _admin(system)
        account_id, email = _create(admin, "officer")
        old = _token(system, email)
        assert admin.patch(f"/v1/admin/accounts/{account_id}",
                           json={"password": "a brand new passphrase"}).status_code == 200
        self._refused_everywhere(system, old, "the token from before the reset")
        assert _sign_in(system, email, address=_address()).status_code == 400
        assert _sign_in(system, email, "a brand new passphrase",
                        address=_address()).status_code == 200

    def test_the_feed_lists_opaque_subjects(self, system: GatewaySystem) -> None:
        feed = httpx.get(f"{system.gateway}/internal/revocations", params={"since": 0}).json()
        assert set(feed) == {"cursor", "more", "revocations"}
        for entry in feed["revocations"]:
            assert set(entry) == {"subject", "not_before", "blocked", "seq"}
            assert "@" not in entry["subject"]
        later = httpx.get(f"{system.gateway}/internal/revocations",
                          params={"since": feed["cursor"]}).json()
        assert later["revocations"] == [] and later["cursor"] == feed["cursor"]


class TestOfficerOpensAProgramme:
    def test_the_officer_runs_the_programme_they_open(self, system: GatewaySystem) -> None:
        admin = _admin(system)
        _, email = _create(admin, "officer", programme_ids=[])
        token = _token(system, email)
        created = httpx.post(f"{system.gateway}/v1/programmes", json=programme_body(),
                             headers={"Authorization": f"Bearer {token}"})
        assert created.status_code == 201, created.text
        programme_id = created.json()["id"]
        # Widening is no revocation: the token in hand still works ...
        assert _get(system.gateway, "/v1/programmes", token) == 200
        # ... and the next one carries the programme.
        assert programme_id in _claims(_token(system, email))["programme_ids"]
        listed = admin.get("/v1/admin/accounts", params={"programme_id": programme_id})
        assert [a["email"] for a in listed.json()["items"]] == [email]


def _profile() -> dict[str, Any]:
    body = candidate_body()
    del body["email"]
    return body


class TestSignUp:
    def test_sign_up_then_sign_in_with_the_profile_linked(self, system: GatewaySystem) -> None:
        email, address = _email("candidate"), _address()
        response = httpx.post(f"{system.gateway}/v1/auth/signup", headers={
            "X-Forwarded-For": address}, json={"email": email, "password": PASSWORD,
                                               "profile": _profile()})
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "received"
        token = _token(system, email)
        claims = _claims(token)
        assert claims["role"] == "candidate" and claims.get("candidate_id"), claims
        me = httpx.get(f"{system.gateway}/v1/candidates/{claims['candidate_id']}",
                       headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["email"] == email
        # Signing up again with the e-mail answers the same, and changes nothing.
        again = httpx.post(f"{system.gateway}/v1/auth/signup", headers={
            "X-Forwarded-For": address}, json={"email": email, "password": "another passphrase",
                                               "profile": _profile()})
        assert (again.status_code, again.json()) == (response.status_code, response.json())
        assert _sign_in(system, email, "another passphrase", _address()).status_code == 400

    def test_an_invalid_profile_creates_nothing(self, system: GatewaySystem) -> None:
        email = _email("candidate")
        response = httpx.post(f"{system.gateway}/v1/auth/signup", headers={
            "X-Forwarded-For": _address()}, json={
            "email": email, "password": PASSWORD, "profile": {**_profile(), "gender": "?"}})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert _sign_in(system, email, address=_address()).status_code == 400

    def test_a_profile_email_taken_in_candidates_is_not_revealed(
            self, system: GatewaySystem) -> None:
        admin = _admin(system)
        taken = candidate_body()
        assert admin.post("/v1/candidates", json=taken).status_code == 201
        response = httpx.post(f"{system.gateway}/v1/auth/signup", headers={
            "X-Forwarded-For": _address()}, json={
            "email": taken["email"], "password": PASSWORD, "profile": _profile()})
        assert response.status_code == 202, response.text
        assert _sign_in(system, taken["email"], address=_address()).status_code == 400

    def test_sign_ups_are_limited_per_address(self, system: GatewaySystem) -> None:
        address, email = _address(), _email("candidate")
        body = {"email": email, "password": PASSWORD, "profile": {}}
        statuses = [httpx.post(f"{system.gateway}/v1/auth/signup", json=body,
                               headers={"X-Forwarded-For": address}).status_code
                    for _ in range(11)]
        assert statuses[-1] == 429, statuses
        other = httpx.post(f"{system.gateway}/v1/auth/signup", json=body,
                           headers={"X-Forwarded-For": _address()})
        assert other.status_code != 429


class TestSignInThrottling:
    def test_failures_lock_the_account_for_a_short_while(self, system: GatewaySystem) -> None:
        _, email = _create(_admin(system), "officer")
        attacker, owner = _address(), _address()
        statuses = [_sign_in(system, email, "wrong password!", attacker)
                    for _ in range(6)]
        assert [r.status_code for r in statuses[:5]] == [400] * 5
        locked = statuses[5]
        assert locked.status_code == 429, locked.text
        assert locked.headers["content-type"] == "application/problem+json"
        assert 1 <= int(locked.headers["retry-after"]) <= 60
        # The account's lock holds whatever the address (guesses come from many), but it is
        # short: its owner, from elsewhere, gets in once it is over, and that resets the count.
        first = _sign_in(system, email, address=owner)
        assert first.status_code == 429
        _until(lambda: _sign_in(system, email, address=owner).status_code == 200,
               "the owner to sign in once the lock is over")
        assert _sign_in(system, email, "wrong password!", attacker).status_code == 400

    def test_failures_from_one_address_lock_that_address(self, system: GatewaySystem) -> None:
        _, email = _create(_admin(system), "officer")
        guesser = _address()
        for _ in range(20):  # each at another e-mail: no account's lock is reached
            assert _sign_in(system, _email("nobody"), "wrong password!",
                            guesser).status_code == 400
        refused = _sign_in(system, email, address=guesser)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert _sign_in(system, email, address=_address()).status_code == 200


class TestComposedEndpointsAreLimited:
    def test_programme_overview_counts_against_the_callers_budget(
            self, system: GatewaySystem, limited_gateway: str) -> None:
        token = system.mint(sub=f"rate-limit-overview-{uuid.uuid4()}")
        url = f"{limited_gateway}/v1/programmes/{uuid.uuid4()}/overview"
        statuses = [httpx.get(url, headers={"Authorization": f"Bearer {token}"})
                    for _ in range(2 * RATE_LIMIT + 1)]  # see RATE_LIMIT_WINDOW
        assert 429 not in [r.status_code for r in statuses[:RATE_LIMIT]]
        limited = next((r for r in statuses if r.status_code == 429), None)
        assert limited is not None, [r.status_code for r in statuses]
        assert 1 <= int(limited.headers["retry-after"]) <= RATE_LIMIT_WINDOW

"""The issuer and token checks at a real gateway process."""

import base64
import hashlib
import hmac
import json
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from launcher.accounts import rotate_keys
from tests.conftest import RunDatabase
from tests.gateway.conftest import ADMIN_EMAIL, ISSUER, GatewaySystem


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _status(system: GatewaySystem, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.get(f"{system.gateway}/v1/programmes", headers=headers)


class TestTokenChecks:
    def test_valid_token_passes(self, system: GatewaySystem) -> None:
        assert _status(system, system.token()).status_code == 200

    def test_missing_token_is_401_problem(self, system: GatewaySystem) -> None:
        response = _status(system, None)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")

    def test_expired(self, system: GatewaySystem) -> None:
        now = int(time.time())
        token = system.mint(iat=now - 3600, exp=now - 1800)
        assert "expired" in _status(system, token).json()["detail"]

    def test_forged_signature(self, system: GatewaySystem) -> None:
        kid, _ = system.signing_key()
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = int(time.time())
        token = jwt.encode({"sub": "x", "role": "admin", "iss": ISSUER, "aud": "pathways",
                            "iat": now, "exp": now + 300}, other, algorithm="RS256",
                           headers={"kid": kid})
        assert _status(system, token).status_code == 401

    def test_wrong_issuer_and_audience(self, system: GatewaySystem) -> None:
        assert _status(system, system.mint(iss="http://evil.test")).status_code == 401
        assert _status(system, system.mint(aud="someone-else")).status_code == 401

    def test_alg_none_and_hs256_confusion(self, system: GatewaySystem) -> None:
        kid, _ = system.signing_key()
        now = int(time.time())
        claims = {"sub": "x", "role": "admin", "iss": ISSUER, "aud": "pathways",
                  "iat": now, "exp": now + 300}
        unsigned = f"{_b64({'alg': 'none', 'kid': kid})}.{_b64(claims)}."
        assert _status(system, unsigned).status_code == 401
        jwks = httpx.get(f"{system.gateway}/.well-known/jwks.json").json()
        public = json.dumps(jwks["keys"][0]).encode()
        header = _b64({"alg": "HS256", "kid": kid, "typ": "JWT"})
        signing_input = f"{header}.{_b64(claims)}"
        signature = base64.urlsafe_b64encode(hmac.new(public, signing_input.encode(),
                                                       hashlib.sha256).digest()).rstrip(b"=")
        assert _status(system, f"{signing_input}.{signature.decode()}").status_code == 401
        assert _status(system, "not-a-jwt").status_code == 401


class TestIssuer:
    def test_discovery_and_jwks(self, system: GatewaySystem) -> None:
        config = httpx.get(f"{system.gateway}/.well-known/openid-configuration").json()
        assert config["issuer"] == ISSUER
        assert config["token_endpoint"].endswith("/v1/auth/token")
        keys = httpx.get(f"{system.gateway}/.well-known/jwks.json").json()["keys"]
        assert keys and all("d" not in k for k in keys)  # public parts only

    def test_password_grant_token_claims(self, system: GatewaySystem) -> None:
        response = httpx.post(f"{system.gateway}/v1/auth/token", data={
            "grant_type": "password", "username": ADMIN_EMAIL, "password": "wrong password!"})
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
        claims = jwt.decode(system.token(), options={"verify_signature": False})
        assert claims["role"] == "admin" and claims["iss"] == ISSUER

    def test_nul_in_credentials_is_refused(self, system: GatewaySystem) -> None:
        # PostgreSQL cannot compare text holding U+0000: refused before any lookup, not a 500
        for form in ({"grant_type": "password", "username": "a\x00@example.org",
                      "password": "x"},
                     {"grant_type": "client_credentials", "client_id": "c\x00",
                      "client_secret": "s"}):
            response = httpx.post(f"{system.gateway}/v1/auth/token", data=form)
            assert response.status_code == 400, response.text
            assert response.json()["error"] == "invalid_request"
        headers = {"Authorization": f"Bearer {system.token()}"}
        for path, body in (("/v1/admin/clients", {"name": "visa\u0000desk", "role": "service"}),
                           ("/v1/admin/accounts", {"email": "nul@example.org", "role": "admin",
                                                   "password": "a long\u0000passphrase"})):
            response = httpx.post(f"{system.gateway}{path}", json=body, headers=headers)
            assert response.status_code == 422, response.text

    def test_admin_creates_client_which_gets_a_token(self, system: GatewaySystem) -> None:
        admin = {"Authorization": f"Bearer {system.token()}"}
        created = httpx.post(f"{system.gateway}/v1/admin/clients", headers=admin,
                             json={"name": "Ministry visa desk", "role": "ministry"})
        assert created.status_code == 201, created.text
        client = created.json()
        response = httpx.post(f"{system.gateway}/v1/auth/token", data={
            "grant_type": "client_credentials", "client_id": client["client_id"],
            "client_secret": client["client_secret"]})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "bearer" and body["expires_in"] > 0
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["role"] == "ministry" and claims["client_id"] == client["client_id"]
        basic = httpx.post(f"{system.gateway}/v1/auth/token",
                           data={"grant_type": "client_credentials"},
                           auth=(client["client_id"], client["client_secret"]))
        assert basic.status_code == 200
        wrong = httpx.post(f"{system.gateway}/v1/auth/token", data={
            "grant_type": "client_credentials", "client_id": client["client_id"],
            "client_secret": "nope"})
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        # a ministry token is not an admin's
        ministry = {"Authorization": f"Bearer {body['access_token']}"}
        forbidden = httpx.post(f"{system.gateway}/v1/admin/clients", headers=ministry,
                               json={"name": "x", "role": "ministry"})
        assert forbidden.status_code == 403

    def test_admin_creates_account(self, system: GatewaySystem) -> None:
        admin = {"Authorization": f"Bearer {system.token()}"}
        body = {"email": "officer@example.org", "password": "officer password 1",
                "role": "officer"}
        assert httpx.post(f"{system.gateway}/v1/admin/accounts", headers=admin,
                          json=body).status_code == 201
        assert httpx.post(f"{system.gateway}/v1/admin/accounts", headers=admin,
                          json=body).status_code == 409
        token = system.token(email="officer@example.org", password="officer password 1")
        assert _status(system, token).status_code == 200
        assert httpx.post(f"{system.gateway}/v1/admin/accounts", json=body).status_code == 401


class TestKeyRotation:
    def test_rotation_keeps_old_tokens_and_services_learn_the_new_key(
        self, system: GatewaySystem, scratch_database: RunDatabase,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        before = system.token()
        assert rotate_keys(scratch_database.admin_url, algorithm="RS256") == 0
        assert "New signing key" in capsys.readouterr().out
        after = system.token()
        old_kid = jwt.get_unverified_header(before)["kid"]
        new_kid = jwt.get_unverified_header(after)["kid"]
        assert new_kid != old_kid
        published = {k["kid"] for k in httpx.get(
            f"{system.gateway}/.well-known/jwks.json").json()["keys"]}
        assert {old_kid, new_kid} <= published
        # Verifiers refetch the JWKS for an unknown kid, at most once a second (the gateway) or
        # every few seconds (a service), so the first call may come too soon after another.
        for url in (f"{system.gateway}/v1/programmes", f"{system.candidates}/v1/programmes"):
            assert _eventually_ok(url, after), url
            assert _eventually_ok(url, before), url


def _eventually_ok(url: str, token: str) -> bool:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200:
            return True
        time.sleep(0.5)
    return False

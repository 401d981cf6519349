"""An operator's own OpenID provider, trusted through AUTH_TRUSTED_ISSUERS, end to end.

A real, independent provider (panva's oidc-provider, tests/external/oidc_provider.mjs) runs as
its own Node process; a whole Pathways system runs configured to trust it, with its roles in
Keycloak's shape (``realm_access.roles``) mapped to Pathways roles. A ministry's machine client
(client credentials) and an officer who signs in (authorization code with PKCE) get their
tokens from that provider alone and work through the gateway, which forwards them to services
that verify them again. What each caller may reach comes from the provider's claims: the test
changes them at the provider, as its operator would.
"""

import base64
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from launcher.runner import PROJECT_ROOT, free_port
from tests.actors import Api, until
from tests.candidates.factories import programme_body
from tests.conftest import RunDatabase
from tests.system import running_system

SCRIPT = PROJECT_ROOT / "tests" / "external" / "oidc_provider.mjs"
REDIRECT_URI = "http://127.0.0.1/callback"
MINISTRY_SECRET = "the ministry client's long secret"
AUDITOR_SECRET = "an auditor client's long secret"
OFFICER, OFFICER_PASSWORD = "amina.officer", "the officer's long passphrase"
ROLES = {"pathways-officer": "officer", "pathways-ministry": "ministry"}
DEADLINE = 30.0


class Provider:
    """The running provider: its issuer, and the setup file it reads at every token."""

    def __init__(self, issuer: str, setup_path: Path) -> None:
        self.issuer = issuer
        self.setup_path = setup_path

    def setup(self) -> dict[str, Any]:
        return json.loads(self.setup_path.read_text())  # type: ignore[no-any-return]

    def write(self, setup: dict[str, Any]) -> None:
        """Change what the next tokens say (written whole, then moved in place)."""
        partial = self.setup_path.with_suffix(".partial")
        partial.write_text(json.dumps(setup))
        os.replace(partial, self.setup_path)

    def grant_programmes(self, programme_ids: list[str], *, account: str | None = None,
                         client: str | None = None) -> None:
        """Give an account's or a client's next tokens these programmes."""
        setup = self.setup()
        if account is not None:
            setup["accounts"][account]["claims"]["programme_ids"] = programme_ids
        for entry in setup["clients"]:
            if entry["client_id"] == client:
                entry["claims"]["programme_ids"] = programme_ids
        self.write(setup)

    def client_token(self, client_id: str, secret: str) -> str:
        """A machine client's access token (client credentials)."""
        response = httpx.post(f"{self.issuer}/token", data={"grant_type": "client_credentials"},
                              auth=(client_id, secret))
        assert response.status_code == 200, response.text
        return response.json()["access_token"]  # type: ignore[no-any-return]

    def sign_in(self, login: str, password: str) -> str:
        """A person's access token: authorization code flow with PKCE, signing in at the
        provider (its sign-in form's POST) as a browser would, redirects followed by hand."""
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        state = secrets.token_urlsafe(8)
        with httpx.Client(base_url=self.issuer) as browser:
            start = browser.get("/auth", params={
                "client_id": "pathways-web", "response_type": "code",
                "redirect_uri": REDIRECT_URI, "scope": "openid pathways", "state": state,
                "code_challenge": challenge, "code_challenge_method": "S256"})
            assert start.status_code == 303, start.text
            signed_in = browser.post(f"{start.headers['location']}/login",
                                     data={"login": login, "password": password})
            assert signed_in.status_code == 303, signed_in.text
            back = browser.get(signed_in.headers["location"])
            assert back.status_code == 303, back.text
            answer = parse_qs(urlsplit(back.headers["location"]).query)
            assert answer["state"] == [state]
            response = browser.post("/token", data={
                "grant_type": "authorization_code", "code": answer["code"][0],
                "redirect_uri": REDIRECT_URI, "code_verifier": verifier,
                "client_id": "pathways-web"})
        assert response.status_code == 200, response.text
        return response.json()["access_token"]  # type: ignore[no-any-return]


def _setup() -> dict[str, Any]:
    keycloak_roles = {"realm_access": {"roles": ["offline_access", "pathways-ministry"]}}
    return {
        "clients": [
            {"client_id": "ministry-stats", "client_secret": MINISTRY_SECRET,
             "grant_types": ["client_credentials"], "response_types": [], "redirect_uris": [],
             "claims": {**keycloak_roles, "programme_ids": []}},
            {"client_id": "auditor", "client_secret": AUDITOR_SECRET,
             "grant_types": ["client_credentials"], "response_types": [], "redirect_uris": [],
             "claims": {"realm_access": {"roles": ["pathways-auditor"]}}},
            {"client_id": "pathways-web", "token_endpoint_auth_method": "none",
             "grant_types": ["authorization_code"], "response_types": ["code"],
             "redirect_uris": [REDIRECT_URI]},
        ],
        "accounts": {OFFICER: {"password": OFFICER_PASSWORD, "claims": {
            "realm_access": {"roles": ["offline_access", "pathways-officer"]},
            "programme_ids": []}}},
    }


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """The provider, started as its own process and stopped (by its pid) after the module."""
    node = shutil.which("node")
    assert node is not None, "the tests need Node.js (tests/external)"
    folder = tmp_path_factory.mktemp("oidc-provider")
    port = free_port()
    running = Provider(f"http://127.0.0.1:{port}", folder / "setup.json")
    running.write(_setup())
    with (folder / "provider.log").open("wb") as log:
        process = subprocess.Popen([node, str(SCRIPT), str(port), str(running.setup_path)],
                                   cwd=SCRIPT.parent, stdout=log, stderr=subprocess.STDOUT)
    try:
        def answers() -> bool:  # ready once its discovery document answers
            assert process.poll() is None, (folder / "provider.log").read_text()
            try:
                return httpx.get(f"{running.issuer}/.well-known/openid-configuration",
                                 timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        until(answers, "the OpenID provider answers", DEADLINE)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def system(provider: Provider, scratch_database: RunDatabase) -> Iterator[dict[str, str]]:
    """A whole Pathways system trusting the provider (keys found by its discovery document)."""
    trusted = [{"issuer": provider.issuer, "audience": "pathways", "algorithms": ["RS256"],
                "claims": {"role": "realm_access.roles"}, "roles": ROLES,
                "refresh_seconds": 60}]
    with running_system(scratch_database.admin_url,
                        env={"AUTH_TRUSTED_ISSUERS": json.dumps(trusted)}) as urls:
        yield dict(urls)


@pytest.fixture(scope="module")
def programme_id(provider: Provider, system: dict[str, str]) -> str:
    """A programme the external officer opened through the gateway."""
    officer = Api(system["gateway"], provider.sign_in(OFFICER, OFFICER_PASSWORD))
    created = officer.post("/v1/programmes", 201, json=programme_body(
        gender_balance_min_share=None))
    return created["id"]  # type: ignore[no-any-return]


def test_the_officer_signs_in_at_the_provider_and_runs_a_programme(
        provider: Provider, system: dict[str, str], programme_id: str) -> None:
    officer = Api(system["gateway"], provider.sign_in(OFFICER, OFFICER_PASSWORD))
    assert officer.get(f"/v1/programmes/{programme_id}")["id"] == programme_id
    # The gateway keeps no account for them: the programme is theirs once their provider's
    # claims say so, not before.
    path = f"/v1/programmes/{programme_id}"
    officer.call("PATCH", path, 404, json={"capacity": 60}, headers=officer.if_match(path))
    provider.grant_programmes([programme_id], account=OFFICER)
    officer = Api(system["gateway"], provider.sign_in(OFFICER, OFFICER_PASSWORD))
    changed = officer.call("PATCH", path, json={"capacity": 60}, headers=officer.if_match(path))
    assert changed["capacity"] == 60


def test_the_ministry_client_reads_its_programmes_statistics(
        provider: Provider, system: dict[str, str], programme_id: str) -> None:
    path = f"/v1/programmes/{programme_id}/statistics"
    ministry = Api(system["gateway"], provider.client_token("ministry-stats", MINISTRY_SECRET))
    ministry.get(path, 404)  # not among its programmes yet
    provider.grant_programmes([programme_id], client="ministry-stats")
    token = provider.client_token("ministry-stats", MINISTRY_SECRET)
    ministry = Api(system["gateway"], token)
    assert ministry.get(path)["programme_id"] == programme_id
    ministry.get("/v1/placements", 403)  # aggregates, never a person
    # The service verifies the provider's token itself too.
    direct = httpx.get(f"{system['candidates']}{path}",
                       headers={"Authorization": f"Bearer {token}"})
    assert direct.status_code == 200, direct.text


def test_a_role_that_does_not_map_is_forbidden(provider: Provider,
                                               system: dict[str, str]) -> None:
    token = provider.client_token("auditor", AUDITOR_SECRET)
    for base in (system["gateway"], system["candidates"]):
        response = httpx.get(f"{base}/v1/programmes",
                             headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "no Pathways role" in response.json()["detail"]


def test_an_issuer_not_configured_and_a_foreign_key_are_401(provider: Provider,
                                                             system: dict[str, str]) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"sub": "someone", "aud": "pathways", "iat": now, "exp": now + 300,
              "realm_access": {"roles": ["pathways-ministry"]}}
    for issuer, detail in (("http://127.0.0.1:9/realms/other", "issuer is not trusted"),
                           (provider.issuer, "not signed by a key of this issuer")):
        token = jwt.encode({**claims, "iss": issuer}, key, algorithm="RS256",
                           headers={"kid": uuid.uuid4().hex})
        response = httpx.get(f"{system['gateway']}/v1/programmes",
                             headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert detail in response.json()["detail"]


def test_the_gateways_discovery_document(system: dict[str, str]) -> None:
    config = httpx.get(f"{system['gateway']}/.well-known/openid-configuration").json()
    for required in ("issuer", "token_endpoint", "jwks_uri", "response_types_supported",
                     "subject_types_supported", "id_token_signing_alg_values_supported"):
        assert required in config
    assert config["subject_types_supported"] == ["public"]
    assert "RS256" in config["id_token_signing_alg_values_supported"]

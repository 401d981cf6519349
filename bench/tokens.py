"""Bearer tokens as production has them, for the benchmarks that measure requests.

A real gateway process issues the token (the password grant of an admin account made for the
run) and publishes its keys and its revocation feed; the services verify the token with
``shared.auth`` against that JWKS and feed, wired as ``make dev`` wires them
(:func:`launcher.runner.auth_env`). A bare baseline verifies the very same token with
:class:`CachedKeyVerifier`: PyJWT on the key fetched once from the same JWKS. Both remember a
token they verified until it expires (``shared.auth.TokenVerifier`` does), so that each ratio
compares the same work.
"""

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from bench.environment import free_port, uvicorn_process
from launcher.accounts import ensure_admin
from launcher.api_client import Api
from launcher.runner import auth_env
from launcher.topology import SERVICES, service
from shared.settings import role_url

ADMIN, PASSWORD = "bench@example.org", "a long enough benchmark passphrase"
AUDIENCE = "pathways"
ALGORITHMS = ("RS256", "EdDSA")  # what shared.auth accepts
# What the report says of figures whose two sides verify the token this way.
VERIFIED = ("both sides verify the same RS256 bearer token, issued by a real gateway: the "
            "service with shared.auth against the gateway's JWKS, polling its revocation feed, "
            "as in production; the baseline with PyJWT on the key it fetched once from that "
            "JWKS; both remember a verified token until it expires")


@dataclass(frozen=True)
class Issuer:
    """A running gateway that issues tokens, and an admin's token from it."""

    url: str  # its base URL, also the issuer its tokens name
    token: str

    def service_env(self) -> dict[str, str]:
        """What makes a service (or a baseline) verify this issuer's tokens: its JWKS, its
        revocation feed and its name."""
        return auth_env(self.url)

    def authorization(self) -> dict[str, str]:
        """The request header carrying the token."""
        return {"Authorization": f"Bearer {self.token}"}

    async def verifier(self) -> "CachedKeyVerifier":
        """A bare verifier of this issuer's tokens, its keys fetched now."""
        return await CachedKeyVerifier.fetch(self.service_env()["AUTH_JWKS_URL"],
                                             issuer=self.url)


def gateway_database_url(candidates_url: str) -> str:
    """The gateway's role on the benchmark's database (``candidates_url`` is the candidates
    role's)."""
    return role_url(candidates_url, role=service("gateway").role,
                    password=os.environ.get("GATEWAY_DATABASE_PASSWORD"))


def _admin_token(candidates_url: str, gateway: str) -> str:
    # ensure_admin derives the gateway role's URL from any URL of the database.
    ensure_admin(candidates_url, email=ADMIN, password=PASSWORD)
    api = Api.login(gateway, ADMIN, PASSWORD)
    api.http.close()
    return api.token


@asynccontextmanager
async def running_issuer(candidates_url: str, *, upstream: str) -> AsyncIterator[Issuer]:
    """A gateway on the benchmark's database routing every service to ``upstream``, and an
    admin's token from it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    gateway_env = {
        "GATEWAY_DATABASE_URL": gateway_database_url(candidates_url),
        "GATEWAY_LOG_LEVEL": "INFO", "GATEWAY_ISSUER": url,
        "GATEWAY_UPSTREAMS": json.dumps({s.name: upstream for s in SERVICES
                                         if s.name != "gateway"}),
        # The load is one subject's: production's per-subject limit would refuse most of it.
        "GATEWAY_RATE_LIMIT_REQUESTS": "100000000",
        # One token outlives the longest benchmark on a slow machine; a remembered token is
        # checked alike whatever its lifetime.
        "GATEWAY_TOKEN_TTL_SECONDS": "7200"}
    # Live, not ready: its upstream starts once it can fetch this gateway's keys.
    spec = service("gateway")
    with uvicorn_process(spec.app, env=gateway_env, port=port, probe="/health/live",
                         http=spec.http):
        # In a thread: making the account runs an event loop of its own.
        yield Issuer(url, await asyncio.to_thread(_admin_token, candidates_url, url))


class InvalidToken(Exception):
    """The bearer token is missing or does not verify."""


class CachedKeyVerifier:
    """Verifies bearer tokens with PyJWT on keys fetched once from a JWKS."""

    def __init__(self, jwks: dict[str, Any], *, issuer: str, audience: str = AUDIENCE) -> None:
        self.keys = {k["kid"]: jwt.PyJWK(k) for k in jwks["keys"] if k.get("alg") in ALGORITHMS}
        self.issuer, self.audience = issuer, audience
        self._verified: dict[str, float] = {}  # token -> its expiry (epoch seconds)

    @classmethod
    async def fetch(cls, jwks_url: str, *, issuer: str) -> "CachedKeyVerifier":
        """A verifier holding the keys ``jwks_url`` publishes now."""
        async with httpx.AsyncClient() as client:
            response = await client.get(jwks_url)
            response.raise_for_status()
            return cls(response.json(), issuer=issuer)

    def verify(self, authorization: str | None) -> None:
        """Return if ``authorization`` is ``Bearer <a valid token>``; raise InvalidToken."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise InvalidToken("no bearer token")
        expires = self._verified.get(token)
        if expires is not None and time.time() < expires:
            return
        try:
            header = jwt.get_unverified_header(token)
            key = self.keys[header["kid"]]
            claims = jwt.decode(token, key.key, algorithms=[header["alg"]],
                                audience=self.audience, issuer=self.issuer,
                                options={"require": ["exp", "iat", "iss", "aud", "sub"]})
        except (jwt.PyJWTError, KeyError) as error:
            raise InvalidToken(str(error)) from error
        self._verified[token] = float(claims["exp"])


def require_token_checks(urls: list[str], authorization: dict[str, str]) -> None:
    """Make sure each GET ``url`` answers 200 with ``authorization`` and 401 without: a side
    that let every request in would compare less work than the other."""
    for url in urls:
        with_token = httpx.get(url, headers=authorization, timeout=30.0).status_code
        without = httpx.get(url, timeout=30.0).status_code
        if (with_token, without) != (200, 401):
            raise RuntimeError(f"GET {url} answered {with_token} with the token and {without} "
                               "without: it must verify tokens (200, then 401)")

"""Who is calling: bearer tokens verified the same way by the gateway and every service.

Tokens are JWTs signed by the gateway's issuer with an asymmetric key (RS256 or EdDSA); their
public keys are published at the issuer's JWKS URL. A verifier checks the signature with the key
named by the token's ``kid`` (fetching the JWKS again when the kid is unknown: that is how a key
rotation reaches the services), the algorithm against an allow-list (never ``none``, never an
HMAC algorithm, so a public key cannot be abused as an HMAC secret), the issuer, the audience and
the expiry.

In a service, auth is on when ``AUTH_JWKS_URL`` is set. A service with neither it nor an explicit
``AUTH_DISABLED=true`` refuses to start (``shared.app``): a forgotten setting must not open every
route. With ``AUTH_DISABLED=true`` (tests, a service debugged on its own) :data:`PrincipalDep`
yields :data:`AUTH_DISABLED`, an all-powerful principal.

A verified token can still be revoked before it expires (its account disabled, deleted or
re-linked): :class:`Revocations` holds, per subject, the second up to which its tokens are
refused; the gateway fills it from its database, each service from the gateway's feed.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.errors import ProblemError

log = logging.getLogger("pathways.auth")

ALLOWED_ALGORITHMS: tuple[str, ...] = ("RS256", "EdDSA")
ROLES: tuple[str, ...] = ("admin", "officer", "candidate", "employer", "institution", "ministry",
                          "visa_authority", "service", "data_protection_officer")
"""``ministry`` holds a statistics grant (aggregates of its programmes, never a person);
``visa_authority`` is a destination country's visa desk for its programmes: it reads the visa
files of their placements in its ``country`` and posts the decisions;
``data_protection_officer`` reads every service's access record and verifies its chains, and
sees no person's data itself."""


class AuthSettings(BaseSettings):
    """``AUTH_ISSUER``, ``AUTH_AUDIENCE``, ``AUTH_JWKS_URL``: shared by every service."""

    model_config = SettingsConfigDict(extra="ignore")

    auth_issuer: str = "http://127.0.0.1:8000"
    auth_audience: str = "pathways"
    auth_jwks_url: str | None = None
    # Every caller is an admin. Only ever set on purpose (tests, debugging one service alone):
    # a service with no AUTH_JWKS_URL and without this refuses to start.
    auth_disabled: bool = False
    # The gateway's revocation feed; by default AUTH_JWKS_URL's origin + /internal/revocations.
    # "off" turns polling off (an operator's own OpenID Connect provider has no such feed).
    auth_revocations_url: str | None = None
    auth_revocations_poll_seconds: float = 1.0

    def revocations_url(self) -> str | None:
        """Where revocations are polled from, or None when there is no feed."""
        if self.auth_revocations_url:
            return None if self.auth_revocations_url == "off" else self.auth_revocations_url
        if not self.auth_jwks_url:
            return None
        parts = httpx.URL(self.auth_jwks_url)
        return str(parts.copy_with(path="/internal/revocations", query=None, fragment=None))


class InvalidToken(ProblemError):
    """The bearer token is missing, malformed, expired, forged or meant for someone else."""

    status, slug, title = 401, "invalid-token", "Invalid or missing token"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.headers = {"www-authenticate": 'Bearer error="invalid_token"'}


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Forbidden"


class KeysUnavailable(ProblemError):
    """The issuer's keys, needed to check this token, cannot be fetched now (the gateway or its
    database is down): no verdict on the token, try again."""

    status, slug, title = 503, "token-keys-unavailable", "Token keys unavailable"

    def __init__(self) -> None:
        super().__init__("The keys that check tokens cannot be fetched from their issuer right "
                         "now; try again shortly.")
        self.headers = {"Retry-After": "5"}


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller a verified token names: a person's account or a machine client."""

    subject: str
    role: str
    candidate_id: uuid.UUID | None = None
    employer_id: uuid.UUID | None = None
    institution_id: uuid.UUID | None = None
    programme_ids: tuple[uuid.UUID, ...] = field(default_factory=tuple)
    client_id: str | None = None
    # A visa authority's destination country (ISO 3166-1 alpha-2).
    country: str | None = None
    # When the token was issued (its ``iat``): a revocation rejects tokens issued before it.
    issued_at: int = 0

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> "Principal":
        """The principal of a verified token's claims."""

        def optional_uuid(name: str) -> uuid.UUID | None:
            value = claims.get(name)
            return uuid.UUID(value) if value else None

        return cls(
            subject=str(claims["sub"]), role=str(claims.get("role", "")),
            candidate_id=optional_uuid("candidate_id"),
            employer_id=optional_uuid("employer_id"),
            institution_id=optional_uuid("institution_id"),
            programme_ids=tuple(uuid.UUID(p) for p in claims.get("programme_ids") or ()),
            client_id=claims.get("client_id"),
            country=claims.get("country") or None,
            issued_at=int(claims.get("iat") or 0),
        )

    def claims(self) -> dict[str, Any]:
        """The token claims describing this principal (besides iss, aud, exp, iat)."""
        body: dict[str, Any] = {"sub": self.subject, "role": self.role}
        for name in ("candidate_id", "employer_id", "institution_id"):
            if (value := getattr(self, name)) is not None:
                body[name] = str(value)
        if self.programme_ids:
            body["programme_ids"] = [str(p) for p in self.programme_ids]
        if self.client_id:
            body["client_id"] = self.client_id
        if self.country:
            body["country"] = self.country
        return body


AUTH_DISABLED = Principal(subject="auth-disabled", role="admin")
"""What :data:`PrincipalDep` yields when auth is off (``AUTH_DISABLED=true``)."""


class Revocations:
    """Per subject, the second up to which its tokens are refused, and the blocked subjects.

    A token is refused when its ``iat`` is at or before its subject's ``not_before``; ``iat`` has
    one-second granularity, so a token issued in the very second of a revocation is refused too,
    whether it came before or after it (the issuer waits for the next second before it signs for
    a subject revoked this second, so a fresh token is never refused). A blocked subject (account
    disabled or deleted) is refused whatever its tokens' age.
    """

    def __init__(self) -> None:
        self.not_before: dict[str, int] = {}
        self.blocked: set[str] = set()
        self.cursor = 0  # the feed's position: the last change applied
        self._seq: dict[str, int] = {}  # each subject's last change applied

    def apply(self, changes: Sequence[dict[str, Any]], cursor: int) -> None:
        """Take in changes from the feed (each ``subject``, ``not_before``, ``blocked`` and
        ``seq``); a change older than one already applied for its subject is passed over."""
        for change in changes:
            subject = str(change["subject"])
            seq = int(change.get("seq", 0))
            if seq and seq < self._seq.get(subject, 0):
                continue
            self._seq[subject] = seq
            self.not_before[subject] = int(change["not_before"])
            if change.get("blocked"):
                self.blocked.add(subject)
            else:
                self.blocked.discard(subject)
        self.cursor = max(self.cursor, cursor)

    def refuses(self, principal: "Principal") -> bool:
        """Whether ``principal``'s token has been revoked."""
        if principal.subject in self.blocked:
            return True
        not_before = self.not_before.get(principal.subject)
        return not_before is not None and principal.issued_at <= not_before


async def poll_revocations(revocations: Revocations, *, url: str, client: httpx.AsyncClient,
                           interval: float) -> None:
    """Keep ``revocations`` up to date from the gateway's feed at ``url``, every ``interval``
    seconds, until cancelled. While the feed cannot be read the last known state is kept (and a
    warning logged once per outage): tokens go on being checked against it."""
    failing = False
    while True:
        try:
            while True:  # pages until the feed has nothing more
                response = await client.get(url, params={"since": revocations.cursor},
                                            timeout=5.0)
                response.raise_for_status()
                body = response.json()
                revocations.apply(body["revocations"], int(body["cursor"]))
                if not body.get("more"):
                    break
            if failing:
                log.info("revocation feed reachable again", extra={"url": url})
            failing = False
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            if not failing:
                log.warning("revocation feed unreachable; keeping the last known revocations",
                            extra={"url": url, "error_type": type(exc).__name__})
            failing = True
        await asyncio.sleep(interval)


class KeySource(Protocol):
    """Where a verifier finds public keys by kid."""

    async def key(self, kid: str) -> jwt.PyJWK | None:
        """The key called ``kid``, refreshing the set once if it is unknown; None if none."""

    async def refresh(self) -> None:
        """Load the key set again now."""


class StaticKeySource:
    """Keys given up front, refreshed by calling ``load`` when a kid is unknown."""

    def __init__(self, load: Callable[[], Awaitable[dict[str, Any]]], *,
                 min_refresh_interval: float = 5.0) -> None:
        self._load = load
        self._keys: dict[str, jwt.PyJWK] = {}
        self._loaded_at = -1e9
        self._lock = asyncio.Lock()
        self.min_refresh_interval = min_refresh_interval

    async def key(self, kid: str) -> jwt.PyJWK | None:
        """See :class:`KeySource`."""
        if (found := self._keys.get(kid)) is not None:
            return found
        async with self._lock:
            if kid not in self._keys and \
                    time.monotonic() - self._loaded_at >= self.min_refresh_interval:
                await self.refresh()
        return self._keys.get(kid)

    async def refresh(self) -> None:
        """Load the key set again."""
        document = await self._load()
        keys: dict[str, jwt.PyJWK] = {}
        for entry in document.get("keys", []):
            if entry.get("kid") and entry.get("alg") in ALLOWED_ALGORITHMS:
                keys[entry["kid"]] = jwt.PyJWK(entry)
        self._keys = keys
        self._loaded_at = time.monotonic()


def jwks_key_source(url: str, client: httpx.AsyncClient) -> StaticKeySource:
    """Keys fetched from a JWKS URL, fetched again on an unknown kid (key rotation)."""

    async def load() -> dict[str, Any]:
        try:
            response = await client.get(url, timeout=5.0)
            response.raise_for_status()
            keys: dict[str, Any] = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("token keys unavailable", extra={"url": url,
                                                         "error_type": type(exc).__name__})
            raise KeysUnavailable from exc
        return keys

    return StaticKeySource(load)


class TokenVerifier:
    """Verifies bearer tokens; remembers verified ones until they expire."""

    def __init__(self, *, issuer: str, audience: str, keys: KeySource,
                 algorithms: Sequence[str] = ALLOWED_ALGORITHMS, leeway: float = 10.0,
                 cache_size: int = 10_000, revocations: Revocations | None = None) -> None:
        self.issuer = issuer
        self.audience = audience
        self.keys = keys
        self.algorithms = tuple(a for a in algorithms if a in ALLOWED_ALGORITHMS)
        self.leeway = leeway
        self.cache_size = cache_size
        self._cache: dict[str, tuple[Principal, float]] = {}
        self.revocations = revocations

    def _unrevoked(self, principal: Principal) -> Principal:
        # Asked of cached tokens too: a revocation must reach a token verified before it.
        if self.revocations is not None and self.revocations.refuses(principal):
            raise InvalidToken("The token has been revoked; get a new one.")
        return principal

    async def verify(self, token: str) -> Principal:
        """The principal of a valid, unrevoked token; :class:`InvalidToken` otherwise."""
        cached = self._cache.get(token)
        if cached is not None:
            principal, expires = cached
            if time.time() < expires + self.leeway:
                return self._unrevoked(principal)
            del self._cache[token]
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("The token is not a well-formed JWT.") from exc
        algorithm = header.get("alg")
        if algorithm not in self.algorithms:
            raise InvalidToken(f"Tokens signed with {algorithm!r} are not accepted.")
        kid = header.get("kid")
        key = await self.keys.key(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken("The token was not signed by a key of this issuer.")
        if key.algorithm_name != algorithm:
            raise InvalidToken("The token's algorithm does not match its key.")
        try:
            claims = jwt.decode(
                token, key.key, algorithms=[algorithm], audience=self.audience,
                issuer=self.issuer, leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
            principal = Principal.from_claims(claims)
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("The token has expired.") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken("The token is meant for another audience.") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken("The token was issued by someone else.") from exc
        except (jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
            raise InvalidToken("The token is not valid.") from exc
        if len(self._cache) >= self.cache_size:
            self._cache.clear()
        self._cache[token] = (principal, float(claims["exp"]))
        return self._unrevoked(principal)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def verifier_from_settings(settings: AuthSettings, client: httpx.AsyncClient,
                           revocations: Revocations | None = None) -> TokenVerifier | None:
    """A verifier fetching keys from ``AUTH_JWKS_URL``, or None (auth off) when it is unset."""
    if not settings.auth_jwks_url:
        return None
    return TokenVerifier(issuer=settings.auth_issuer, audience=settings.auth_audience,
                         keys=jwks_key_source(settings.auth_jwks_url, client),
                         revocations=revocations)


# Where a request keeps its verified caller: several dependencies of one route may ask for it.
_PRINCIPAL_KEY = "pathways.principal"


async def get_principal(request: Request) -> Principal:
    """The caller, from the request's bearer token; :data:`AUTH_DISABLED` when auth is off."""
    known: Principal | None = request.scope.get(_PRINCIPAL_KEY)
    if known is not None:
        return known
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        principal = AUTH_DISABLED
    else:
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            raise InvalidToken("Send a bearer token: Authorization: Bearer <access_token>.")
        principal = await verifier.verify(token)
    request.scope[_PRINCIPAL_KEY] = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
SIGNED_IN = Depends(get_principal)
"""Route dependency of a route open to every signed-in role."""

# get_principal and every require_roles dependency: what proves a route checks the token.
_AUTHENTICATORS: set[Callable[..., Any]] = {get_principal}


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that yields the caller when their role is one of ``roles``, else 403."""

    # It takes the request rather than PrincipalDep: each sub-dependency FastAPI resolves costs
    # a route about 15 µs per request (measured on the hot reads), and get_principal keeps its
    # answer in the request for the route's other dependencies anyway.
    async def dependency(request: Request) -> Principal:
        principal = await get_principal(request)
        if principal.role not in roles:
            raise Forbidden(f"This needs one of the roles: {', '.join(roles)}.")
        return principal

    _AUTHENTICATORS.add(dependency)
    return dependency


def authenticates(dependant: Dependant) -> bool:
    """Whether a route (its FastAPI dependant) checks the caller's token, itself or through one
    of its dependencies."""
    return any(d.call in _AUTHENTICATORS or authenticates(d) for d in dependant.dependencies)


# OpenAPI ``responses=`` of a router whose routes need a token: 401 and 403.
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    **InvalidToken.response_doc(), **Forbidden.response_doc(),
}

"""Who is calling: bearer tokens verified the same way by the gateway and every service.

Tokens are JWTs signed with an asymmetric key (:mod:`shared.jwks`: RS256, PS256, ES256 or
EdDSA; never ``none``, never an HMAC algorithm, so a public key cannot be abused as an HMAC
secret). The gateway's built-in issuer signs them, and an operator may trust its own OpenID
Connect providers besides (``AUTH_TRUSTED_ISSUERS``, :mod:`shared.trusted_issuers`). A verifier
picks the issuer by the token's ``iss``, then checks the signature with that issuer's key named
by the token's ``kid`` (reading the issuer's keys again when the kid is unknown, a rotation, and
every few minutes, a withdrawal), the algorithm against that issuer's allow-list and the key's
type, the audience and the expiry.

In a service, auth is on when ``AUTH_JWKS_URL`` is set. A service with neither it nor an explicit
``AUTH_DISABLED=true`` refuses to start (``shared.app``): a forgotten setting must not open every
route. With ``AUTH_DISABLED=true`` (tests, a service debugged on its own) :data:`PrincipalDep`
yields :data:`AUTH_DISABLED`, an all-powerful principal.

A verified token of the built-in issuer can still be revoked before it expires (its account
disabled, deleted or re-linked): :class:`Revocations` holds, per subject, the second up to which
its tokens are refused; the gateway fills it from its database, each service from the gateway's
feed. An external issuer's subjects are not in that feed: such an issuer revokes by its own
means (short-lived tokens, withdrawing a key from its JWKS).
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared import i18n
from shared.errors import ProblemError
from shared.i18n import _
from shared.jwks import ALLOWED_ALGORITHMS as ALLOWED_ALGORITHMS
from shared.jwks import KeySource as KeySource
from shared.jwks import KeysUnavailable as KeysUnavailable
from shared.jwks import StaticKeySource as StaticKeySource
from shared.jwks import jwks_key_source as jwks_key_source

log = logging.getLogger("pathways.auth")

ROLES: tuple[str, ...] = ("admin", "officer", "candidate", "employer", "institution", "ministry",
                          "visa_authority", "notification_partner", "service",
                          "data_protection_officer")
"""``ministry`` holds a statistics grant (aggregates of its programmes, never a person);
``visa_authority`` is a destination country's visa desk for its programmes: it reads the visa
files of their placements in its ``country`` and posts the decisions;
``notification_partner`` is a programme's SMS, WhatsApp or e-mail gateway: it receives the
notices of its programmes' people by webhook and reads nothing;
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
    # The person's saved language (OpenID Connect's ``locale`` claim: ``ar``, ``fr-SN``…):
    # answers are in it when a request sends no Accept-Language (shared.i18n.prefer).
    locale: str | None = None

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
            locale=locale_claim(claims),
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
        if self.locale:
            body["locale"] = self.locale
        return body


def locale_claim(claims: dict[str, Any]) -> str | None:
    """A token's ``locale`` (OpenID Connect's standard claim, a BCP 47 tag), or None when it has
    none or not a plausible one (a language is a hint: a bad one is ignored, never refused)."""
    value = claims.get("locale")
    return value if isinstance(value, str) and 0 < len(value) <= 35 \
        and value.replace("-", "").replace("_", "").isalnum() else None


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


@dataclass(frozen=True, slots=True)
class Trust:
    """One issuer a verifier trusts: its tokens must be for ``audience``, signed with one of
    ``algorithms`` by one of its ``keys``; ``principal`` reads the caller from their verified
    claims (the built-in issuer's claims as they are, by default; see
    :mod:`shared.trusted_issuers` for an external issuer's mapping)."""

    issuer: str
    audience: str
    keys: KeySource
    algorithms: tuple[str, ...] = ALLOWED_ALGORITHMS
    principal: Callable[[dict[str, Any]], Principal] = Principal.from_claims


class TokenVerifier:
    """Verifies bearer tokens of the built-in issuer (``issuer``, ``audience``, ``keys``) and of
    the ``trusted`` external ones; remembers verified tokens until they expire or their key is
    withdrawn.

    The issuer is picked by the token's ``iss`` (read before the signature is checked, only to
    choose), then the token is checked strictly against that issuer alone: its algorithms, a
    key of its own set that fits the algorithm, its audience. A token of an issuer not trusted
    here, or whose key is gone, is an :class:`InvalidToken`.
    """

    def __init__(self, *, issuer: str, audience: str, keys: KeySource,
                 algorithms: Sequence[str] = ALLOWED_ALGORITHMS, leeway: float = 10.0,
                 cache_size: int = 10_000, revocations: Revocations | None = None,
                 trusted: Sequence[Trust] = ()) -> None:
        self.issuer = issuer
        self.audience = audience
        self.keys = keys
        self.algorithms = tuple(a for a in algorithms if a in ALLOWED_ALGORITHMS)
        self.leeway = leeway
        self.cache_size = cache_size
        self.issuers: dict[str, Trust] = {issuer: Trust(issuer=issuer, audience=audience,
                                                        keys=keys, algorithms=self.algorithms)}
        for trust in trusted:
            if trust.issuer in self.issuers:
                raise ValueError(f"The issuer {trust.issuer} is trusted twice.")
            self.issuers[trust.issuer] = trust
        # token -> its principal, expiry, issuer and kid: a hit is good while its key is.
        self._cache: dict[str, tuple[Principal, float, Trust, str]] = {}
        self.revocations = revocations

    def _unrevoked(self, principal: Principal) -> Principal:
        # Asked of cached tokens too: a revocation must reach a token verified before it.
        if self.revocations is not None and self.revocations.refuses(principal):
            raise InvalidToken(_("The token has been revoked; get a new one."))
        return principal

    async def verify(self, token: str) -> Principal:
        """The principal of a valid, unrevoked token; :class:`InvalidToken` otherwise (and
        :class:`Forbidden` for a valid token of an external issuer that grants no role here)."""
        cached = self._cache.get(token)
        if cached is not None:
            principal, expires, known, known_kid = cached
            if time.time() < expires + self.leeway \
                    and await known.keys.key(known_kid) is not None:
                return self._unrevoked(principal)
            self._cache.pop(token, None)
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise InvalidToken(_("The token is not a well-formed JWT.")) from exc
        named = unverified.get("iss")
        trust = self.issuers.get(named) if isinstance(named, str) else None
        if trust is None:
            raise InvalidToken(_("The token's issuer is not trusted here."))
        algorithm = header.get("alg")
        if algorithm not in trust.algorithms:
            raise InvalidToken(_("Tokens of this issuer signed with '{algorithm}' are not "
                                 "accepted.", algorithm=algorithm))
        kid = header.get("kid")
        key = await trust.keys.key(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken(_("The token was not signed by a key of this issuer."))
        if algorithm not in key.algorithms:
            raise InvalidToken(_("The token's algorithm does not fit its key."))
        try:
            claims = jwt.decode(
                token, key.key, algorithms=[algorithm], audience=trust.audience,
                issuer=trust.issuer, leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken(_("The token has expired.")) from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken(_("The token is meant for another audience.")) from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken(_("The token was issued by someone else.")) from exc
        except (jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
            raise InvalidToken(_("The token is not valid.")) from exc
        try:
            principal = trust.principal(claims)
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidToken(_("The token is not valid.")) from exc
        if len(self._cache) >= self.cache_size:
            self._cache.clear()
        self._cache[token] = (principal, float(claims["exp"]), trust, str(kid))
        return self._unrevoked(principal)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def verifier_from_settings(settings: AuthSettings, client: httpx.AsyncClient,
                           revocations: Revocations | None = None,
                           trusted: Sequence[Trust] = ()) -> TokenVerifier | None:
    """A verifier fetching the built-in issuer's keys from ``AUTH_JWKS_URL`` and trusting the
    ``trusted`` external issuers too, or None (auth off) when ``AUTH_JWKS_URL`` is unset."""
    if not settings.auth_jwks_url:
        return None
    return TokenVerifier(issuer=settings.auth_issuer, audience=settings.auth_audience,
                         keys=jwks_key_source(settings.auth_jwks_url, client),
                         revocations=revocations, trusted=trusted)


# Where a request keeps its verified caller: several dependencies of one route may ask for it.
PRINCIPAL_KEY = "pathways.principal"


async def get_principal(request: Request) -> Principal:
    """The caller, from the request's bearer token; :data:`AUTH_DISABLED` when auth is off."""
    known: Principal | None = request.scope.get(PRINCIPAL_KEY)
    if known is not None:  # the gateway's proxy verified it, and chose its language
        return known
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        principal = AUTH_DISABLED
    else:
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            raise InvalidToken(_("Send a bearer token: Authorization: Bearer <access_token>."))
        principal = await verifier.verify(token)
    request.scope[PRINCIPAL_KEY] = principal
    i18n.prefer(request.scope, principal.locale)
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
            raise Forbidden(_("This needs one of the roles: {roles}.", roles=', '.join(roles)))
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

"""External OpenID Connect providers the gateway and the services trust besides the built-in
issuer: ``AUTH_TRUSTED_ISSUERS``, and how each one's claims name a Pathways caller.

``AUTH_TRUSTED_ISSUERS`` is a JSON list, read by the gateway and by every service (give them all
the same value); empty or unset, only the built-in issuer is trusted. Each entry:

``issuer`` (required)
    The provider's issuer identifier, exactly as its tokens' ``iss`` says it (an http(s) URL
    without query or fragment).
``discovery_url`` or ``jwks_url`` (at most one)
    Where its keys are: the JWKS itself, or its OpenID Connect discovery document, whose
    ``jwks_uri`` is followed (and whose ``issuer`` must be ``issuer``). With neither, the
    discovery document is ``<issuer>/.well-known/openid-configuration``.
``audience`` (default ``"pathways"``)
    What its tokens' ``aud`` must hold.
``algorithms`` (default all of ``RS256``, ``PS256``, ``ES256``, ``EdDSA``)
    The algorithms its tokens may be signed with; a key verifies only those its type fits.
``refresh_seconds`` (default 300)
    How often its keys are read again: a key it withdraws is refused within this interval
    (also when a token it verified earlier is presented again).
``claims`` (object, default each field's own name)
    Where each part of the caller comes from, by claim path: ``role``, ``programme_ids``,
    ``candidate_id``, ``employer_id``, ``institution_id``, ``country``. A path is a claim's
    name, or dotted names into nested objects (``realm_access.roles``,
    ``resource_access.pathways.roles``); a claim whose own name holds dots (a namespaced
    ``https://pathways.example.org/role``) is found by that name first.
``roles`` (object, default none)
    The provider's role names mapped to Pathways roles, e.g. ``{"pathways-officer":
    "officer"}``. The role claim may be one name or a list: the first name that maps wins,
    others (``offline_access``, …) are passed over. Without a map, names that are Pathways
    roles are taken as they are.
``fixed`` (object, default none)
    Values every token of the issuer gets whatever its claims say: ``role``,
    ``programme_ids``, ``employer_id``, ``institution_id``, ``country`` (e.g. a destination
    country's own provider for its visa desk: ``{"role": "visa_authority", "country":
    "FR"}``).

A Keycloak realm whose users carry a ``programme_ids`` attribute mapped into their tokens::

    [{"issuer": "https://sso.example.org/realms/pathways", "audience": "pathways",
      "claims": {"role": "realm_access.roles"},
      "roles": {"pathways-officer": "officer", "pathways-ministry": "ministry"},
      "refresh_seconds": 300}]

The caller's subject is qualified by its issuer, ``<issuer>#<sub>`` (an issuer identifier
holds no fragment, so the ``#`` cannot be part of it), so that it never equals a built-in
account's (a UUID, or ``client:<id>``): the revocation feed and the access record key on the
subject. An external caller has no ``client_id``: its subject names it, a machine client's too.
A token of a trusted issuer that grants no Pathways role, or a role without the link it needs
(an employer its ``employer_id``, an institution its ``institution_id``, a visa authority its
``country``), is refused with 403; a malformed claim value with 401. Tokens of an external
issuer are not in the gateway's revocation feed: it revokes by its own means (short-lived
tokens, a key withdrawn from its JWKS).
"""

import json
import uuid
from collections.abc import Sequence
from functools import partial
from typing import Annotated, Any

import httpx
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from shared.auth import ROLES, Forbidden, InvalidToken, Principal, Trust, locale_claim
from shared.i18n import _
from shared.jwks import (
    ALLOWED_ALGORITHMS,
    DEFAULT_REFRESH_SECONDS,
    discovery_key_source,
    jwks_key_source,
)

# The link each role cannot do without (as the built-in issuer's accounts).
REQUIRED_LINK = {"employer": "employer_id", "institution": "institution_id",
                 "visa_authority": "country"}


class NoPathwaysRole(Forbidden):
    """A trusted issuer's valid token that grants no Pathways role (or lacks the role's link):
    a 403 ``forbidden`` problem, since a new token of the same person would not help."""


def _known_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"{role!r} is not a Pathways role ({', '.join(ROLES)})")
    return role


class ClaimPaths(BaseModel):
    """Where each part of the caller is found in an issuer's tokens (claim paths)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str = "role"
    programme_ids: str = "programme_ids"
    candidate_id: str = "candidate_id"
    employer_id: str = "employer_id"
    institution_id: str = "institution_id"
    country: str = "country"


class FixedClaims(BaseModel):
    """Values every token of an issuer gets, whatever its claims say."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str | None = None
    programme_ids: tuple[uuid.UUID, ...] | None = None
    employer_id: uuid.UUID | None = None
    institution_id: uuid.UUID | None = None
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$")

    @field_validator("role")
    @classmethod
    def _role(cls, role: str | None) -> str | None:
        return None if role is None else _known_role(role)


class TrustedIssuer(BaseModel):
    """One external OpenID Connect provider (an entry of ``AUTH_TRUSTED_ISSUERS``; see the
    module's documentation for each field)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str
    discovery_url: str | None = None
    jwks_url: str | None = None
    audience: str = "pathways"
    algorithms: tuple[str, ...] = ALLOWED_ALGORITHMS
    refresh_seconds: float = Field(DEFAULT_REFRESH_SECONDS, gt=0)
    claims: ClaimPaths = ClaimPaths()
    roles: dict[str, str] = Field(default_factory=dict)
    fixed: FixedClaims = FixedClaims()

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, issuer: str) -> str:
        url = httpx.URL(issuer)
        if url.scheme not in ("http", "https") or not url.host or url.query or url.fragment \
                or "#" in issuer or "?" in issuer:
            raise ValueError("an issuer is an http(s) URL without query or fragment")
        return issuer

    @field_validator("algorithms")
    @classmethod
    def _algorithms(cls, algorithms: tuple[str, ...]) -> tuple[str, ...]:
        refused = [a for a in algorithms if a not in ALLOWED_ALGORITHMS]
        if refused or not algorithms:
            raise ValueError(f"algorithms are some of {', '.join(ALLOWED_ALGORITHMS)}")
        return algorithms

    @field_validator("roles")
    @classmethod
    def _roles(cls, roles: dict[str, str]) -> dict[str, str]:
        for role in roles.values():
            _known_role(role)
        return roles

    @model_validator(mode="after")
    def _one_key_location(self) -> "TrustedIssuer":
        if self.discovery_url and self.jwks_url:
            raise ValueError("give discovery_url or jwks_url, not both")
        return self

    def keys_url(self) -> str:
        """The discovery document's URL, when keys are found through it."""
        return self.discovery_url or \
            f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"

    def trust(self, client: httpx.AsyncClient) -> Trust:
        """What a :class:`shared.auth.TokenVerifier` needs to trust this issuer, its keys read
        with ``client``."""
        if self.jwks_url:
            keys = jwks_key_source(self.jwks_url, client, refresh_seconds=self.refresh_seconds)
        else:
            keys = discovery_key_source(self.keys_url(), issuer=self.issuer, client=client,
                                        refresh_seconds=self.refresh_seconds)
        return Trust(issuer=self.issuer, audience=self.audience, keys=keys,
                     algorithms=self.algorithms, principal=partial(principal_of, issuer=self))


def _parse(value: Any) -> Any:
    # The environment gives text: empty means none; anything else is the JSON list.
    if isinstance(value, str):
        return json.loads(value) if value.strip() else []
    return value


TrustedIssuers = Annotated[list[TrustedIssuer], NoDecode, BeforeValidator(_parse)]
"""The type of a setting holding ``AUTH_TRUSTED_ISSUERS``."""


class TrustedIssuersSettings(BaseSettings):
    """``AUTH_TRUSTED_ISSUERS``: the external issuers a service trusts (the gateway reads the
    same variable into its own settings)."""

    model_config = SettingsConfigDict(extra="ignore")

    auth_trusted_issuers: TrustedIssuers = Field(default_factory=list)


def trusts(issuers: Sequence[TrustedIssuer], client: httpx.AsyncClient) -> list[Trust]:
    """The trusts of ``issuers``, their keys read with ``client``."""
    return [issuer.trust(client) for issuer in issuers]


def claim_at(claims: dict[str, Any], path: str) -> Any:
    """The value at a claim path (see the module's documentation), or None."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for name in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _role(claims: dict[str, Any], issuer: TrustedIssuer) -> str | None:
    if issuer.fixed.role is not None:
        return issuer.fixed.role
    for name in _names(claim_at(claims, issuer.claims.role)):
        role = issuer.roles.get(name) if issuer.roles else (name if name in ROLES else None)
        if role is not None:
            return role
    return None


def _one(claims: dict[str, Any], path: str, name: str) -> str | None:
    """A single text value (a one-item list, as some providers give attributes, counts)."""
    value = claim_at(claims, path)
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidToken(_("The token's {name} ({path}) is not a text value.",
                             name=name, path=path))
    return value


def _uuid(claims: dict[str, Any], path: str, name: str) -> uuid.UUID | None:
    value = _one(claims, path, name)
    try:
        return None if value is None else uuid.UUID(value)
    except ValueError as exc:
        raise InvalidToken(_("The token's {name} ({path}) is not a UUID.",
                             name=name, path=path)) from exc


def _uuids(claims: dict[str, Any], path: str, name: str) -> tuple[uuid.UUID, ...]:
    value = claim_at(claims, path)
    if value is None:
        return ()
    try:
        if not isinstance(value, str | list):
            raise TypeError(type(value).__name__)
        return tuple(uuid.UUID(v) for v in ([value] if isinstance(value, str) else value))
    except (ValueError, TypeError, AttributeError) as exc:
        raise InvalidToken(_("The token's {name} ({path}) is not a list of UUIDs.",
                             name=name, path=path)) from exc


def principal_of(claims: dict[str, Any], *, issuer: TrustedIssuer) -> Principal:
    """The caller a verified token of ``issuer`` names, its claims mapped as ``issuer`` says;
    :class:`NoPathwaysRole` when it grants no Pathways role or lacks the role's link."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidToken(_("The token names no subject."))
    role = _role(claims, issuer)
    if role is None:
        raise NoPathwaysRole(_("The token's issuer grants its subject no Pathways role."))
    paths, fixed = issuer.claims, issuer.fixed
    country = fixed.country or _one(claims, paths.country, "country")
    principal = Principal(
        subject=f"{issuer.issuer}#{subject}", role=role,
        candidate_id=_uuid(claims, paths.candidate_id, "candidate_id"),
        employer_id=fixed.employer_id or _uuid(claims, paths.employer_id, "employer_id"),
        institution_id=fixed.institution_id
        or _uuid(claims, paths.institution_id, "institution_id"),
        programme_ids=fixed.programme_ids if fixed.programme_ids is not None
        else _uuids(claims, paths.programme_ids, "programme_ids"),
        # Only a visa authority has a country (as with built-in accounts).
        country=country.upper() if country and role == "visa_authority" else None,
        issued_at=int(claims.get("iat") or 0),
        # OpenID Connect's standard claim: the person's language, as the issuer knows it.
        locale=locale_claim(claims),
    )
    needed = REQUIRED_LINK.get(role)
    if needed is not None and getattr(principal, needed) is None:
        raise NoPathwaysRole(_("A {role} needs {needed}; the token's issuer gives none.",
                               role=role, needed=needed))
    return principal

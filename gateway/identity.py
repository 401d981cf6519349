"""The built-in issuer: accounts, machine clients, signing keys, the tokens they get and their
revocation.

Passwords and client secrets are stored as argon2id hashes; hashing runs in a worker thread so
the event loop keeps serving. Signing keys are generated at first start and kept in the
``gateway`` schema, their private halves sealed (:mod:`shared.sealing`); a rotated-out key stays
in the JWKS until every token it signed has expired. An account's e-mail is unique by its keyed
digest, which is also how it is looked up.
The rules are here; their queries are in :mod:`gateway.identity_repository`.
"""

import asyncio
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import identity_repository as repository
from gateway.models import Account, MachineClient, Revocation, SigningKey
from shared import sealing, signing_keys
from shared.auth import Principal, Revocations
from shared.errors import Conflict, NotFound, UnprocessableEntity
from shared.i18n import _
from shared.pagination import PageParams


class HashCost(BaseSettings):
    """Argon2id's cost for new hashes (environment prefix ``GATEWAY_PASSWORD_HASH_``): by
    default RFC 9106's second recommended option (3 passes over 64 MiB, 4 lanes), argon2-cffi's
    own default. A hash records its cost, so one made at another cost still verifies (at its
    own). Lower it only where the hashes guard nothing: the test suite sets 1 pass over 64 KiB,
    as each hash at the default takes some 0.2 s of CPU and its processes make thousands."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_PASSWORD_HASH_", extra="ignore")

    time_cost: int = Field(3, ge=1)
    memory_kib: int = Field(65536, ge=64)  # at least 8 KiB per lane
    parallelism: int = Field(4, ge=1, le=8)


_cost = HashCost()
_hasher = PasswordHasher(time_cost=_cost.time_cost, memory_cost=_cost.memory_kib,
                         parallelism=_cost.parallelism)
# Verified against when the e-mail is unknown, so a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("pathways-dummy-password")


class AccountExists(Conflict):
    slug, title = "account-exists", "Account exists"


class AccountNotFound(NotFound):
    slug, title = "account-not-found", "Account not found"


class ClientNotFound(NotFound):
    slug, title = "client-not-found", "Machine client not found"


class LinksInvalid(UnprocessableEntity):
    """A role without the link it needs (an employer without employer_id, …)."""

    slug, title = "links-invalid", "Links do not fit the role"


# The link each role cannot do without. An officer may have no programme yet (they open their
# own), a ministry's or a visa authority's grant may name none yet, and a candidate's account
# exists before its profile (sign-up links it once the profile is made).
_REQUIRED_LINK = {"employer": "employer_id", "institution": "institution_id",
                  "visa_authority": "country"}


def check_links(*, role: str, candidate_id: uuid.UUID | None, employer_id: uuid.UUID | None,
                institution_id: uuid.UUID | None, programme_ids: list[uuid.UUID],
                country: str | None) -> None:
    """Refuse (422) links that do not fit ``role``."""
    values = {"candidate_id": candidate_id, "employer_id": employer_id,
              "institution_id": institution_id, "country": country}
    needed = _REQUIRED_LINK.get(role)
    if needed is not None and values[needed] is None:
        raise LinksInvalid(_("A {role} needs {needed}.", role=role, needed=needed),
                           errors=[{"loc": ["body", needed], "type": "missing",
                                    "msg": _("Field required for role {role}", role=role)}])
    if country is not None and role != "visa_authority":
        raise LinksInvalid(_("Only a visa_authority has a country."),
                           errors=[{"loc": ["body", "country"], "type": "extra_forbidden",
                                    "msg": _("Not allowed for role {role}", role=role)}])


async def hash_secret(secret: str) -> str:
    """The argon2id hash of a password or client secret."""
    return await asyncio.to_thread(_hasher.hash, secret)


async def verify_secret(hashed: str, secret: str) -> bool:
    """Whether ``secret`` matches ``hashed``."""

    def check() -> bool:
        try:
            return _hasher.verify(hashed, secret)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


# --- signing keys ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ActiveKey:
    """The key new tokens are signed with."""

    kid: str
    algorithm: str
    private_key: Any


def _active(row: SigningKey) -> ActiveKey:
    return ActiveKey(kid=row.kid, algorithm=row.algorithm,
                     private_key=signing_keys.private_key(row.private_pem))


async def _new_key(session: AsyncSession, algorithm: str) -> SigningKey:
    kid, pem, public_jwk = signing_keys.generate_key(algorithm)
    return await repository.add_key(session, kid=kid, algorithm=algorithm,
                                    private_pem=sealing.seal(pem), public_jwk=public_jwk)


async def ensure_signing_key(session: AsyncSession, *, algorithm: str) -> ActiveKey:
    """The current signing key, generated first if there is none (safe with replicas)."""
    await repository.lock_signing_keys(session)
    row = await repository.current_key(session)
    if row is None:
        row = await _new_key(session, algorithm)
    return _active(row)


async def rotate_signing_key(session: AsyncSession, *, algorithm: str) -> ActiveKey:
    """Retire the current key (it stays published for a while) and start a new one."""
    await repository.lock_signing_keys(session)
    await repository.retire_keys(session)
    return _active(await _new_key(session, algorithm))


async def reseal_signing_keys(session: AsyncSession, keyring: sealing.Keyring, *,
                              only_plain: bool = False) -> int:
    """Rewrap every signing key's private PEM with ``keyring``'s current key (a plain one, from
    before sealing, is sealed); with ``only_plain``, seal the plain ones only. How many changed.
    A key sealed with a key the keyring lacks raises :class:`shared.sealing.UnknownSealingKey`."""
    await repository.lock_signing_keys(session)
    changed = 0
    for kid, stored in await repository.private_pems(session):
        if only_plain and sealing.is_sealed(stored):
            continue
        resealed = keyring.resealed(stored)
        if resealed is not None:
            await repository.set_private_pem(session, kid=kid, private_pem=resealed)
            changed += 1
    return changed


async def current_signing_key(session: AsyncSession, *, cached: ActiveKey) -> ActiveKey:
    """The key to sign with now: ``cached`` unless a rotation (by any replica or the CLI) has
    started a newer one since."""
    kid = await repository.current_kid(session)
    if kid is None or kid == cached.kid:
        return cached
    return _active(await repository.key(session, kid))


async def published_keys(session: AsyncSession, *, token_ttl_seconds: int) -> dict[str, Any]:
    """The JWKS document: the current key and retired keys whose tokens may still be valid."""
    cutoff = datetime.now(UTC) - timedelta(seconds=token_ttl_seconds + 60)
    return {"keys": await repository.public_keys(session, retired_after=cutoff)}


def issue_token(principal: Principal, *, key: ActiveKey, issuer: str, audience: str,
                ttl_seconds: int) -> str:
    """A signed access token for ``principal``."""
    now = int(time.time())
    claims = {**principal.claims(), "iss": issuer, "aud": audience, "iat": now, "nbf": now,
              "exp": now + ttl_seconds, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, key.private_key, algorithm=key.algorithm,
                      headers={"kid": key.kid, "typ": "at+jwt"})


# --- accounts and machine clients -----------------------------------------------------------

def _principal(row: Account | MachineClient, *, subject: str,
               client_id: str | None = None) -> Principal:
    return Principal(subject=subject, role=row.role, candidate_id=row.candidate_id,
                     employer_id=row.employer_id, institution_id=row.institution_id,
                     programme_ids=tuple(row.programme_ids or ()), client_id=client_id,
                     country=row.country,
                     # A person's saved language; a machine client has none.
                     locale=row.language if isinstance(row, Account) else None)


def client_subject(client_id: str) -> str:
    """The token subject of a machine client."""
    return f"client:{client_id}"


def normalised_email(email: str) -> str:
    """An e-mail as accounts store it: trimmed, lower-cased."""
    return sealing.normalised_email(email)


async def email_registered(session: AsyncSession, *, email: str) -> bool:
    """Whether an account has this e-mail."""
    return await repository.email_registered(session, sealing.email_digest(email))


# The read of a principal at token issue takes a share lock held until the token is signed, and
# a revocation locks the row before it reads the clock: so a token signed from the old state
# is always signed before the revocation's second ends, and refused (``iat <= not_before``).
async def authenticate_account(session: AsyncSession, *, email: str,
                               password: str) -> Principal | None:
    """The principal of the account with these credentials, or None."""
    row = await repository.account_for_token(session, sealing.email_digest(email))
    matches = await verify_secret(row.password_hash if row else _DUMMY_HASH, password)
    if row is None or not matches or row.disabled:
        return None
    return _principal(row, subject=str(row.id))


async def authenticate_client(session: AsyncSession, *, client_id: str,
                              secret: str) -> Principal | None:
    """The principal of the machine client with these credentials, or None."""
    row = await repository.client_for_token(session, client_id)
    matches = await verify_secret(row.secret_hash if row else _DUMMY_HASH, secret)
    if row is None or not matches or row.disabled:
        return None
    return _principal(row, subject=client_subject(row.client_id), client_id=row.client_id)


async def create_account(session: AsyncSession, *, email: str, password: str, role: str,
                         candidate_id: uuid.UUID | None = None,
                         employer_id: uuid.UUID | None = None,
                         institution_id: uuid.UUID | None = None,
                         programme_ids: list[uuid.UUID] | None = None,
                         country: str | None = None, language: str | None = None) -> Account:
    """Create an account (``language``: its saved language, one of shared.i18n.LANGUAGES);
    409 when the e-mail is taken, 422 when the links do not fit."""
    check_links(role=role, candidate_id=candidate_id, employer_id=employer_id,
                institution_id=institution_id, programme_ids=programme_ids or [],
                country=country)
    row = Account(email=normalised_email(email), email_digest=sealing.email_digest(email),
                  password_hash=await hash_secret(password),
                  role=role, candidate_id=candidate_id, employer_id=employer_id,
                  institution_id=institution_id, programme_ids=programme_ids or [],
                  country=country, language=language)
    added = await repository.add_account(session, row)
    if added is None:
        # Not the address: problem bodies and their logs carry no personal data.
        raise AccountExists(_("An account with this e-mail exists."))
    return added


async def create_client(session: AsyncSession, *, name: str, role: str,
                        candidate_id: uuid.UUID | None = None,
                        employer_id: uuid.UUID | None = None,
                        institution_id: uuid.UUID | None = None,
                        programme_ids: list[uuid.UUID] | None = None,
                        country: str | None = None) -> tuple[MachineClient, str]:
    """Create a machine client; return it and its secret (shown once, stored hashed)."""
    check_links(role=role, candidate_id=candidate_id, employer_id=employer_id,
                institution_id=institution_id, programme_ids=programme_ids or [],
                country=country)
    client_id = f"pwc_{secrets.token_hex(8)}"
    secret = secrets.token_urlsafe(32)
    row = MachineClient(client_id=client_id, name=name, secret_hash=await hash_secret(secret),
                        role=role, candidate_id=candidate_id, employer_id=employer_id,
                        institution_id=institution_id, programme_ids=programme_ids or [],
                        country=country)
    return await repository.add_client(session, row), secret


# --- administration -------------------------------------------------------------------------

async def list_accounts(session: AsyncSession, *, page: PageParams, role: str | None = None,
                        programme_id: uuid.UUID | None = None) -> list[Account]:
    """A page of accounts (``limit + 1`` rows, oldest first), filtered by role and programme."""
    return await repository.page_of(session, Account, Account.id, limit=page.limit,
                                    after=page.after, role=role, programme_id=programme_id)


async def list_clients(session: AsyncSession, *, limit: int,
                       after: tuple[datetime, str] | None, role: str | None = None,
                       programme_id: uuid.UUID | None = None) -> list[MachineClient]:
    """A page of machine clients (``limit + 1`` rows, oldest first), filtered likewise."""
    return await repository.page_of(session, MachineClient, MachineClient.client_id,
                                    limit=limit, after=after, role=role,
                                    programme_id=programme_id)


async def get_account(session: AsyncSession, account_id: uuid.UUID, *,
                      for_update: bool = False) -> Account:
    """The account, or 404."""
    row = await repository.get_account(session, account_id, for_update=for_update)
    if row is None:
        raise AccountNotFound(_("No account {account_id}.", account_id=account_id))
    return row


async def get_client(session: AsyncSession, client_id: str, *,
                     for_update: bool = False) -> MachineClient:
    """The machine client, or 404."""
    row = await repository.get_client(session, client_id, for_update=for_update)
    if row is None:
        raise ClientNotFound(_("No machine client {client_id}.", client_id=client_id))
    return row


async def set_language(session: AsyncSession, *, subject: str, language: str | None) -> Account:
    """Save the language of the account ``subject`` names (an account's subject is its id);
    404 when it names none, as for a machine client or an external issuer's subject."""
    try:
        account_id = uuid.UUID(subject)
    except ValueError:
        raise AccountNotFound(_("Only an account of this gateway (signed in with its e-mail "
                                "and password) has a saved language.")) from None
    row = await get_account(session, account_id, for_update=True)
    row.language = language
    await session.flush()
    return row


_LINKS = ("role", "candidate_id", "employer_id", "institution_id", "programme_ids", "country")


async def update_links(session: AsyncSession, row: Account | MachineClient, *, subject: str,
                       changes: dict[str, Any], password: str | None = None) -> None:
    """Change a principal's links (and an account's password); its older tokens are revoked.

    ``row`` must have been loaded ``for_update``: see :func:`revoke`.
    """
    merged = {name: changes.get(name, getattr(row, name)) for name in _LINKS}
    merged["programme_ids"] = list(merged["programme_ids"] or [])
    check_links(**merged)
    for name, value in merged.items():
        setattr(row, name, value)
    if password is not None and isinstance(row, Account):
        row.password_hash = await hash_secret(password)
    row.tokens_valid_after = await revoke(session, subject=subject, blocked=row.disabled)


async def set_disabled(session: AsyncSession, row: Account | MachineClient, *, subject: str,
                       disabled: bool) -> None:
    """Disable (every token refused, no new one issued) or enable a principal."""
    row.disabled = disabled
    row.tokens_valid_after = await revoke(session, subject=subject, blocked=disabled)


async def delete_principal(session: AsyncSession, row: Account | MachineClient, *,
                           subject: str) -> None:
    """Delete a principal; its subject stays blocked so that no token of it is ever accepted."""
    await revoke(session, subject=subject, blocked=True)
    await repository.delete(session, row)


async def add_programme(session: AsyncSession, *, subject: str, programme_id: uuid.UUID) -> bool:
    """Add ``programme_id`` to the programmes of the principal named ``subject`` (an officer who
    opened it); whether there was such a principal. Not a revocation: it only widens."""
    if subject.startswith("client:"):
        return await repository.add_programme(
            session, table=MachineClient,
            which=MachineClient.client_id == subject.removeprefix("client:"),
            programme_id=programme_id)
    try:
        account_id = uuid.UUID(subject)
    except ValueError:
        return False
    return await repository.add_programme(session, table=Account, which=Account.id == account_id,
                                          programme_id=programme_id)


async def link_candidate(session: AsyncSession, *, subject: str,
                         candidate_id: uuid.UUID) -> bool:
    """Link the candidate account named ``subject`` to the profile it created, unless it is
    linked already; whether it was linked now. Not a revocation: it only widens."""
    try:
        account_id = uuid.UUID(subject)
    except ValueError:
        return False
    return await repository.link_candidate(session, account_id=account_id,
                                           candidate_id=candidate_id)


# --- revocation -----------------------------------------------------------------------------

async def revoke(session: AsyncSession, *, subject: str, blocked: bool) -> datetime:
    """Refuse every token of ``subject`` issued up to now (to the second), and all of them
    while ``blocked``; return that second.

    The principal's row is already locked by the caller, so no token is being signed from its
    old state while the clock is read. The transaction-scoped lock makes revocations commit in
    the order of their ``seq``: the feed's readers can move their cursor past what they saw.
    """
    return await repository.record_revocation(session, subject=subject, blocked=blocked)


async def wait_past_revocation(session: AsyncSession, *, subject: str,
                               revocations: Revocations | None = None) -> None:
    """Before signing for ``subject``: if it was revoked in this very second, wait for the next
    one, so that the new token's ``iat`` is after the revocation's second (the rule refuses
    ``iat <= not_before``). At most a second, and only right after an admin's change.

    The revocation read is also applied to this replica's ``revocations`` at once, so that the
    token it signs is accepted here without waiting for the next poll (after an enable)."""
    row = await repository.revocation(session, subject)
    if row is None:
        return
    if revocations is not None:
        revocations.apply([feed_entry(row)], revocations.cursor)
    wait = row.not_before.timestamp() + 1 - time.time()
    if wait > 0:
        await asyncio.sleep(wait)


async def revocations_since(session: AsyncSession, *, since: int,
                            limit: int) -> list[Revocation]:
    """The revocations changed after ``since`` (a ``seq``), in order, at most ``limit``."""
    return list(await repository.revocations_since(session, since=since, limit=limit))


def feed_entry(row: Revocation) -> dict[str, Any]:
    """A revocation as the feed carries it: the subject, ``not_before`` in epoch seconds,
    whether it is blocked, and the change's ``seq``."""
    return {"subject": row.subject, "not_before": int(row.not_before.timestamp()),
            "blocked": row.blocked, "seq": row.seq}


async def refresh_revocations(session: AsyncSession, revocations: Revocations, *,
                              batch: int = 1000) -> None:
    """Bring ``revocations`` up to date from the table (the gateway's own check)."""
    while True:
        rows = await revocations_since(session, since=revocations.cursor, limit=batch)
        if not rows:
            return
        revocations.apply([feed_entry(r) for r in rows], rows[-1].seq)
        if len(rows) < batch:
            return

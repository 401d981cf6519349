"""The built-in issuer: accounts, machine clients, signing keys and the tokens they get.

Passwords and client secrets are stored as argon2id hashes; hashing runs in a worker thread so
the event loop keeps serving. Signing keys are generated at first start and kept in the
``gateway`` schema; a rotated-out key stays in the JWKS until every token it signed has expired.
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
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm
from sqlalchemy import func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import Account, MachineClient, SigningKey
from shared.auth import Principal
from shared.errors import Conflict

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("pathways-dummy-password")


class AccountExists(Conflict):
    slug, title = "account-exists", "Account exists"


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


def generate_key(algorithm: str) -> tuple[str, str, dict[str, Any]]:
    """A new keypair: its kid, private key PEM and public JWK."""
    kid = uuid.uuid4().hex
    if algorithm == "EdDSA":
        private: Any = ed25519.Ed25519PrivateKey.generate()
        public_jwk = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return kid, pem, {**public_jwk, "kid": kid, "alg": algorithm, "use": "sig"}


def _active(row: SigningKey) -> ActiveKey:
    private = serialization.load_pem_private_key(row.private_pem.encode(), password=None)
    return ActiveKey(kid=row.kid, algorithm=row.algorithm, private_key=private)


async def ensure_signing_key(session: AsyncSession, *, algorithm: str) -> ActiveKey:
    """The current signing key, generated first if there is none (safe with replicas)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('gateway.signing_key'))"))
    row = (await session.execute(
        select(SigningKey).where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc()).limit(1))).scalar_one_or_none()
    if row is None:
        kid, pem, public_jwk = generate_key(algorithm)
        row = SigningKey(kid=kid, algorithm=algorithm, private_pem=pem, public_jwk=public_jwk)
        session.add(row)
        await session.flush()
    return _active(row)


async def rotate_signing_key(session: AsyncSession, *, algorithm: str) -> ActiveKey:
    """Retire the current key (it stays published for a while) and start a new one."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('gateway.signing_key'))"))
    await session.execute(update(SigningKey).where(SigningKey.retired_at.is_(None))
                          .values(retired_at=func.now()))
    kid, pem, public_jwk = generate_key(algorithm)
    row = SigningKey(kid=kid, algorithm=algorithm, private_pem=pem, public_jwk=public_jwk)
    session.add(row)
    await session.flush()
    return _active(row)


async def current_signing_key(session: AsyncSession, *, cached: ActiveKey) -> ActiveKey:
    """The key to sign with now: ``cached`` unless a rotation (by any replica or the CLI) has
    started a newer one since."""
    kid = (await session.execute(
        select(SigningKey.kid).where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc()).limit(1))).scalar_one_or_none()
    if kid is None or kid == cached.kid:
        return cached
    row = (await session.execute(select(SigningKey).where(SigningKey.kid == kid))).scalar_one()
    return _active(row)


async def published_keys(session: AsyncSession, *, token_ttl_seconds: int) -> dict[str, Any]:
    """The JWKS document: the current key and retired keys whose tokens may still be valid."""
    cutoff = datetime.now(UTC) - timedelta(seconds=token_ttl_seconds + 60)
    rows = (await session.execute(
        select(SigningKey.public_jwk)
        .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > cutoff))
        .order_by(SigningKey.created_at.desc()))).scalars().all()
    return {"keys": list(rows)}


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
                     programme_ids=tuple(row.programme_ids or ()), client_id=client_id)


async def authenticate_account(session: AsyncSession, *, email: str,
                               password: str) -> Principal | None:
    """The principal of the account with these credentials, or None."""
    row = (await session.execute(
        select(Account).where(Account.email == email.strip().lower()))).scalar_one_or_none()
    matches = await verify_secret(row.password_hash if row else _DUMMY_HASH, password)
    if row is None or not matches or row.disabled:
        return None
    return _principal(row, subject=str(row.id))


async def authenticate_client(session: AsyncSession, *, client_id: str,
                              secret: str) -> Principal | None:
    """The principal of the machine client with these credentials, or None."""
    row = await session.get(MachineClient, client_id)
    matches = await verify_secret(row.secret_hash if row else _DUMMY_HASH, secret)
    if row is None or not matches or row.disabled:
        return None
    return _principal(row, subject=f"client:{row.client_id}", client_id=row.client_id)


async def create_account(session: AsyncSession, *, email: str, password: str, role: str,
                         candidate_id: uuid.UUID | None = None,
                         employer_id: uuid.UUID | None = None,
                         institution_id: uuid.UUID | None = None,
                         programme_ids: list[uuid.UUID] | None = None) -> Account:
    """Create an account; 409 when the e-mail is taken."""
    row = Account(email=email.strip().lower(), password_hash=await hash_secret(password),
                  role=role, candidate_id=candidate_id, employer_id=employer_id,
                  institution_id=institution_id, programme_ids=programme_ids or [])
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError as exc:
        raise AccountExists(f"An account with e-mail {row.email} exists.") from exc
    return row


async def create_client(session: AsyncSession, *, name: str, role: str,
                        candidate_id: uuid.UUID | None = None,
                        employer_id: uuid.UUID | None = None,
                        institution_id: uuid.UUID | None = None,
                        programme_ids: list[uuid.UUID] | None = None,
                        ) -> tuple[MachineClient, str]:
    """Create a machine client; return it and its secret (shown once, stored hashed)."""
    client_id = f"pwc_{secrets.token_hex(8)}"
    secret = secrets.token_urlsafe(32)
    row = MachineClient(client_id=client_id, name=name, secret_hash=await hash_secret(secret),
                        role=role, candidate_id=candidate_id, employer_id=employer_id,
                        institution_id=institution_id, programme_ids=programme_ids or [])
    session.add(row)
    await session.flush()
    return row, secret

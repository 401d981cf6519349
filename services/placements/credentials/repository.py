"""Every query on the issuer's credential keys and the credentials issued."""

import uuid
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.credentials.models import Credential, CredentialKey
from shared.db import insert, one_or_none


async def lock_keys(session: AsyncSession) -> None:
    """Hold the credential keys' lock until the transaction ends, so that two replicas signing
    their first credential at once make one key, not two."""
    await session.execute(text(
        "SELECT pg_advisory_xact_lock(hashtext('placements.credential_key'))"))


async def current_key(session: AsyncSession) -> CredentialKey | None:
    """The newest key: the one credentials are signed with."""
    return await one_or_none(session, select(CredentialKey).order_by(
        CredentialKey.created_at.desc(), CredentialKey.kid).limit(1))


async def add_key(session: AsyncSession, key: CredentialKey) -> CredentialKey:
    """Insert a key."""
    return await insert(session, key)


async def public_keys(session: AsyncSession) -> list[dict[str, object]]:
    """Every key's public JWK, oldest first: a credential stays verifiable for years."""
    rows = await session.scalars(select(CredentialKey.public_jwk).order_by(
        CredentialKey.created_at, CredentialKey.kid))
    return list(rows.all())


async def for_placement(session: AsyncSession, placement_id: uuid.UUID, *,
                        for_update: bool = False) -> Credential | None:
    """The placement's credential, if issued (``for_update`` locks it)."""
    return await one_or_none(session, select(Credential).where(
        Credential.placement_id == placement_id), for_update=for_update)


async def next_status_index(session: AsyncSession) -> int:
    """A fresh revocation bit, taken from the column's identity sequence: the credential is
    signed with it before its row exists."""
    return int((await session.execute(text(
        "SELECT nextval(pg_get_serial_sequence('placements.credential', 'status_index'))"
    ))).scalar_one())


async def add(session: AsyncSession, credential: Credential) -> Credential:
    """Insert an issued credential."""
    return await insert(session, credential)


async def revoke(session: AsyncSession, credential: Credential, *, at: datetime, by: str,
                 reason: str) -> None:
    """Record the credential's revocation."""
    credential.revoked_at, credential.revoked_by, credential.revocation_reason = at, by, reason
    await session.flush()


async def revoked_positions(session: AsyncSession, *, first: int, size: int) -> set[int]:
    """The revoked bits among ``first`` to ``first + size - 1``, counted from ``first``."""
    rows = await session.scalars(select(Credential.status_index - first).where(
        Credential.status_index >= first, Credential.status_index < first + size,
        Credential.revoked_at.is_not(None)))
    return {int(r) for r in rows.all()}


async def is_revoked(session: AsyncSession, status_index: int) -> bool:
    """Whether the credential with this revocation bit was revoked."""
    found = await session.scalar(select(Credential.revoked_at.is_not(None)).where(
        Credential.status_index == status_index))
    return bool(found)


async def highest_status_index(session: AsyncSession) -> int | None:
    """The highest revocation bit handed out, if any."""
    return await session.scalar(select(func.max(Credential.status_index)))

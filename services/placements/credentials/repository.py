"""Every query on the issuer's credential keys and the credentials issued."""

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.credentials.models import Credential, CredentialKey
from shared import db
from shared.db import column_values, one_or_none


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
    return await db.insert(session, key)


async def public_keys(session: AsyncSession) -> list[dict[str, object]]:
    """Every key's public JWK, oldest first: a credential stays verifiable for years."""
    rows = await session.scalars(select(CredentialKey.public_jwk).order_by(
        CredentialKey.created_at, CredentialKey.kid))
    return list(rows.all())


async def current(session: AsyncSession, placement_id: uuid.UUID, *,
                  for_update: bool = False) -> Credential | None:
    """The placement's current credential (not superseded), if issued (``for_update`` locks
    it)."""
    return await one_or_none(session, select(Credential).where(
        Credential.placement_id == placement_id, Credential.superseded_at.is_(None)),
        for_update=for_update)


async def taken_indexes(session: AsyncSession, indexes: Collection[int]) -> set[int]:
    """Those of ``indexes`` some credential's bit already is."""
    rows = await session.scalars(select(Credential.status_index).where(
        Credential.status_index.in_(list(indexes))))
    return {int(r) for r in rows.all()}


async def count_between(session: AsyncSession, *, first: int, size: int) -> int:
    """How many credentials have their bit among ``first`` to ``first + size - 1``."""
    return int(await session.scalar(select(func.count()).where(
        Credential.status_index >= first, Credential.status_index < first + size)) or 0)


async def add_unless_index_taken(session: AsyncSession, credential: Credential) -> bool:
    """Insert an issued credential, unless another took its bit meanwhile (False: nothing
    written, draw another)."""
    statement = (insert(Credential).values(**column_values(credential))
                 .on_conflict_do_nothing(index_elements=[Credential.status_index])
                 .returning(Credential.id))
    return await session.scalar(statement) is not None


async def supersede(session: AsyncSession, credential: Credential, *, at: datetime) -> None:
    """Record that ``credential`` (locked) no longer states the current facts: from now on
    its bit is set; a newer one replaces it."""
    credential.superseded_at = at
    await session.flush()


async def revoke(session: AsyncSession, credential: Credential, *, at: datetime, by: str,
                 reason: str) -> None:
    """Record the credential's revocation."""
    credential.revoked_at, credential.revoked_by, credential.revocation_reason = at, by, reason
    await session.flush()


def _bit_set() -> ColumnElement[bool]:
    # Revoked by an officer, or superseded by a credential stating the current facts.
    return or_(Credential.revoked_at.is_not(None), Credential.superseded_at.is_not(None))


async def set_positions(session: AsyncSession, *, first: int, size: int) -> set[int]:
    """The bits set among ``first`` to ``first + size - 1``, counted from ``first``."""
    rows = await session.scalars(select(Credential.status_index - first).where(
        Credential.status_index >= first, Credential.status_index < first + size,
        _bit_set()))
    return {int(r) for r in rows.all()}


async def by_status_index(session: AsyncSession, status_index: int) -> Credential | None:
    """The credential whose bit is ``status_index``, if any."""
    return await session.scalar(select(Credential).where(
        Credential.status_index == status_index))


async def highest_status_index(session: AsyncSession) -> int | None:
    """The highest revocation bit handed out, if any."""
    return await session.scalar(select(func.max(Credential.status_index)))

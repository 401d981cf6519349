"""Every query of the built-in issuer: accounts, machine clients, signing keys, revocations."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, any_, func, or_, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import REVOCATION_SEQUENCE, Account, MachineClient, Revocation, SigningKey
from shared.db import column_values, rows_changed

# --- signing keys ---------------------------------------------------------------------------


async def lock_signing_keys(session: AsyncSession) -> None:
    """Serialise the changes of signing keys (replicas, the CLI) until the transaction ends."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('gateway.signing_key'))"))


async def current_key(session: AsyncSession) -> SigningKey | None:
    """The newest key not retired, if any."""
    return (await session.execute(
        select(SigningKey).where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc()).limit(1))).scalar_one_or_none()


async def current_kid(session: AsyncSession) -> str | None:
    """The kid of the newest key not retired, if any."""
    return (await session.execute(
        select(SigningKey.kid).where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc()).limit(1))).scalar_one_or_none()


async def key(session: AsyncSession, kid: str) -> SigningKey:
    """The key ``kid`` (which exists)."""
    return (await session.execute(select(SigningKey).where(SigningKey.kid == kid))).scalar_one()


async def retire_keys(session: AsyncSession) -> None:
    """Retire every key not retired yet, now."""
    await session.execute(update(SigningKey).where(SigningKey.retired_at.is_(None))
                          .values(retired_at=func.now()))


async def add_key(session: AsyncSession, *, kid: str, algorithm: str, private_pem: str,
                  public_jwk: dict[str, Any]) -> SigningKey:
    """Insert a new signing key and return it."""
    row = SigningKey(kid=kid, algorithm=algorithm, private_pem=private_pem,
                     public_jwk=public_jwk)
    session.add(row)
    await session.flush()
    return row


async def private_pems(session: AsyncSession) -> list[tuple[str, str]]:
    """Every key's kid and stored private PEM (sealed, or plain from before sealing), locked
    until the transaction ends."""
    return [(row.kid, row.private_pem) for row in (await session.execute(
        select(SigningKey.kid, SigningKey.private_pem).order_by(SigningKey.kid)
        .with_for_update())).all()]


async def set_private_pem(session: AsyncSession, *, kid: str, private_pem: str) -> None:
    """Store a key's private PEM as given (sealed by the caller)."""
    await session.execute(update(SigningKey).where(SigningKey.kid == kid)
                          .values(private_pem=private_pem))


async def public_keys(session: AsyncSession, *, retired_after: datetime) -> list[dict[str, Any]]:
    """The public JWKs of the keys not retired or retired after ``retired_after``, newest
    first."""
    return list((await session.execute(
        select(SigningKey.public_jwk)
        .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > retired_after))
        .order_by(SigningKey.created_at.desc()))).scalars().all())


# --- accounts and machine clients -----------------------------------------------------------

async def account_for_token(session: AsyncSession, email_digest: str) -> Account | None:
    """The account whose e-mail has this digest, share-locked until the transaction ends."""
    return (await session.execute(
        select(Account).where(Account.email_digest == email_digest)
        .with_for_update(read=True))).scalar_one_or_none()


async def client_for_token(session: AsyncSession, client_id: str) -> MachineClient | None:
    """The machine client, share-locked until the transaction ends."""
    return await session.get(MachineClient, client_id, with_for_update={"read": True})


async def email_registered(session: AsyncSession, email_digest: str) -> bool:
    """Whether an account has an e-mail with this digest."""
    return await session.scalar(
        select(Account.id).where(Account.email_digest == email_digest)) is not None


async def add_account(session: AsyncSession, row: Account) -> Account | None:
    """Insert the account and return it with its server defaults; None when its e-mail is
    taken.

    ``ON CONFLICT DO NOTHING`` on the e-mail's digest: a clash is no error, so the database
    logs nothing about it, and a concurrent insert of the same address waits for the other
    transaction and then yields no row."""
    account_id = await session.scalar(
        pg_insert(Account).values(**column_values(row))
        .on_conflict_do_nothing(index_elements=[Account.email_digest])
        .returning(Account.id))
    if account_id is None:
        return None
    return await session.get(Account, account_id)


async def add_client(session: AsyncSession, row: MachineClient) -> MachineClient:
    """Insert the machine client and return it with its server defaults."""
    session.add(row)
    await session.flush()
    await session.refresh(row)  # its server defaults (created_at, disabled)
    return row


Principals = TypeVar("Principals", Account, MachineClient)


async def page_of(session: AsyncSession, table: type[Principals], key: Any, *, limit: int,
                  after: tuple[Any, Any] | None, role: str | None,
                  programme_id: uuid.UUID | None) -> list[Principals]:
    """``limit + 1`` rows of ``table``, oldest first (keyed by ``created_at`` and ``key``),
    after the cursor's row, filtered by role and by a programme they are linked to."""
    statement = select(table)
    if role is not None:
        statement = statement.where(table.role == role)
    if programme_id is not None:
        statement = statement.where(any_(table.programme_ids) == programme_id)
    if after is not None:
        statement = statement.where(tuple_(table.created_at, key) > tuple_(*after))
    statement = statement.order_by(table.created_at, key).limit(limit + 1)
    return list((await session.execute(statement)).scalars())


async def get_account(session: AsyncSession, account_id: uuid.UUID, *,
                      for_update: bool = False) -> Account | None:
    """The account, if any (locked when ``for_update``)."""
    return await session.get(Account, account_id, with_for_update=for_update or None)


async def get_client(session: AsyncSession, client_id: str, *,
                     for_update: bool = False) -> MachineClient | None:
    """The machine client, if any (locked when ``for_update``)."""
    return await session.get(MachineClient, client_id, with_for_update=for_update or None)


async def delete(session: AsyncSession, row: Account | MachineClient) -> None:
    """Delete an account or machine client."""
    await session.delete(row)
    await session.flush()


async def add_programme(session: AsyncSession, *, table: type[Principals],
                        which: ColumnElement[bool],
                        programme_id: uuid.UUID) -> bool:
    """Append ``programme_id`` to the programmes of the row of ``table`` that ``which``
    selects, unless it has it; whether a row changed."""
    return bool(await rows_changed(session, (
        update(table).where(which, ~(any_(table.programme_ids) == programme_id))
        .values(programme_ids=func.array_append(table.programme_ids, programme_id)))))


async def link_candidate(session: AsyncSession, *, account_id: uuid.UUID,
                         candidate_id: uuid.UUID) -> bool:
    """Link the candidate account to ``candidate_id`` unless it is linked already; whether it
    was linked now."""
    return bool(await rows_changed(session, (
        update(Account).where(Account.id == account_id, Account.role == "candidate",
                              Account.candidate_id.is_(None))
        .values(candidate_id=candidate_id))))


# --- revocation -----------------------------------------------------------------------------

async def record_revocation(session: AsyncSession, *, subject: str, blocked: bool) -> datetime:
    """Set ``subject``'s revocation to now (to the second) and ``blocked``, numbered by the
    revocation sequence; that second.

    Under a transaction-scoped lock, so that revocations commit in the order of their ``seq``.
    """
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('gateway.revocation'))"))
    not_before: datetime = (await session.execute(
        select(func.date_trunc("second", func.clock_timestamp())))).scalar_one()
    seq = (await session.execute(select(REVOCATION_SEQUENCE.next_value()))).scalar_one()
    row = await session.get(Revocation, subject)
    if row is None:
        session.add(Revocation(subject=subject, not_before=not_before, blocked=blocked, seq=seq))
    else:
        row.not_before, row.blocked, row.seq = not_before, blocked, seq
    await session.flush()
    return not_before


async def revocation(session: AsyncSession, subject: str) -> Revocation | None:
    """The revocation of ``subject``, if any."""
    return (await session.execute(
        select(Revocation).where(Revocation.subject == subject))).scalar_one_or_none()


async def revocations_since(session: AsyncSession, *, since: int,
                            limit: int) -> Sequence[Revocation]:
    """The revocations changed after ``since`` (a ``seq``), in order, at most ``limit``."""
    return (await session.execute(
        select(Revocation).where(Revocation.seq > since).order_by(Revocation.seq)
        .limit(limit))).scalars().all()

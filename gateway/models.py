"""The gateway's tables (schema ``gateway``): accounts, machine clients, signing keys and
revocations."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Sequence, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import service_metadata
from shared.i18n import LANGUAGES

SCHEMA = "gateway"


class Base(DeclarativeBase):
    """Base of the gateway's ORM models."""

    metadata = service_metadata(SCHEMA)


class LinksMixin:
    """What a principal is tied to, copied into its tokens."""

    role: Mapped[str] = mapped_column(Text, nullable=False)
    candidate_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    employer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    institution_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    programme_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}")
    # A visa authority's destination country (ISO 3166-1 alpha-2).
    country: Mapped[str | None] = mapped_column(Text)
    # Tokens issued at or before this are refused (see Revocation, which services read).
    tokens_valid_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())


class Account(LinksMixin, Base):
    """A person who logs in with e-mail and password."""

    __tablename__ = "account"

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()"))
    # Kept to contact the person; unique by ``email_digest``, the keyed digest of the normalised
    # address (shared.sealing), so that a clash the database logs names no address.
    email: Mapped[str] = mapped_column(Text, nullable=False)
    email_digest: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    # The person's language (shared.i18n.LANGUAGES), carried in their tokens as ``locale``: the
    # API answers them in it when a request names none. None: English, or what they ask.
    language: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (CheckConstraint(f"language IN {LANGUAGES}", name="language_known"),)


class MachineClient(LinksMixin, Base):
    """A system (a ministry's, a partner's) that gets tokens with client credentials."""

    __tablename__ = "machine_client"

    client_id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    secret_hash: Mapped[str] = mapped_column(Text, nullable=False)


class SigningKey(Base):
    """A token signing keypair; retired keys stay published until their tokens expire."""

    __tablename__ = "signing_key"

    kid: Mapped[str] = mapped_column(Text, primary_key=True)
    algorithm: Mapped[str] = mapped_column(Text, nullable=False)
    # Sealed (shared.sealing); plain in rows from before sealing, until `pathways reseal`.
    private_pem: Mapped[str] = mapped_column(Text, nullable=False)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


REVOCATION_SEQUENCE = Sequence("revocation_seq", schema=SCHEMA, metadata=Base.metadata)


class Revocation(Base):
    """Tokens of ``subject`` (an account's id, or ``client:<client_id>``) issued at or before
    ``not_before`` are refused; every token of a ``blocked`` subject is (disabled or deleted).

    Opaque ids and times only: this is what the services poll (``/internal/revocations``).
    ``seq`` orders the changes for that feed; it is drawn under a lock held until commit, so
    the changes commit in ``seq`` order and a reader past ``seq`` n never misses an earlier one.
    """

    __tablename__ = "revocation"

    subject: Mapped[str] = mapped_column(Text, primary_key=True)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    blocked: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, unique=True)

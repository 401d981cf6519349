"""Proof-of-skills credentials: the issuer's signing keys and each credential issued, with its
revocation bit and, once revoked, who revoked it, when and why."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.placements.database import Base, IdMixin


class CredentialKey(Base):
    """A key credentials are signed with. The private half is sealed (shared.sealing); every
    key ever used stays published, as the credentials it signed are kept for years."""

    __tablename__ = "credential_key"

    kid: Mapped[str] = mapped_column(Text, primary_key=True)
    algorithm: Mapped[str] = mapped_column(Text, nullable=False)
    private_pem: Mapped[str] = mapped_column(Text, nullable=False)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.clock_timestamp())


class Credential(IdMixin, Base):
    """The credential issued for one placement (at most one), as it was signed."""

    __tablename__ = "credential"

    placement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placements.placement.id", ondelete="CASCADE"), nullable=False, unique=True)
    candidate_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False,
                                                    index=True)
    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    # Its bit in the status lists: list status_index // LIST_SIZE, position the remainder.
    status_index: Mapped[int] = mapped_column(BigInteger, Identity(start=0, minvalue=0),
                                              nullable=False, unique=True)
    kid: Mapped[str] = mapped_column(ForeignKey("placements.credential_key.kid"),
                                     nullable=False)
    token: Mapped[str] = mapped_column(Text, nullable=False)  # the vc+jwt handed out
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(Text)
    revocation_reason: Mapped[str | None] = mapped_column(Text)

"""Proof-of-skills credentials: the issuer's signing keys and each credential issued, with its
revocation bit and, once revoked, who revoked it, when and why; or, once superseded by a
credential stating the current facts, when."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Text, func, text
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
    """A credential issued for a placement, as it was signed. A placement has one current
    credential at most; when what it states changes (the employer's evaluation given later,
    say), the next download issues a new one that ``supersedes`` it, and the old one is kept,
    ``superseded_at`` set: its bit in the status list is set, as a revoked one's."""

    __tablename__ = "credential"
    __table_args__ = (
        Index("ix_credential_current", "placement_id", unique=True,
              postgresql_where=text("superseded_at IS NULL")),
        Index("ix_credential_placement_issued", "placement_id", "issued_at"),
    )

    placement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placements.placement.id", ondelete="CASCADE"), nullable=False)
    candidate_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False,
                                                    index=True)
    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    # Its bit in the status lists: list status_index // LIST_SIZE, position the remainder,
    # drawn at random among the free ones of the list in use (service.status_index).
    status_index: Mapped[int] = mapped_column(BigInteger, nullable=False, unique=True)
    kid: Mapped[str] = mapped_column(ForeignKey("placements.credential_key.kid"),
                                     nullable=False)
    token: Mapped[str] = mapped_column(Text, nullable=False)  # the vc+jwt handed out
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(Text)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    # The credential of the same placement this one replaced, stating facts since changed.
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("placements.credential.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

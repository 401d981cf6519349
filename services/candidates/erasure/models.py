"""The record of erasures: which candidate's personal data was erased, and when."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.candidates.database import Base


class CandidateErasure(Base):
    """One erased candidate (at most one row each): the erasure's own legal record."""

    __tablename__ = "candidate_erasure"

    candidate_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("candidates.candidate.id", ondelete="CASCADE"),
        primary_key=True,
    )
    erased_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    # SHA-256 (hex) of the receipt the requester was given to follow the erasure without an
    # account; null when nobody asked (an erasure by the retention job).
    receipt_hash: Mapped[str | None] = mapped_column(Text)

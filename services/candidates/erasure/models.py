"""The record of erasures: which candidate's personal data was erased, and when."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, func
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

"""Candidates whose personal data was erased, as the placements service heard of them."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.placements.database import Base


class ErasedCandidate(Base):
    """A candidate erased (``candidate.erased``): no free text is kept about them, now or later."""

    __tablename__ = "erased_candidate"

    candidate_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                server_default=func.now())

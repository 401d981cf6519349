"""Tables of retention: each returnee's return date, and the erasures the retention job made."""

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.candidates.database import Base


class RetentionReturn(Base):
    """The day a person last came back from a stay in a programme, as placements reported it
    (``placement.completed`` or ``placement.ended_early``): their follow-up counts from it."""

    __tablename__ = "retention_return"

    candidate_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("candidates.candidate.id", ondelete="CASCADE"),
        primary_key=True)
    programme_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("candidates.programme.id"), primary_key=True)
    returned_on: Mapped[date] = mapped_column(Date, nullable=False)


class RetentionErasure(Base):
    """One person erased because their retention expired (at most one row each): which
    programme's rule decided (the latest of their programmes' expiries), with the months it
    declared then, when their part ended, when the retention expired and when they were erased.
    No personal data: the candidate's id only, as the erasure left it."""

    __tablename__ = "retention_erasure"
    __table_args__ = (Index("ix_retention_erasure_erased_at", "erased_at", "candidate_id"),)

    # No foreign key to the candidate: the record outlives whatever erasure does to the row.
    candidate_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    programme_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("candidates.programme.id"), nullable=False)
    follow_up_months: Mapped[int] = mapped_column(Integer, nullable=False)
    retention_months: Mapped[int] = mapped_column(Integer, nullable=False)
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    erased_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())

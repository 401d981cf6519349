"""Likely duplicate people: the flags the rule raises, and the officers' decisions on them."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.candidates.database import Base, IdMixin, VersionMixin
from shared.orm import TimestampsMixin  # no index of its own on created_at: see __table_args__

# Where the pair was found: a person's own sign-up, a registration by staff or an institution,
# a line of an import, a nomination.
FOUND_BY = ("sign_up", "registration", "import", "nomination")
FLAG_STATUSES = ("open", "dismissed", "merged")
DECISIONS = ("dismiss", "merge", "unmerge")


class DuplicateFlag(IdMixin, TimestampsMixin, VersionMixin, Base):
    """Two candidate records the rule says are likely one person, for an officer to review.

    One flag per pair, whatever found it first: ``candidate_id`` is the smaller id of the two,
    so the unique index holds the pair in either order. The evidence says which fields matched
    and how (``[{"field": "name", "match": "same_skeleton"}, …]``), never their values.
    """

    __tablename__ = "duplicate_flag"
    __table_args__ = (
        CheckConstraint("candidate_id < other_candidate_id", name="pair_ordered"),
        CheckConstraint(f"found_by IN {FOUND_BY}", name="found_by_known"),
        CheckConstraint(f"status IN {FLAG_STATUSES}", name="status_known"),
        CheckConstraint("(status = 'merged') = (kept_candidate_id IS NOT NULL)",
                        name="merged_keeps_one"),
        Index("ix_duplicate_flag_pair", "candidate_id", "other_candidate_id", unique=True),
        Index("ix_duplicate_flag_other_candidate_id", "other_candidate_id"),
        Index("ix_duplicate_flag_status_created", "status", "created_at", "id"),
    )

    candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.candidate.id", ondelete="CASCADE"), nullable=False)
    other_candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.candidate.id", ondelete="CASCADE"), nullable=False)
    found_by: Mapped[str] = mapped_column(Text, nullable=False)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'open'"))
    # While merged: the record kept (the other one points at it with ``merged_into_id``).
    kept_candidate_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class DuplicateDecision(Base):
    """One decision on a flag (dismissed, merged keeping one, unmerged); never changed."""

    __tablename__ = "duplicate_decision"
    __table_args__ = (
        CheckConstraint(f"action IN {DECISIONS}", name="action_known"),
        Index("ix_duplicate_decision_flag_decided", "flag_id", "decided_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()"))
    flag_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.duplicate_flag.id", ondelete="CASCADE"), nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    # Merge and unmerge: the record kept and the one merged into it.
    kept_candidate_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    merged_candidate_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decided_by_subject: Mapped[str] = mapped_column(Text, nullable=False)
    decided_by_role: Mapped[str] = mapped_column(Text, nullable=False)
    decided_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp())

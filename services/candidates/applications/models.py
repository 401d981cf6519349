"""Applications of candidates to programmes, their status and every transition they made."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.candidates.database import Base, IdMixin, TimestampsMixin, VersionMixin

STATUSES = ("draft", "submitted", "eligible", "ineligible", "shortlisted", "selected",
            "waitlisted", "rejected", "withdrawn", "placed", "returned")


class Application(IdMixin, TimestampsMixin, VersionMixin, Base):
    """A candidate's application to a programme; its status changes only through actions."""

    __tablename__ = "application"
    __table_args__ = (
        UniqueConstraint("candidate_id", "programme_id"),
        CheckConstraint(f"status IN {STATUSES}", name="status_known"),
        Index("ix_application_programme_status", "programme_id", "status"),
    )

    candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.candidate.id", ondelete="CASCADE"), nullable=False, index=True
    )
    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.programme.id"), nullable=False
    )
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="draft")
    motivation: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    screened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # [{code, rule, detail}] — why the programme's rules found it (in)eligible
    screening_reasons: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'")
    )
    score: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    score_parts: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    selection_rank: Mapped[int | None] = mapped_column(Integer)
    decision_reason: Mapped[str | None] = mapped_column(Text)


class ApplicationTransition(Base):
    """One status change of an application: who did what, from which state to which."""

    __tablename__ = "application_transition"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.application.id", ondelete="CASCADE"), nullable=False, index=True
    )
    action: Mapped[str] = mapped_column(Text, nullable=False)
    from_status: Mapped[str] = mapped_column(Text, nullable=False)
    to_status: Mapped[str] = mapped_column(Text, nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

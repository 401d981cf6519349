"""Notices (one per thing a person is told), each programme's schedule of them, and each
person's preferences."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.candidates.database import Base, IdMixin, VersionMixin
from services.candidates.notices.kinds import CHANNELS, KINDS, LANGUAGES, REASONS, STATUSES


class Notice(IdMixin, Base):
    """One notice to one person: ``kind`` about ``source_id`` (a follow-up, a placement, a
    training session), due at ``due_at``; ``pending`` until the notices job sends it (``sent``,
    as ``notice.<kind>``, with the ``channel`` and ``language`` it went in) or withholds it,
    or until what it is about makes it pointless (``cancelled``). ``params`` are the dates
    and codes its text names; ``not_after``: past it, it is too late to send."""

    __tablename__ = "notice"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS}", name="kind_known"),
        CheckConstraint(f"status IN {STATUSES}", name="status_known"),
        CheckConstraint(f"reason IS NULL OR reason IN {REASONS}", name="reason_known"),
        CheckConstraint(f"channel IS NULL OR channel IN {CHANNELS}", name="channel_known"),
        CheckConstraint(f"language IS NULL OR language IN {LANGUAGES}", name="language_known"),
        CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_when_sent"),
        # One notice of a kind per thing it is about: a redelivered or repeated event finds it.
        UniqueConstraint("kind", "source_id"),
        # The job: pending notices by when they fall due.
        Index("ix_notice_pending_due", "due_at", "id", postgresql_where=text("status = 'pending'")),
        Index("ix_notice_candidate_due", "candidate_id", "due_at"),
        Index("ix_notice_parent", "parent_id", postgresql_where=text("status = 'pending'")),
    )

    candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.candidate.id", ondelete="CASCADE"), nullable=False)
    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    source_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    # What the source belongs to, when an event about it ends its notices (a follow-up's case).
    parent_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    not_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False,
                                                   server_default=text("'{}'"))
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="pending")
    reason: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now())


class NoticeSchedule(Base):
    """A programme's setting for one kind: ``offset_days`` (before the date a reminder is
    about, or after the event of a notice sent on an event) and whether it sends it at all.

    A kind without a row follows :data:`services.candidates.notices.kinds.DEFAULTS`. Every row
    of a programme carries the version of the last PUT of its schedule (its ETag).
    """

    __tablename__ = "notice_schedule"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS}", name="kind_known"),
        CheckConstraint("offset_days BETWEEN 0 AND 365", name="offset_range"),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.programme.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    offset_days: Mapped[int] = mapped_column(Integer, nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now())


class NoticePreference(VersionMixin, Base):
    """How a person wants to be told: ``language``, ``channel`` (``none``: nothing at all but
    what the programme tells them otherwise) and the non-essential kinds they stopped."""

    __tablename__ = "notice_preference"
    __table_args__ = (
        CheckConstraint(f"channel IN {CHANNELS}", name="channel_known"),
        CheckConstraint(f"language IN {LANGUAGES}", name="language_known"),
    )

    candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.candidate.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(Text, nullable=False)
    channel: Mapped[str] = mapped_column(Text, nullable=False)
    stopped_kinds: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False,
                                                     server_default=text("'{}'"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now())

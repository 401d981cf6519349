"""Pre-departure training: a programme's modules, enrolments and attendance."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.candidates.database import Base, IdMixin, TimestampsMixin, VersionMixin

ENROLMENT_STATUSES = ("enrolled", "completed", "dropped")


class TrainingModule(IdMixin, TimestampsMixin, VersionMixin, Base):
    """One module of a programme's pre-departure curriculum."""

    __tablename__ = "training_module"
    __table_args__ = (
        UniqueConstraint("programme_id", "code"),
        CheckConstraint("hours > 0", name="hours_positive"),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.programme.id"), nullable=False, index=True
    )
    code: Mapped[str] = mapped_column(Text, nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 2), nullable=False)
    required: Mapped[bool] = mapped_column(nullable=False, server_default=text("true"))
    position: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


class Enrolment(IdMixin, Base):
    """A candidate following a module, until completed or dropped.

    ``enrolled_on`` and ``completed_on`` are the days it happened (entered after the fact, they
    may be long before ``enrolled_at`` and ``completed_at``, when it was recorded).
    """

    __tablename__ = "enrolment"
    __table_args__ = (
        UniqueConstraint("module_id", "candidate_id"),
        CheckConstraint(f"status IN {ENROLMENT_STATUSES}", name="status_known"),
        CheckConstraint("completed_on IS NULL OR completed_on >= enrolled_on",
                        name="completed_after_enrolled"),
    )

    module_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.training_module.id"), nullable=False
    )
    candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.candidate.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="enrolled")
    enrolled_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    enrolled_on: Mapped[date] = mapped_column(Date, nullable=False)
    completed_on: Mapped[date | None] = mapped_column(Date)


class Attendance(IdMixin, Base):
    """Presence at one session of a module, with the hours attended."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "session_date"),
        CheckConstraint("hours >= 0", name="hours_non_negative"),
    )

    enrolment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.enrolment.id", ondelete="CASCADE"), nullable=False
    )
    session_date: Mapped[date] = mapped_column(Date, nullable=False)
    present: Mapped[bool] = mapped_column(nullable=False)
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, server_default="0")
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

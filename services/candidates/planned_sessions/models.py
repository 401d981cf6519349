"""Planned sessions of training modules: the days a module's class is to meet."""

import uuid
from datetime import date, datetime, time

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Text,
    Time,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression

from services.candidates.database import Base, IdMixin, TimestampsMixin, VersionMixin

SESSION_STATUSES = ("planned", "cancelled")


class PlannedSession(IdMixin, TimestampsMixin, VersionMixin, Base):
    """One session of a module planned ahead: its day, maybe its start (local time at the
    place) and place; ``planned`` until cancelled. Its register is the one recorded (by the
    module's session register) on its ``session_date``."""

    __tablename__ = "planned_session"
    __table_args__ = (
        CheckConstraint(f"status IN {SESSION_STATUSES}", name="status_known"),
        CheckConstraint("(status = 'cancelled') = (cancelled_at IS NOT NULL)",
                        name="cancelled_when_cancelled"),
        # One session a day per module, as there is one register a day: a planned session's
        # register is the module's register of that day.
        Index("uq_planned_session_module_day", "module_id", "session_date", unique=True,
              postgresql_where=text("status = 'planned'")),
        # The module's plan, in date order.
        Index("ix_planned_session_module_date", "module_id", "session_date", "id"),
    )

    module_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.training_module.id"), nullable=False)
    session_date: Mapped[date] = mapped_column(Date, nullable=False)
    start_time: Mapped[time | None] = mapped_column(Time)
    place: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="planned")
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Whether a register was recorded on its day; loaded by the repository's reads.
    recorded: Mapped[bool | None] = query_expression()

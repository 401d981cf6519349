"""During and after the stay: mentors, check-ins with their incidents, alerts to officers, and
the employer's final evaluation."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.placements.database import Base, IdMixin

SEVERITIES = ("low", "medium", "high", "critical")
HOUSING = ("ok", "issue")
RATINGS = ("technical_skills", "communication", "teamwork", "reliability")
# What a wage check can find (monitoring.checks; a housing check finds overcrowded_housing).
WAGE_DEVIATIONS = ("wage_shortfall", "excessive_deductions", "fee_deducted")


def _placement_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("placements.placement.id", ondelete="CASCADE"),
                         nullable=False, index=True)


def _created_at() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False,
                         server_default=func.clock_timestamp())


class Mentor(IdMixin, Base):
    """A person the employer names to guide the trainee (business contact details)."""

    __tablename__ = "mentor"

    placement_id: Mapped[uuid.UUID] = _placement_fk()
    name: Mapped[str] = mapped_column(Text, nullable=False)
    email: Mapped[str] = mapped_column(Text, nullable=False)
    phone: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created_at()


class CheckIn(IdMixin, Base):
    """How the trainee is doing, recorded while the placement is active; never changed.

    Recorded by the host's side, officers, or the trainee themself (``recorded_by_role``
    candidate); it may carry a wage check and a housing check.
    """

    __tablename__ = "check_in"
    __table_args__ = (
        CheckConstraint("wellbeing BETWEEN 1 AND 5", name="wellbeing_range"),
        CheckConstraint(f"housing IN {HOUSING}", name="housing_known"),
        Index("ix_check_in_placement_created", "placement_id", "created_at", "id"),
    )

    placement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placements.placement.id", ondelete="CASCADE"), nullable=False
    )
    check_in_date: Mapped[date] = mapped_column(Date, nullable=False)
    wellbeing: Mapped[int] = mapped_column(Integer, nullable=False)
    housing: Mapped[str] = mapped_column(Text, nullable=False)
    housing_note: Mapped[str | None] = mapped_column(Text)
    health_flag: Mapped[bool] = mapped_column(Boolean, nullable=False)
    notes: Mapped[str | None] = mapped_column(Text)
    # [{type, severity, description}]
    incidents: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'")
    )
    # What was paid for a month against what was agreed, and the deviations found then
    # (schemas.WageCheckOut); null when the check-in has none. Kept as recorded, thresholds of
    # the day included: a later change of a rule does not rewrite what an officer was told.
    wage_check: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    # The dwelling: rent, space, occupants, condition, and the deviations found
    # (schemas.HousingCheckOut); null when the check-in has none.
    housing_check: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    recorded_by: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_by_role: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _created_at()


class Alert(IdMixin, Base):
    """A high or critical incident, or a deviation found by a wage or housing check, for the
    officers of the placement's programme to act on (``incident_type``: the incident's type or
    the deviation's kind)."""

    __tablename__ = "alert"
    __table_args__ = (
        CheckConstraint(f"severity IN {SEVERITIES}", name="severity_known"),
        Index("ix_alert_programme_created", "programme_id", "created_at", "id"),
        Index("ix_alert_created_id", "created_at", "id"),
    )

    placement_id: Mapped[uuid.UUID] = _placement_fk()
    check_in_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placements.check_in.id", ondelete="CASCADE"), nullable=False, index=True
    )
    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    incident_type: Mapped[str] = mapped_column(Text, nullable=False)
    severity: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _created_at()
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(Text)


class Evaluation(IdMixin, Base):
    """The employer's evaluation of the trainee, once, after the placement ended."""

    __tablename__ = "evaluation"
    __table_args__ = (
        UniqueConstraint("placement_id"),
        *(CheckConstraint(f"{name} BETWEEN 1 AND 5", name=f"{name}_range") for name in RATINGS),
    )

    placement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placements.placement.id", ondelete="CASCADE"), nullable=False
    )
    technical_skills: Mapped[int] = mapped_column(Integer, nullable=False)
    communication: Mapped[int] = mapped_column(Integer, nullable=False)
    teamwork: Mapped[int] = mapped_column(Integer, nullable=False)
    reliability: Mapped[int] = mapped_column(Integer, nullable=False)
    would_host_again: Mapped[bool] = mapped_column(Boolean, nullable=False)
    comments: Mapped[str | None] = mapped_column(Text)
    evaluator: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _created_at()

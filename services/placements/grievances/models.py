"""Grievances: a placed worker's complaints tied to their placement, the level that handles each
and its deadline there, and their append-only history."""

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.placements.database import Base, IdMixin, TimestampsMixin, VersionMixin

CATEGORIES = ("wages", "hours", "housing", "health_safety", "harassment", "discrimination",
              "contract_substitution", "document_retention", "fees_charged", "other")
SEVERITIES = ("low", "medium", "high", "critical")
# Who handles a grievance, in the order it escalates: the employer (only when the worker chose
# it first), the programme's officers, then the ministry's statistics (counted there as
# escalated and unresolved; officers still resolve it).
LEVELS = ("employer", "programme", "ministry")
FIRST_LEVELS = ("employer", "programme")
STATUSES = ("open", "in_progress", "resolved")
OUTCOMES = ("upheld", "partly_upheld", "not_upheld", "withdrawn")
# What a history entry records (the action endpoints' last path segment, and the job's).
ACTIONS = ("file", "assign", "respond", "escalate", "resolve", "satisfaction")


class Grievance(IdMixin, TimestampsMixin, VersionMixin, Base):
    """A complaint about a placement, filed by its worker or on their behalf.

    ``programme_id``, ``employer_id`` and ``candidate_id`` are the placement's, copied at filing
    (who may see it, and the statistics, read them without a join). ``due_at`` is when it must
    be resolved at its current ``level``; past it, the escalation job moves it up a level.
    """

    __tablename__ = "grievance"
    __table_args__ = (
        CheckConstraint(f"category IN {CATEGORIES}", name="category_known"),
        CheckConstraint(f"severity IN {SEVERITIES}", name="severity_known"),
        CheckConstraint(f"level IN {LEVELS}", name="level_known"),
        CheckConstraint(f"handled_first_by IN {FIRST_LEVELS}", name="handled_first_by_known"),
        CheckConstraint(f"status IN {STATUSES}", name="status_known"),
        CheckConstraint(f"outcome IS NULL OR outcome IN {OUTCOMES}", name="outcome_known"),
        CheckConstraint("(status = 'resolved') = (outcome IS NOT NULL AND resolved_at IS NOT NULL)",
                        name="resolved_with_outcome"),
        CheckConstraint("satisfaction IS NULL OR (satisfaction BETWEEN 1 AND 5 "
                        "AND status = 'resolved')", name="satisfaction_range"),
        # The lists of each kind of reader, and the statistics of a programme.
        Index("ix_grievance_programme_created", "programme_id", "created_at", "id"),
        Index("ix_grievance_employer_created", "employer_id", "created_at", "id"),
        Index("ix_grievance_candidate_created", "candidate_id", "created_at", "id"),
        Index("ix_grievance_created_id", "created_at", "id"),
        # What the escalation job looks for: unresolved, below the last level, by deadline.
        Index("ix_grievance_escalation_due", "due_at", "id",
              postgresql_where=text("status <> 'resolved' AND level <> 'ministry'")),
    )

    placement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placements.placement.id", ondelete="CASCADE"), nullable=False, index=True
    )
    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    employer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    candidate_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    category: Mapped[str] = mapped_column(Text, nullable=False)
    severity: Mapped[str] = mapped_column(Text, nullable=False)
    # The worker's words; blanked (null) when the candidate is erased, the counts kept.
    description: Mapped[str | None] = mapped_column(Text)
    # Whether the employer may know whose grievance it is (always, when the employer filed it).
    share_identity_with_employer: Mapped[bool] = mapped_column(Boolean, nullable=False)
    handled_first_by: Mapped[str] = mapped_column(Text, nullable=False)
    # Filed by someone other than the worker (an officer, the employer's mentor, an admin).
    on_behalf: Mapped[bool] = mapped_column(Boolean, nullable=False)
    filed_by: Mapped[str] = mapped_column(Text, nullable=False)  # the token subject
    filed_by_role: Mapped[str] = mapped_column(Text, nullable=False)
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    level: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="open")
    # The officer who handles it on the programme's side, once assigned.
    owner_subject: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class GrievanceAction(Base):
    """One step of a grievance: who did what, at which level, leaving it in which status, and
    their message (a response). Append-only: inserted with the change, never updated except to
    blank a person's words when they are erased."""

    __tablename__ = "grievance_action"
    __table_args__ = (
        CheckConstraint(f"action IN {ACTIONS}", name="action_known"),
        Index("ix_grievance_action_grievance_id", "grievance_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    grievance_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placements.grievance.id", ondelete="CASCADE"), nullable=False
    )
    action: Mapped[str] = mapped_column(Text, nullable=False)
    level: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    actor: Mapped[str] = mapped_column(Text, nullable=False)  # the token subject, or the job
    actor_role: Mapped[str] = mapped_column(Text, nullable=False)
    message: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                         server_default=func.clock_timestamp())

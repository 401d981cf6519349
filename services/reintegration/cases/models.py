"""Returnee cases: one per person and programme, holding each stay abroad that ended."""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.reintegration.database import Base, IdMixin, TimestampsMixin, VersionMixin

CASE_STATUSES = ("open", "closed")
PLACEMENT_OUTCOMES = ("completed", "ended_early")
CLOSE_REASONS = ("follow_up_finished", "declined_follow_up", "unreachable", "re_emigrated",
                 "deceased", "other")
STAY_TYPES = ("work", "traineeship", "study", "seasonal")


class ReturneeCase(IdMixin, TimestampsMixin, VersionMixin, Base):
    """A returnee followed up after their stays abroad in one programme.

    One per candidate and programme, opened by the first ``placement.completed`` or
    ``placement.ended_early``; a later stay of the same person (a second season) adds a
    :class:`ReturneeStay` and reopens it. The placement columns (``placement_id`` …
    ``end_reason``) are the latest stay's, the one that ended last. ``gender``,
    ``origin_country``, ``sector`` and ``destination_country`` are what the indicators break
    down by; unknown when placements did not say. ``notes`` is the only free text, blanked
    (with ``erased_at`` set) when the candidate is erased.
    """

    __tablename__ = "returnee_case"
    __table_args__ = (
        CheckConstraint(f"status IN {CASE_STATUSES}", name="status_known"),
        CheckConstraint(f"placement_outcome IN {PLACEMENT_OUTCOMES}", name="outcome_known"),
        CheckConstraint(f"close_reason IS NULL OR close_reason IN {CLOSE_REASONS}",
                        name="close_reason_known"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_at_set"),
        UniqueConstraint("candidate_id", "programme_id"),
        # The indicators read a programme's cases with their breakdown columns only.
        Index("ix_returnee_case_programme", "programme_id",
              postgresql_include=["id", "gender", "origin_country", "sector",
                                  "destination_country"]),
        Index("ix_returnee_case_caseworker", "caseworker_subject", "programme_id"),
        Index("ix_returnee_case_created_id", "created_at", "id"),
    )

    placement_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    candidate_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    employer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    origin_country: Mapped[str | None] = mapped_column(Text)
    destination_country: Mapped[str | None] = mapped_column(Text)
    gender: Mapped[str | None] = mapped_column(Text)
    sector: Mapped[str | None] = mapped_column(Text)
    return_date: Mapped[date] = mapped_column(Date, nullable=False)
    placement_outcome: Mapped[str] = mapped_column(Text, nullable=False)
    end_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="open")
    caseworker_subject: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    close_reason: Mapped[str | None] = mapped_column(Text)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReturneeStay(IdMixin, TimestampsMixin, Base):
    """One stay abroad of a case's person: the placement that ended, where, what kind, and
    when they came home (its follow-ups are scheduled from ``return_date``).

    ``placement_id`` is unique: a redelivered or second ending event of the same placement
    adds nothing. ``programme_id`` is the case's, kept here for the indicators' index.
    """

    __tablename__ = "returnee_stay"
    __table_args__ = (
        CheckConstraint(f"placement_outcome IN {PLACEMENT_OUTCOMES}", name="outcome_known"),
        CheckConstraint(f"stay_type IS NULL OR stay_type IN {STAY_TYPES}",
                        name="stay_type_known"),
        UniqueConstraint("placement_id"),
        Index("ix_returnee_stay_case_return", "case_id", "return_date"),
        Index("ix_returnee_stay_programme", "programme_id", postgresql_include=["case_id"]),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reintegration.returnee_case.id", ondelete="CASCADE"), nullable=False)
    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    placement_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    employer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    destination_country: Mapped[str | None] = mapped_column(Text)
    sector: Mapped[str | None] = mapped_column(Text)
    stay_type: Mapped[str | None] = mapped_column(Text)
    season: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None] = mapped_column(Date)
    return_date: Mapped[date] = mapped_column(Date, nullable=False)
    placement_outcome: Mapped[str] = mapped_column(Text, nullable=False)
    end_reason: Mapped[str | None] = mapped_column(Text)


class ErasedCandidate(Base):
    """A candidate whose personal data was erased: a case opened later keeps no free text."""

    __tablename__ = "erased_candidate"

    candidate_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                server_default=func.now())

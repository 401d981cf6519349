"""Placements: a candidate on an employer's vacancy, its lifecycle, history and extensions."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.placements.database import Base, IdMixin, TimestampsMixin, VersionMixin

STATUSES = ("proposed", "accepted_by_employer", "accepted_by_candidate", "visa_pending",
            "visa_granted", "visa_refused", "active", "completed", "ended_early", "declined")
# The states nothing leaves (state.FINAL_STATES derives the same set from the transitions; a
# test keeps them equal). A candidate has at most one placement outside them per programme.
FINAL_STATUSES = ("visa_refused", "completed", "ended_early", "declined")
END_REASONS = ("candidate_request", "employer_request", "misconduct", "health", "family",
               "visa_or_permit", "force_majeure", "other")
VISA_DECISIONS = ("granted", "refused")
GENDERS = ("female", "male", "other", "undisclosed")
STAY_TYPES = ("work", "traineeship", "study", "seasonal")


class Placement(IdMixin, TimestampsMixin, VersionMixin, Base):
    """A candidate placed on a vacancy; its status changes only through actions.

    Created from a matching run's proposal (``matching_run_id``, ``proposal_id``: at most one
    placement per proposal) or by an officer. ``start_date``/``end_date`` are the planned stay
    (an extension moves ``end_date``); ``actual_*`` are when it really began and ended. The
    vacancy's stay type, season and region are copied at creation, as its country and sector.
    """

    __tablename__ = "placement"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="status_known"),
        CheckConstraint(f"end_reason IS NULL OR end_reason IN {END_REASONS}",
                        name="end_reason_known"),
        CheckConstraint(f"visa_decision IS NULL OR visa_decision IN {VISA_DECISIONS}",
                        name="visa_decision_known"),
        CheckConstraint("end_date > start_date", name="dates_ordered"),
        CheckConstraint(f"gender IS NULL OR gender IN {GENDERS}", name="gender_known"),
        CheckConstraint(f"stay_type IN {STAY_TYPES}", name="stay_type_known"),
        UniqueConstraint("proposal_id"),
        Index("uq_placement_open_candidate_programme", "candidate_id", "programme_id",
              unique=True, postgresql_where=text(f"status NOT IN {FINAL_STATUSES}")),
        Index("ix_placement_programme_status", "programme_id", "status"),
        Index("ix_placement_created_id", "created_at", "id"),
    )

    candidate_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False,
                                                    index=True)
    vacancy_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placements.vacancy.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    employer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placements.employer.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    matching_run_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    proposal_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    score: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="proposed")
    origin_country: Mapped[str | None] = mapped_column(Text)
    destination_country: Mapped[str] = mapped_column(Text, nullable=False)
    # For the programme's indicators (gender balance, sectors): the candidate's gender from
    # the matching profile (or as the officer gave it), the vacancy's sector.
    gender: Mapped[str | None] = mapped_column(Text)
    sector: Mapped[str | None] = mapped_column(Text)
    stay_type: Mapped[str] = mapped_column(Text, nullable=False, server_default="work")
    season: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    actual_start_date: Mapped[date | None] = mapped_column(Date)
    actual_end_date: Mapped[date | None] = mapped_column(Date)
    # When the visa was applied for (the date it happened, given or today).
    visa_requested_on: Mapped[date | None] = mapped_column(Date)
    visa_decision: Mapped[str | None] = mapped_column(Text)
    visa_decision_date: Mapped[date | None] = mapped_column(Date)
    visa_reference: Mapped[str | None] = mapped_column(Text)
    # The identity the candidate consented to share with the visa authority, copied from the
    # candidates service when the visa is requested; null without that consent, and blanked
    # when the candidate is erased.
    visa_identity: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    end_reason: Mapped[str | None] = mapped_column(Text)
    # A study stay: the student's enrolment at the study provider, given on arrival.
    enrolment_reference: Mapped[str | None] = mapped_column(Text)
    # False once the worker bore any recruitment fee or related cost (a recruitment cost line
    # paid by the worker, above zero, not withdrawn): kept by
    # services.placements.recruitment_costs in the transaction that records or withdraws a
    # line, under this row's lock, so every read of a placement carries it without a join.
    zero_fee: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))


class PlacementTransition(Base):
    """One status change of a placement (or its creation): who did what, from where to where.

    Append-only: rows are inserted with the change and never updated or deleted.
    """

    __tablename__ = "placement_transition"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    placement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placements.placement.id", ondelete="CASCADE"), nullable=False, index=True
    )
    action: Mapped[str] = mapped_column(Text, nullable=False)
    from_status: Mapped[str | None] = mapped_column(Text)  # None: the placement's creation
    to_status: Mapped[str] = mapped_column(Text, nullable=False)
    actor: Mapped[str] = mapped_column(Text, nullable=False)  # the caller's token subject
    actor_role: Mapped[str] = mapped_column(Text, nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp()
    )


class PlacementExtension(Base):
    """An extension of an active placement, on the employer's offer."""

    __tablename__ = "placement_extension"

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    placement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placements.placement.id", ondelete="CASCADE"), nullable=False, index=True
    )
    previous_end_date: Mapped[date] = mapped_column(Date, nullable=False)
    new_end_date: Mapped[date] = mapped_column(Date, nullable=False)
    offer_reference: Mapped[str | None] = mapped_column(Text)
    offer_text: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp()
    )

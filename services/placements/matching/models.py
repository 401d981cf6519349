"""Matching runs and their proposals.

A run is a programme's open vacancies matched with its selected candidates under some
parameters; its status moves ``queued → running → completed → confirmed``, or to ``failed``.
Each proposal is one (candidate, vacancy) pair the run assigned, with its score, explanation
and a pseudonymised snapshot of the candidate's profile as matching read it.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.placements.database import Base, IdMixin, TimestampsMixin, VersionMixin

RUN_STATUSES = ("queued", "running", "completed", "failed", "confirmed")
# A run still at work (or left so by a crashed process, until the sweep fails it).
UNFINISHED = ("queued", "running")
ALGORITHMS = ("optimal", "stable")
# proposed: awaiting the officer; rejected: dropped before confirming; confirmed: made its
# placement; refused: confirming could not (candidate already placed, vacancy full or closed).
PROPOSAL_STATUSES = ("proposed", "rejected", "confirmed", "refused")
GENDERS = ("female", "male", "other", "undisclosed")


class MatchingRun(IdMixin, TimestampsMixin, VersionMixin, Base):
    """One matching run of a programme: its parameters, status, summary and confirmation.

    At most one run per programme is queued or running at a time (a partial unique index).
    ``failure_reason`` is a stable code (``candidates_unavailable``, ``interrupted``…) with a
    human ``failure_detail``; ``summary`` holds the engine's figures once completed and
    ``confirmation`` the counts of the confirm.
    """

    __tablename__ = "matching_run"
    __table_args__ = (
        CheckConstraint(f"status IN {RUN_STATUSES}", name="status_known"),
        CheckConstraint(f"algorithm IN {ALGORITHMS}", name="algorithm_known"),
        Index("uq_matching_run_unfinished_programme", "programme_id", unique=True,
              postgresql_where=text(f"status IN {UNFINISHED}")),
        Index("ix_matching_run_programme_created", "programme_id", "created_at", "id"),
        Index("ix_matching_run_created_id", "created_at", "id"),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    algorithm: Mapped[str] = mapped_column(Text, nullable=False)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="queued")
    requested_by: Mapped[str] = mapped_column(Text, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    failure_detail: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by: Mapped[str | None] = mapped_column(Text)
    confirmation: Mapped[dict[str, Any] | None] = mapped_column(JSONB)

    @property
    def failure(self) -> dict[str, str] | None:
        """Why the run failed, as the API shows it."""
        if self.failure_reason is None:
            return None
        return {"reason": self.failure_reason, "detail": self.failure_detail or ""}


class MatchingProposal(Base):
    """A (candidate, vacancy) pair a run proposes, with what an officer or employer reviews.

    Written in bulk when the run completes (COPY), with ids that sort in the engine's order
    (by vacancy, best score first), so pages come in that order. ``profile`` is the candidate's
    pseudonymised snapshot (skills, languages, education; never a name, contact, birth date,
    gender, nationality or age); ``gender`` and ``nationality`` are kept apart for the
    placement confirming makes (indicators, origin country) and, with ``age_band``, for the
    run's fairness report (counts per group only), and never shown one by one. Erasing the
    candidate blanks all four and the skill lists of the explanation (``erased_at``).
    """

    __tablename__ = "matching_proposal"
    __table_args__ = (
        CheckConstraint(f"status IN {PROPOSAL_STATUSES}", name="status_known"),
        CheckConstraint(f"gender IS NULL OR gender IN {GENDERS}", name="gender_known"),
        UniqueConstraint("run_id", "candidate_id"),
        Index("ix_matching_proposal_run_created_id", "run_id", "created_at", "id"),
        Index("ix_matching_proposal_run_employer", "run_id", "employer_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placements.matching_run.id", ondelete="CASCADE"), nullable=False
    )
    candidate_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False,
                                                    index=True)
    vacancy_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    employer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="proposed")
    explanation: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    profile: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    gender: Mapped[str | None] = mapped_column(Text)
    nationality: Mapped[str | None] = mapped_column(Text)
    # The candidate's age band on the run's day, as the candidates service exported it.
    age_band: Mapped[str | None] = mapped_column(Text)
    placement_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    outcome: Mapped[str | None] = mapped_column(Text)  # why rejected or refused
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

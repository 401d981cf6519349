"""Support measures given to a person of a programme, at any stage: before departure, during
the stay, after return."""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.reintegration.database import Base, IdMixin, TimestampsMixin, VersionMixin

KINDS = ("mentoring", "social", "financial", "health", "housing", "language",
         "entrepreneurship_training", "scholarship", "award", "micro_grant", "micro_loan",
         "job_referral", "psychosocial_support", "income_generating_activity")
# The kinds that carry money (amount, currency, disbursed date).
MONEY_KINDS = ("financial", "scholarship", "award", "micro_grant", "micro_loan",
               "income_generating_activity")
STAGES = ("before_departure", "during_stay", "after_return")
MEASURE_STATUSES = ("planned", "in_progress", "completed", "cancelled")
OUTCOMES = ("successful", "partially_successful", "unsuccessful")


class SupportMeasure(IdMixin, TimestampsMixin, VersionMixin, Base):
    """One measure for a candidate in a programme, at one ``stage``.

    ``case_id`` is the person's returnee case when they have one (set when the measure is
    added, or when their case opens later); before their first return there is none, and the
    measure belongs to them through ``candidate_id`` and ``programme_id``. Money (``amount``,
    ``currency``, ``disbursed_date``) only for the :data:`MONEY_KINDS`; ``description`` and
    ``outcome_note`` are free text, blanked when the candidate is erased."""

    __tablename__ = "support_measure"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS}", name="kind_known"),
        CheckConstraint(f"stage IN {STAGES}", name="stage_known"),
        CheckConstraint(f"status IN {MEASURE_STATUSES}", name="status_known"),
        CheckConstraint(f"outcome IS NULL OR outcome IN {OUTCOMES}", name="outcome_known"),
        CheckConstraint(f"kind IN {MONEY_KINDS} OR (amount IS NULL AND currency IS NULL "
                        "AND disbursed_date IS NULL)", name="money_only_for_money_kinds"),
        CheckConstraint("(amount IS NULL) = (currency IS NULL)", name="amount_with_currency"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        CheckConstraint("disbursed_date IS NULL OR amount IS NOT NULL",
                        name="disbursed_with_amount"),
        Index("ix_support_measure_programme_stage_kind", "programme_id", "stage", "kind"),
        Index("ix_support_measure_person", "candidate_id", "programme_id"),
        Index("ix_support_measure_created_id", "created_at", "id"),
    )

    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("reintegration.returnee_case.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    stage: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="planned")
    provider: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(Text)
    disbursed_date: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(Text)
    outcome_note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(Text, nullable=False)

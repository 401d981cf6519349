"""Support measures given to a returnee: training, money, referrals, mentoring, care."""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.reintegration.database import Base, IdMixin, TimestampsMixin, VersionMixin

KINDS = ("entrepreneurship_training", "micro_grant", "micro_loan", "job_referral", "mentoring",
         "psychosocial_support")
MONEY_KINDS = ("micro_grant", "micro_loan")
MEASURE_STATUSES = ("planned", "in_progress", "completed", "cancelled")
OUTCOMES = ("successful", "partially_successful", "unsuccessful")


class SupportMeasure(IdMixin, TimestampsMixin, VersionMixin, Base):
    """One measure of a case. Money (``amount``, ``currency``, ``disbursed_date``) only for
    micro-grants and micro-loans; ``description`` and ``outcome_note`` are free text, blanked
    when the candidate is erased."""

    __tablename__ = "support_measure"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS}", name="kind_known"),
        CheckConstraint(f"status IN {MEASURE_STATUSES}", name="status_known"),
        CheckConstraint(f"outcome IS NULL OR outcome IN {OUTCOMES}", name="outcome_known"),
        CheckConstraint(f"kind IN {MONEY_KINDS} OR (amount IS NULL AND currency IS NULL "
                        "AND disbursed_date IS NULL)", name="money_only_for_grants_loans"),
        CheckConstraint("(amount IS NULL) = (currency IS NULL)", name="amount_with_currency"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        CheckConstraint("disbursed_date IS NULL OR amount IS NOT NULL",
                        name="disbursed_with_amount"),
        Index("ix_support_measure_programme_kind", "programme_id", "kind"),
        Index("ix_support_measure_created_id", "created_at", "id"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reintegration.returnee_case.id", ondelete="CASCADE"), nullable=False,
        index=True)
    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
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

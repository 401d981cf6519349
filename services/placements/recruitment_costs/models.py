"""Recruitment costs of placed workers (the ILO categories), their first-month earnings at
destination, and the exchange-rate tables programmes supply: what SDG indicator 10.7.1 is
computed from."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.placements.database import Base, IdMixin, TimestampsMixin, VersionMixin

# The ILO's 2019 definition of recruitment fees and related costs (General principles and
# operational guidelines for fair recruitment, Part II): the fees themselves, then the related
# costs by kind; "administrative" covers visas, permits, passports and document fees.
CATEGORIES = ("recruitment_fee", "medical", "insurance", "skills_tests", "training",
              "equipment", "travel_lodging", "administrative", "other")
PAYERS = ("worker", "employer", "programme", "other")
REPORTERS = ("worker", "officer")
# Money: enough digits for any currency's amounts, three decimals (the Tunisian dinar has
# millimes).
MONEY = Numeric(15, 3)
# The lines SDG 10.7.1 and the zero-fee flag read: borne by the worker, still standing, and
# costing something.
WORKER_PAID = "paid_by = 'worker' AND withdrawn_at IS NULL AND amount > 0"


class RecruitmentCost(IdMixin, Base):
    """One cost a placed worker's recruitment cost someone, on the day it was incurred.

    Never deleted nor changed: a mistake is withdrawn (``withdrawn_at`` with who and why) and,
    if need be, recorded again, so what was submitted stays in the record. ``programme_id`` is
    the placement's, copied so that a programme's indicator reads its lines from one index.
    """

    __tablename__ = "recruitment_cost"
    __table_args__ = (
        CheckConstraint(f"category IN {CATEGORIES}", name="category_known"),
        CheckConstraint(f"paid_by IN {PAYERS}", name="paid_by_known"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_code"),
        CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_by IS NULL)",
                        name="withdrawal_complete"),
        Index("ix_recruitment_cost_placement_created", "placement_id", "created_at", "id"),
        # SDG 10.7.1 of a programme: its worker-paid lines grouped by placement and currency,
        # answered from this index alone.
        Index("ix_recruitment_cost_worker_paid", "programme_id", "placement_id", "currency",
              postgresql_include=["amount"], postgresql_where=text(WORKER_PAID)),
    )

    placement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placements.placement.id", ondelete="CASCADE"), nullable=False
    )
    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    category: Mapped[str] = mapped_column(Text, nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    currency: Mapped[str] = mapped_column(Text, nullable=False)
    incurred_on: Mapped[date] = mapped_column(Date, nullable=False)
    paid_by: Mapped[str] = mapped_column(Text, nullable=False)
    evidence_reference: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text, nullable=False)  # the token's subject
    recorded_by_role: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.clock_timestamp())
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(Text)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)


class PlacementEarnings(TimestampsMixin, VersionMixin, Base):
    """The worker's first-month earnings at destination as reported (by the worker or an
    officer): they take precedence over the vacancy's stipend. One per placement."""

    __tablename__ = "placement_earnings"
    __table_args__ = (
        CheckConstraint("monthly_amount > 0", name="monthly_amount_positive"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_code"),
        CheckConstraint(f"reported_by IN {REPORTERS}", name="reported_by_known"),
    )

    placement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placements.placement.id", ondelete="CASCADE"), primary_key=True
    )
    monthly_amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    currency: Mapped[str] = mapped_column(Text, nullable=False)
    # A day of the month the amount was earned in (the first month at destination).
    as_of: Mapped[date] = mapped_column(Date, nullable=False)
    reported_by: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_by: Mapped[str] = mapped_column(Text, nullable=False)


class ExchangeRateTable(IdMixin, Base):
    """The exchange rates a programme supplies, valid on a date: ``rates`` maps an ISO 4217
    code to what one unit of it is worth in ``reporting_currency`` (a decimal string). Never
    changed: a newer table is added, the older ones stay as history."""

    __tablename__ = "exchange_rate_table"
    __table_args__ = (
        CheckConstraint("reporting_currency ~ '^[A-Z]{3}$'", name="currency_code"),
        Index("ix_exchange_rate_table_programme_valid", "programme_id", "valid_on",
              "created_at", "id"),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    reporting_currency: Mapped[str] = mapped_column(Text, nullable=False)
    valid_on: Mapped[date] = mapped_column(Date, nullable=False)
    rates: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_by: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.clock_timestamp())

"""Recruitment costs: cost lines of placed workers (ILO categories, who paid, withdrawn but
never deleted), their reported earnings at destination, the exchange-rate tables programmes
supply, and the placement's ``zero_fee`` flag (true for every existing placement: none has a
cost line yet).

Revision ID: plac0014
Revises: plac0013
Create Date: 2026-12-05 01:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "plac0014"
down_revision: str | Sequence[str] | None = "plac0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "placements"
_CATEGORIES = ("'recruitment_fee', 'medical', 'insurance', 'skills_tests', 'training', "
               "'equipment', 'travel_lodging', 'administrative', 'other'")
_WORKER_PAID = "paid_by = 'worker' AND withdrawn_at IS NULL AND amount > 0"
_CURRENCY = "currency ~ '^[A-Z]{3}$'"


def upgrade() -> None:
    """Create the tables and add ``placement.zero_fee``."""
    op.add_column("placement", sa.Column("zero_fee", sa.Boolean(),
                                         server_default=sa.text("true"), nullable=False),
                  schema=SCHEMA)
    op.create_table(
        "recruitment_cost",
        sa.Column("placement_id", sa.UUID(), nullable=False),
        sa.Column("programme_id", sa.UUID(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(15, 3), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("incurred_on", sa.Date(), nullable=False),
        sa.Column("paid_by", sa.Text(), nullable=False),
        sa.Column("evidence_reference", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_by_role", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True),
                  server_default=sa.text("clock_timestamp()"), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.Text(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.CheckConstraint(f"category IN ({_CATEGORIES})",
                           name=op.f("ck_recruitment_cost_category_known")),
        sa.CheckConstraint("paid_by IN ('worker', 'employer', 'programme', 'other')",
                           name=op.f("ck_recruitment_cost_paid_by_known")),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_recruitment_cost_amount_not_negative")),
        sa.CheckConstraint(_CURRENCY, name=op.f("ck_recruitment_cost_currency_code")),
        sa.CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_by IS NULL)",
                           name=op.f("ck_recruitment_cost_withdrawal_complete")),
        sa.ForeignKeyConstraint(["placement_id"], ["placements.placement.id"],
                                name=op.f("fk_recruitment_cost_placement_id_placement"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recruitment_cost")),
        schema=SCHEMA,
    )
    op.create_index("ix_recruitment_cost_placement_created", "recruitment_cost",
                    ["placement_id", "created_at", "id"], unique=False, schema=SCHEMA)
    op.create_index("ix_recruitment_cost_worker_paid", "recruitment_cost",
                    ["programme_id", "placement_id", "currency"], unique=False, schema=SCHEMA,
                    postgresql_include=["amount"], postgresql_where=sa.text(_WORKER_PAID))
    op.create_table(
        "placement_earnings",
        sa.Column("placement_id", sa.UUID(), nullable=False),
        sa.Column("monthly_amount", sa.Numeric(15, 3), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("reported_by", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("monthly_amount > 0",
                           name=op.f("ck_placement_earnings_monthly_amount_positive")),
        sa.CheckConstraint(_CURRENCY, name=op.f("ck_placement_earnings_currency_code")),
        sa.CheckConstraint("reported_by IN ('worker', 'officer')",
                           name=op.f("ck_placement_earnings_reported_by_known")),
        sa.ForeignKeyConstraint(["placement_id"], ["placements.placement.id"],
                                name=op.f("fk_placement_earnings_placement_id_placement"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("placement_id", name=op.f("pk_placement_earnings")),
        schema=SCHEMA,
    )
    op.create_table(
        "exchange_rate_table",
        sa.Column("programme_id", sa.UUID(), nullable=False),
        sa.Column("reporting_currency", sa.Text(), nullable=False),
        sa.Column("valid_on", sa.Date(), nullable=False),
        sa.Column("rates", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True),
                  server_default=sa.text("clock_timestamp()"), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.CheckConstraint("reporting_currency ~ '^[A-Z]{3}$'",
                           name=op.f("ck_exchange_rate_table_currency_code")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rate_table")),
        schema=SCHEMA,
    )
    op.create_index("ix_exchange_rate_table_programme_valid", "exchange_rate_table",
                    ["programme_id", "valid_on", "created_at", "id"], unique=False,
                    schema=SCHEMA)


def downgrade() -> None:
    """Drop the tables and ``placement.zero_fee`` (the costs recorded are lost)."""
    op.drop_index("ix_exchange_rate_table_programme_valid", table_name="exchange_rate_table",
                  schema=SCHEMA)
    op.drop_table("exchange_rate_table", schema=SCHEMA)
    op.drop_table("placement_earnings", schema=SCHEMA)
    op.drop_index("ix_recruitment_cost_worker_paid", table_name="recruitment_cost",
                  schema=SCHEMA)
    op.drop_index("ix_recruitment_cost_placement_created", table_name="recruitment_cost",
                  schema=SCHEMA)
    op.drop_table("recruitment_cost", schema=SCHEMA)
    op.drop_column("placement", "zero_fee", schema=SCHEMA)

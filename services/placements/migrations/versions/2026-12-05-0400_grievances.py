"""Grievances: a placed worker's complaints tied to their placement, and their history.

Revision ID: plac0013
Revises: plac0012
Create Date: 2026-12-05 02:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "plac0013"
down_revision: str | Sequence[str] | None = "plac0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATEGORIES = ("wages", "hours", "housing", "health_safety", "harassment", "discrimination",
              "contract_substitution", "document_retention", "fees_charged", "other")
SEVERITIES = ("low", "medium", "high", "critical")
LEVELS = ("employer", "programme", "ministry")
FIRST_LEVELS = ("employer", "programme")
STATUSES = ("open", "in_progress", "resolved")
OUTCOMES = ("upheld", "partly_upheld", "not_upheld", "withdrawn")
ACTIONS = ("file", "assign", "respond", "escalate", "resolve", "satisfaction")


def upgrade() -> None:
    """Create ``placements.grievance`` and ``placements.grievance_action``."""
    op.create_table(
        "grievance",
        sa.Column("placement_id", sa.UUID(), nullable=False),
        sa.Column("programme_id", sa.UUID(), nullable=False),
        sa.Column("employer_id", sa.UUID(), nullable=False),
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("share_identity_with_employer", sa.Boolean(), nullable=False),
        sa.Column("handled_first_by", sa.Text(), nullable=False),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("filed_by", sa.Text(), nullable=False),
        sa.Column("filed_by_role", sa.Text(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column("owner_subject", sa.Text(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(f"category IN {CATEGORIES}", name=op.f("ck_grievance_category_known")),
        sa.CheckConstraint(f"severity IN {SEVERITIES}", name=op.f("ck_grievance_severity_known")),
        sa.CheckConstraint(f"level IN {LEVELS}", name=op.f("ck_grievance_level_known")),
        sa.CheckConstraint(f"handled_first_by IN {FIRST_LEVELS}",
                           name=op.f("ck_grievance_handled_first_by_known")),
        sa.CheckConstraint(f"status IN {STATUSES}", name=op.f("ck_grievance_status_known")),
        sa.CheckConstraint(f"outcome IS NULL OR outcome IN {OUTCOMES}",
                           name=op.f("ck_grievance_outcome_known")),
        sa.CheckConstraint(
            "(status = 'resolved') = (outcome IS NOT NULL AND resolved_at IS NOT NULL)",
            name=op.f("ck_grievance_resolved_with_outcome")),
        sa.CheckConstraint(
            "satisfaction IS NULL OR (satisfaction BETWEEN 1 AND 5 AND status = 'resolved')",
            name=op.f("ck_grievance_satisfaction_range")),
        sa.ForeignKeyConstraint(["placement_id"], ["placements.placement.id"],
                                name=op.f("fk_grievance_placement_id_placement"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grievance")),
        schema="placements",
    )
    op.create_index("ix_grievance_programme_created", "grievance",
                    ["programme_id", "created_at", "id"], unique=False, schema="placements")
    op.create_index("ix_grievance_employer_created", "grievance",
                    ["employer_id", "created_at", "id"], unique=False, schema="placements")
    op.create_index("ix_grievance_candidate_created", "grievance",
                    ["candidate_id", "created_at", "id"], unique=False, schema="placements")
    op.create_index("ix_grievance_created_id", "grievance", ["created_at", "id"],
                    unique=False, schema="placements")
    op.create_index("ix_grievance_escalation_due", "grievance", ["due_at", "id"], unique=False,
                    schema="placements",
                    postgresql_where=sa.text("status <> 'resolved' AND level <> 'ministry'"))
    op.create_index(op.f("ix_placements_grievance_placement_id"), "grievance",
                    ["placement_id"], unique=False, schema="placements")
    op.create_table(
        "grievance_action",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("grievance_id", sa.UUID(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("actor_role", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"),
                  nullable=False),
        sa.CheckConstraint(f"action IN {ACTIONS}", name=op.f("ck_grievance_action_action_known")),
        sa.ForeignKeyConstraint(["grievance_id"], ["placements.grievance.id"],
                                name=op.f("fk_grievance_action_grievance_id_grievance"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grievance_action")),
        schema="placements",
    )
    op.create_index("ix_grievance_action_grievance_id", "grievance_action",
                    ["grievance_id", "id"], unique=False, schema="placements")


def downgrade() -> None:
    """Drop the grievances and their history."""
    op.drop_table("grievance_action", schema="placements")
    op.drop_table("grievance", schema="placements")

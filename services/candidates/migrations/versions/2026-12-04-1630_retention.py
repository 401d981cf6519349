"""Retention of personal data: each programme's follow-up and retention months, each returnee's
return date, and the record of the erasures the retention job made.

Every existing programme gets the documented defaults (12 months of follow-up, 60 of
retention). Returns recorded before this revision have no date of their own: the retention job
then counts from the day the return was recorded (the application's ``return`` transition).

Revision ID: cand0012
Revises: cand0011
Create Date: 2026-12-04 16:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "cand0012"
down_revision: str | Sequence[str] | None = "cand0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS = {
    "follow_up_range": "follow_up_months BETWEEN 0 AND 120",
    "retention_range": "retention_months BETWEEN 0 AND 240",
}


def upgrade() -> None:
    """Add the programmes' months, the return dates and the retention erasures."""
    op.add_column("programme", sa.Column("follow_up_months", sa.Integer(), nullable=False,
                                         server_default=sa.text("12")), schema="candidates")
    op.add_column("programme", sa.Column("retention_months", sa.Integer(), nullable=False,
                                         server_default=sa.text("60")), schema="candidates")
    for name, condition in CHECKS.items():
        # op.f(): the name as written, not run through the metadata's naming convention again.
        op.create_check_constraint(op.f(f"ck_programme_{name}"), "programme", condition,
                                   schema="candidates")
    op.create_table(
        "retention_return",
        sa.Column("candidate_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("programme_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("returned_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.candidate.id"],
                                name=op.f("fk_retention_return_candidate_id_candidate"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["programme_id"], ["candidates.programme.id"],
                                name=op.f("fk_retention_return_programme_id_programme")),
        sa.PrimaryKeyConstraint("candidate_id", "programme_id",
                                name=op.f("pk_retention_return")),
        schema="candidates",
    )
    op.create_table(
        "retention_erasure",
        sa.Column("candidate_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("programme_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("follow_up_months", sa.Integer(), nullable=False),
        sa.Column("retention_months", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.ForeignKeyConstraint(["programme_id"], ["candidates.programme.id"],
                                name=op.f("fk_retention_erasure_programme_id_programme")),
        sa.PrimaryKeyConstraint("candidate_id", name=op.f("pk_retention_erasure")),
        schema="candidates",
    )
    op.create_index(op.f("ix_retention_erasure_erased_at"), "retention_erasure",
                    ["erased_at", "candidate_id"], schema="candidates")


def downgrade() -> None:
    """Drop the retention erasures' record, the return dates and the programmes' months (the
    erasures themselves stay: candidates.candidate_erasure still records them)."""
    op.drop_index(op.f("ix_retention_erasure_erased_at"), "retention_erasure",
                  schema="candidates")
    op.drop_table("retention_erasure", schema="candidates")
    op.drop_table("retention_return", schema="candidates")
    for name in CHECKS:
        op.drop_constraint(op.f(f"ck_programme_{name}"), "programme", schema="candidates",
                           type_="check")
    op.drop_column("programme", "retention_months", schema="candidates")
    op.drop_column("programme", "follow_up_months", schema="candidates")

"""Employer suspensions: an employer suspended in a programme (reason, dates, who), reinstated
by an explicit action; the rows are the history of its standing there.

Revision ID: plac0012
Revises: plac0011
Create Date: 2026-12-05 03:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "plac0012"
down_revision: str | Sequence[str] | None = "plac0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "placements"


def upgrade() -> None:
    """Create ``placements.employer_suspension``."""
    op.create_table(
        "employer_suspension",
        sa.Column("employer_id", sa.UUID(), nullable=False),
        sa.Column("programme_id", sa.UUID(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("suspended_on", sa.Date(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("suspended_by", sa.Text(), nullable=False),
        sa.Column("suspended_by_role", sa.Text(), nullable=False),
        sa.Column("closed_vacancy_ids", postgresql.ARRAY(sa.UUID()),
                  server_default=sa.text("'{}'"), nullable=False),
        sa.Column("reinstated_on", sa.Date(), nullable=True),
        sa.Column("reinstated_by", sa.Text(), nullable=True),
        sa.Column("reinstated_by_role", sa.Text(), nullable=True),
        sa.Column("reinstatement_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("review_on IS NULL OR review_on >= suspended_on",
                           name=op.f("ck_employer_suspension_review_not_before_suspension")),
        sa.CheckConstraint("reinstated_on IS NULL OR reinstated_on >= suspended_on",
                           name=op.f("ck_employer_suspension_reinstated_not_before_suspension")),
        sa.CheckConstraint("(reinstated_on IS NULL) = (reinstated_by IS NULL) AND "
                           "(reinstated_on IS NULL) = (reinstated_by_role IS NULL) AND "
                           "(reinstated_on IS NULL) = (reinstatement_reason IS NULL)",
                           name=op.f("ck_employer_suspension_reinstatement_complete")),
        sa.ForeignKeyConstraint(["employer_id"], [f"{SCHEMA}.employer.id"], ondelete="RESTRICT",
                                name=op.f("fk_employer_suspension_employer_id_employer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_suspension")),
        schema=SCHEMA,
    )
    op.create_index(op.f("ix_placements_employer_suspension_employer_id"), "employer_suspension",
                    ["employer_id"], schema=SCHEMA)
    op.create_index("ix_employer_suspension_programme_created", "employer_suspension",
                    ["programme_id", "created_at", "id"], schema=SCHEMA)
    # At most one suspension in force per employer and programme.
    op.create_index("uq_employer_suspension_in_force", "employer_suspension",
                    ["employer_id", "programme_id"], unique=True, schema=SCHEMA,
                    postgresql_where=sa.text("reinstated_on IS NULL"))


def downgrade() -> None:
    """Drop ``placements.employer_suspension`` (the history of suspensions goes with it)."""
    op.drop_table("employer_suspension", schema=SCHEMA)

"""Likely duplicate people: flags, decisions, and the pointer of a merged record.

Revision ID: cand0014
Revises: cand0013
Create Date: 2026-12-05 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "cand0014"
down_revision: str | Sequence[str] | None = "cand0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PHONE_TAIL = r"right(regexp_replace(phone, '\D', '', 'g'), 8)"


def upgrade() -> None:
    """Add ``candidate.merged_into_id``, the lookups by birth date and phone, the flags and
    their decisions."""
    op.add_column("candidate", sa.Column("merged_into_id", postgresql.UUID(as_uuid=True),
                                         nullable=True), schema="candidates")
    op.create_foreign_key(op.f("fk_candidate_merged_into_id_candidate"), "candidate",
                          "candidate", ["merged_into_id"], ["id"], source_schema="candidates",
                          referent_schema="candidates")
    op.create_index(op.f("ix_candidate_date_of_birth"), "candidate", ["date_of_birth"],
                    schema="candidates")
    op.create_index(op.f("ix_candidate_phone_tail"), "candidate", [sa.text(PHONE_TAIL)],
                    schema="candidates", postgresql_where=sa.text("phone IS NOT NULL"))
    op.create_table(
        "duplicate_flag",
        sa.Column("candidate_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("other_candidate_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("found_by", sa.Text(), nullable=False),
        sa.Column("evidence", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'open'"), nullable=False),
        sa.Column("kept_candidate_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("id", postgresql.UUID(as_uuid=True),
                  server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("candidate_id < other_candidate_id",
                           name=op.f("ck_duplicate_flag_pair_ordered")),
        sa.CheckConstraint("found_by IN ('sign_up', 'registration', 'import', 'nomination')",
                           name=op.f("ck_duplicate_flag_found_by_known")),
        sa.CheckConstraint("status IN ('open', 'dismissed', 'merged')",
                           name=op.f("ck_duplicate_flag_status_known")),
        sa.CheckConstraint("(status = 'merged') = (kept_candidate_id IS NOT NULL)",
                           name=op.f("ck_duplicate_flag_merged_keeps_one")),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.candidate.id"],
                                name=op.f("fk_duplicate_flag_candidate_id_candidate"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["other_candidate_id"], ["candidates.candidate.id"],
                                name=op.f("fk_duplicate_flag_other_candidate_id_candidate"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_flag")),
        schema="candidates",
    )
    op.create_index(op.f("ix_duplicate_flag_pair"), "duplicate_flag",
                    ["candidate_id", "other_candidate_id"], unique=True, schema="candidates")
    op.create_index(op.f("ix_duplicate_flag_other_candidate_id"), "duplicate_flag",
                    ["other_candidate_id"], schema="candidates")
    op.create_index(op.f("ix_duplicate_flag_status_created"), "duplicate_flag",
                    ["status", "created_at", "id"], schema="candidates")
    op.create_table(
        "duplicate_decision",
        sa.Column("id", postgresql.UUID(as_uuid=True),
                  server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("flag_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("kept_candidate_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("merged_candidate_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("decided_by_subject", sa.Text(), nullable=False),
        sa.Column("decided_by_role", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True),
                  server_default=sa.text("clock_timestamp()"), nullable=False),
        sa.CheckConstraint("action IN ('dismiss', 'merge', 'unmerge')",
                           name=op.f("ck_duplicate_decision_action_known")),
        sa.ForeignKeyConstraint(["flag_id"], ["candidates.duplicate_flag.id"],
                                name=op.f("fk_duplicate_decision_flag_id_duplicate_flag"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_decision")),
        schema="candidates",
    )
    op.create_index(op.f("ix_duplicate_decision_flag_decided"), "duplicate_decision",
                    ["flag_id", "decided_at"], schema="candidates")


def downgrade() -> None:
    """Drop the decisions, the flags, the lookups and the merge pointers (merged records come
    back into the lists)."""
    op.drop_table("duplicate_decision", schema="candidates")
    op.drop_table("duplicate_flag", schema="candidates")
    op.drop_index(op.f("ix_candidate_phone_tail"), "candidate", schema="candidates")
    op.drop_index(op.f("ix_candidate_date_of_birth"), "candidate", schema="candidates")
    op.drop_constraint(op.f("fk_candidate_merged_into_id_candidate"), "candidate",
                       schema="candidates", type_="foreignkey")
    op.drop_column("candidate", "merged_into_id", schema="candidates")

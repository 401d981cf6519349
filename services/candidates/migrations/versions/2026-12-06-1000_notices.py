"""Notices: one row per thing a person is told, each programme's schedule, each person's
preferences.

Revision ID: cand0016
Revises: cand0015
Create Date: 2026-12-06 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "cand0016"
down_revision: str | Sequence[str] | None = "cand0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("followup.due_soon", "followup.overdue", "training.session_upcoming",
         "placement.visa_decided", "placement.starting_soon")
STATUSES = ("pending", "sent", "withheld", "cancelled")
REASONS = ("stopped", "channel_none", "no_address", "erased", "programme_off", "too_late",
           "answered", "closed", "started", "ended", "refused")
CHANNELS = ("sms", "whatsapp", "email", "none")
LANGUAGES = ("en", "fr", "ar")
NOW = sa.text("now()")


def upgrade() -> None:
    """Create ``notice``, ``notice_schedule`` and ``notice_preference``."""
    op.create_table(
        "notice",
        sa.Column("id", postgresql.UUID(as_uuid=True), server_default=sa.text("gen_random_uuid()"),
                  nullable=False),
        sa.Column("candidate_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("programme_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("source_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("parent_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()),
                  server_default=sa.text("'{}'"), nullable=False),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=True),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint(f"kind IN {KINDS}", name=op.f("ck_notice_kind_known")),
        sa.CheckConstraint(f"status IN {STATUSES}", name=op.f("ck_notice_status_known")),
        sa.CheckConstraint(f"reason IS NULL OR reason IN {REASONS}",
                           name=op.f("ck_notice_reason_known")),
        sa.CheckConstraint(f"channel IS NULL OR channel IN {CHANNELS}",
                           name=op.f("ck_notice_channel_known")),
        sa.CheckConstraint(f"language IS NULL OR language IN {LANGUAGES}",
                           name=op.f("ck_notice_language_known")),
        sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)",
                           name=op.f("ck_notice_sent_when_sent")),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.candidate.id"],
                                name=op.f("fk_notice_candidate_id_candidate"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
        sa.UniqueConstraint("kind", "source_id", name=op.f("uq_notice_kind_source_id")),
        schema="candidates",
    )
    op.create_index("ix_notice_pending_due", "notice", ["due_at", "id"], schema="candidates",
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("ix_notice_candidate_due", "notice", ["candidate_id", "due_at"],
                    schema="candidates")
    op.create_index("ix_notice_parent", "notice", ["parent_id"], schema="candidates",
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_table(
        "notice_schedule",
        sa.Column("programme_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint(f"kind IN {KINDS}", name=op.f("ck_notice_schedule_kind_known")),
        sa.CheckConstraint("offset_days BETWEEN 0 AND 365",
                           name=op.f("ck_notice_schedule_offset_range")),
        sa.ForeignKeyConstraint(["programme_id"], ["candidates.programme.id"],
                                name=op.f("fk_notice_schedule_programme_id_programme"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("programme_id", "kind", name=op.f("pk_notice_schedule")),
        schema="candidates",
    )
    op.create_table(
        "notice_preference",
        sa.Column("candidate_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("stopped_kinds", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(f"channel IN {CHANNELS}",
                           name=op.f("ck_notice_preference_channel_known")),
        sa.CheckConstraint(f"language IN {LANGUAGES}",
                           name=op.f("ck_notice_preference_language_known")),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.candidate.id"],
                                name=op.f("fk_notice_preference_candidate_id_candidate"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("candidate_id", name=op.f("pk_notice_preference")),
        schema="candidates",
    )


def downgrade() -> None:
    """Drop the notices' tables."""
    op.drop_table("notice_preference", schema="candidates")
    op.drop_table("notice_schedule", schema="candidates")
    op.drop_index("ix_notice_parent", table_name="notice", schema="candidates")
    op.drop_index("ix_notice_candidate_due", table_name="notice", schema="candidates")
    op.drop_index("ix_notice_pending_due", table_name="notice", schema="candidates")
    op.drop_table("notice", schema="candidates")

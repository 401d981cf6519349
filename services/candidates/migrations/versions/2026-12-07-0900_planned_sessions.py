"""Planned sessions of training modules; the reasons a session's reminder is cancelled.

Revision ID: cand0017
Revises: cand0016
Create Date: 2026-12-07 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "cand0017"
down_revision: str | Sequence[str] | None = "cand0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("planned", "cancelled")
REASONS = ("stopped", "channel_none", "no_address", "erased", "programme_off", "too_late",
           "answered", "closed", "started", "ended", "refused")
SESSION_REASONS = ("rescheduled", "session_cancelled", "dropped")
NOW = sa.text("now()")


def _reasons(reasons: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_notice_reason_known"), "notice", schema="candidates",
                       type_="check")
    op.create_check_constraint(op.f("ck_notice_reason_known"), "notice",
                               f"reason IS NULL OR reason IN {reasons}", schema="candidates")


def upgrade() -> None:
    """Create ``planned_session``; a notice may be cancelled because its session moved or was
    called off, or its person dropped out."""
    op.create_table(
        "planned_session",
        sa.Column("module_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="planned", nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", postgresql.UUID(as_uuid=True), server_default=sa.text("gen_random_uuid()"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(f"status IN {STATUSES}", name=op.f("ck_planned_session_status_known")),
        sa.CheckConstraint("(status = 'cancelled') = (cancelled_at IS NOT NULL)",
                           name=op.f("ck_planned_session_cancelled_when_cancelled")),
        sa.ForeignKeyConstraint(["module_id"], ["candidates.training_module.id"],
                                name=op.f("fk_planned_session_module_id_training_module")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_session")),
        schema="candidates",
    )
    op.create_index(op.f("ix_candidates_planned_session_created_at"), "planned_session",
                    ["created_at"], unique=False, schema="candidates")
    op.create_index("uq_planned_session_module_day", "planned_session",
                    ["module_id", "session_date"], unique=True, schema="candidates",
                    postgresql_where=sa.text("status = 'planned'"))
    op.create_index("ix_planned_session_module_date", "planned_session",
                    ["module_id", "session_date", "id"], schema="candidates")
    _reasons(REASONS + SESSION_REASONS)


def downgrade() -> None:
    """Drop ``planned_session``; its reminders' reasons go back to ``closed``."""
    op.execute(sa.text("UPDATE candidates.notice SET reason = 'closed' "
                       f"WHERE reason IN {SESSION_REASONS}"))
    _reasons(REASONS)
    op.drop_index("ix_planned_session_module_date", table_name="planned_session",
                  schema="candidates")
    op.drop_index("uq_planned_session_module_day", table_name="planned_session",
                  schema="candidates")
    op.drop_index(op.f("ix_candidates_planned_session_created_at"),
                  table_name="planned_session", schema="candidates")
    op.drop_table("planned_session", schema="candidates")

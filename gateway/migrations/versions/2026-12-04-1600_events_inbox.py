"""The gateway receives events: its inbox (``candidate.erased`` deletes the erased person's
account). The gateway sends none, so it has no outbox.

Revision ID: gate0003
Revises: gate0002
Create Date: 2026-12-04 16:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gate0003"
down_revision: str | Sequence[str] | None = "gate0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``gateway.inbox`` (shared.events.tables)."""
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_inbox")),
        schema="gateway",
    )


def downgrade() -> None:
    """Drop ``gateway.inbox``."""
    op.drop_table("inbox", schema="gateway")

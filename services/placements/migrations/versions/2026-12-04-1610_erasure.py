"""Erased candidates: the placements service remembers whom ``candidate.erased`` named, so that
free text sent about them later is refused.

Revision ID: plac0009
Revises: plac0008
Create Date: 2026-12-04 16:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "plac0009"
down_revision: str | Sequence[str] | None = "plac0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``placements.erased_candidate``."""
    op.create_table(
        "erased_candidate",
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.PrimaryKeyConstraint("candidate_id", name=op.f("pk_erased_candidate")),
        schema="placements",
    )


def downgrade() -> None:
    """Drop ``placements.erased_candidate`` (the blanked text stays blank)."""
    op.drop_table("erased_candidate", schema="placements")

"""Matching fairness: each proposal keeps the candidate's age band on the run's day, for the
run's fairness report (gender and nationality were kept already).

Revision ID: plac0010
Revises: plac0009
Create Date: 2026-12-05 05:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "plac0010"
down_revision: str | Sequence[str] | None = "plac0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``placements.matching_proposal.age_band`` (null for earlier proposals: unknown)."""
    op.add_column("matching_proposal", sa.Column("age_band", sa.Text(), nullable=True),
                  schema="placements")


def downgrade() -> None:
    """Drop ``placements.matching_proposal.age_band``."""
    op.drop_column("matching_proposal", "age_band", schema="placements")

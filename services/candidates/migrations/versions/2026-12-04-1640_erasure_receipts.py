"""Erasure receipts: the hash of the secret an erasure's requester follows it with.

Revision ID: cand0013
Revises: cand0012
Create Date: 2026-12-04 16:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cand0013"
down_revision: str | Sequence[str] | None = "cand0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``candidate_erasure.receipt_hash`` (null for erasures made before, or by a job)."""
    op.add_column("candidate_erasure", sa.Column("receipt_hash", sa.Text(), nullable=True),
                  schema="candidates")


def downgrade() -> None:
    """Drop the receipts' hashes (the receipts handed out stop working)."""
    op.drop_column("candidate_erasure", "receipt_hash", schema="candidates")

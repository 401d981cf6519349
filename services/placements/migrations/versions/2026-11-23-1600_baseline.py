"""Baseline: the placements schema exists and is versioned; its tables come with its issue.

Revision ID: plac0001
Revises:
Create Date: 2026-11-23 16:00:00
"""

from collections.abc import Sequence

revision: str = "plac0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet beyond the version table Alembic keeps in the schema."""


def downgrade() -> None:
    """Nothing to undo."""

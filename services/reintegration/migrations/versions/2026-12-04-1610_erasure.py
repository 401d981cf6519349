"""Erasure of free text: no schema change. The erasure blanks columns that exist already and
remembers erased candidates in ``erased_candidate`` (made with the cases); the revision keeps
the chain.

Revision ID: rein0006
Revises: rein0005
Create Date: 2026-12-04 16:00:00

"""

from collections.abc import Sequence

revision: str = "rein0006"
down_revision: str | Sequence[str] | None = "rein0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change."""


def downgrade() -> None:
    """Nothing to undo."""

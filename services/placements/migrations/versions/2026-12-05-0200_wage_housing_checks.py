"""Wage and housing checks: a check-in may carry what was paid for a month against what was
agreed (with the deductions) and the dwelling's rent, space and occupants, each with the
deviations found when it was recorded.

Revision ID: plac0011
Revises: plac0010
Create Date: 2026-12-05 04:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "plac0011"
down_revision: str | Sequence[str] | None = "plac0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "placements"
_COLUMNS = ("wage_check", "housing_check")


def upgrade() -> None:
    """Add ``check_in.wage_check`` and ``check_in.housing_check`` (null: none recorded)."""
    for name in _COLUMNS:
        op.add_column("check_in", sa.Column(name, postgresql.JSONB(astext_type=sa.Text()),
                                            nullable=True), schema=SCHEMA)


def downgrade() -> None:
    """Drop the checks (their alerts stay, as alerts of their check-ins)."""
    for name in reversed(_COLUMNS):
        op.drop_column("check_in", name, schema=SCHEMA)

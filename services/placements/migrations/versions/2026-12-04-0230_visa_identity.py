"""The identity a candidate consented to share with the visa authority, on their placement.

Revision ID: plac0006
Revises: plac0005
Create Date: 2026-12-04 02:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "plac0006"
down_revision: str | Sequence[str] | None = "plac0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("placement",
                  sa.Column("visa_identity", postgresql.JSONB(astext_type=sa.Text()),
                            nullable=True),
                  schema="placements")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("placement", "visa_identity", schema="placements")

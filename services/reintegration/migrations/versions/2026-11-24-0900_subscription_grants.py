"""Webhook subscriptions keep their creator's grant: role, programmes, destination country.

A partner subscription receives only the events of its programmes (and country), see
shared.events.grants. Partner rows older than this have no scope and receive nothing more
until their owner registers them again.

Revision ID: rein0003
Revises: rein0002
Create Date: 2026-11-24 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "rein0003"
down_revision: str | Sequence[str] | None = "rein0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("event_subscription", sa.Column("role", sa.Text(), nullable=True),
                  schema="reintegration")
    op.add_column("event_subscription",
                  sa.Column("programme_ids", postgresql.ARRAY(sa.UUID()), nullable=True),
                  schema="reintegration")
    op.add_column("event_subscription", sa.Column("country", sa.Text(), nullable=True),
                  schema="reintegration")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("event_subscription", "country", schema="reintegration")
    op.drop_column("event_subscription", "programme_ids", schema="reintegration")
    op.drop_column("event_subscription", "role", schema="reintegration")

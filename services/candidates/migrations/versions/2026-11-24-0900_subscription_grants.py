"""Webhook subscriptions keep their creator's grant: role, programmes, destination country.

A partner subscription receives only the events of its programmes (and country), see
shared.events.grants. Partner rows older than this have no scope and receive nothing more
until their owner registers them again.

Revision ID: cand0004
Revises: cand0003
Create Date: 2026-11-24 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "cand0004"
down_revision: str | Sequence[str] | None = "cand0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("event_subscription", sa.Column("role", sa.Text(), nullable=True),
                  schema="candidates")
    op.add_column("event_subscription",
                  sa.Column("programme_ids", postgresql.ARRAY(sa.UUID()), nullable=True),
                  schema="candidates")
    op.add_column("event_subscription", sa.Column("country", sa.Text(), nullable=True),
                  schema="candidates")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("event_subscription", "country", schema="candidates")
    op.drop_column("event_subscription", "programme_ids", schema="candidates")
    op.drop_column("event_subscription", "role", schema="candidates")

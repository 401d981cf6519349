"""Accounts managed by admins: a visa authority's country, token revocation.

Revision ID: gate0002
Revises: gate0001
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gate0002"
down_revision: str | None = "gate0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add country and tokens_valid_after to principals; create the revocation table."""
    for table in ("account", "machine_client"):
        op.add_column(table, sa.Column("country", sa.Text()), schema="gateway")
        op.add_column(table, sa.Column("tokens_valid_after", sa.DateTime(timezone=True)),
                      schema="gateway")
    op.execute("CREATE SEQUENCE gateway.revocation_seq")
    op.create_table(
        "revocation",
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False, server_default="false"),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("subject", name="pk_revocation"),
        sa.UniqueConstraint("seq", name="uq_revocation_seq"),
        schema="gateway",
    )


def downgrade() -> None:
    """Drop the revocation table and the new columns."""
    op.drop_table("revocation", schema="gateway")
    op.execute("DROP SEQUENCE gateway.revocation_seq")
    for table in ("machine_client", "account"):
        op.drop_column(table, "tokens_valid_after", schema="gateway")
        op.drop_column(table, "country", schema="gateway")

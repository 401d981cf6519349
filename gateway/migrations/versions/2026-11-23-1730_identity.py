"""Identity: accounts, machine clients and token signing keys.

Revision ID: gate0001
Revises:
Create Date: 2026-11-23 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "gate0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _links() -> list[sa.Column]:
    return [
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("candidate_id", postgresql.UUID(as_uuid=True)),
        sa.Column("employer_id", postgresql.UUID(as_uuid=True)),
        sa.Column("institution_id", postgresql.UUID(as_uuid=True)),
        sa.Column("programme_ids", postgresql.ARRAY(postgresql.UUID(as_uuid=True)),
                  nullable=False, server_default="{}"),
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default="false"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    ]


def upgrade() -> None:
    """Create the identity tables."""
    op.create_table(
        "account",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False,
                  server_default=sa.text("gen_random_uuid()")),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        *_links(),
        sa.PrimaryKeyConstraint("id", name="pk_account"),
        sa.UniqueConstraint("email", name="uq_account_email"),
        schema="gateway",
    )
    op.create_table(
        "machine_client",
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        *_links(),
        sa.PrimaryKeyConstraint("client_id", name="pk_machine_client"),
        schema="gateway",
    )
    op.create_table(
        "signing_key",
        sa.Column("kid", sa.Text(), nullable=False),
        sa.Column("algorithm", sa.Text(), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("public_jwk", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("kid", name="pk_signing_key"),
        schema="gateway",
    )


def downgrade() -> None:
    """Drop the identity tables."""
    op.drop_table("signing_key", schema="gateway")
    op.drop_table("machine_client", schema="gateway")
    op.drop_table("account", schema="gateway")

"""Proof-of-skills credentials: the issuer's signing keys and the credentials issued, with
their revocation bits.

Revision ID: plac0015
Revises: plac0014
Create Date: 2026-12-06 01:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "plac0015"
down_revision: str | Sequence[str] | None = "plac0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "placements"


def upgrade() -> None:
    """Create ``credential_key`` and ``credential``."""
    op.create_table(
        "credential_key",
        sa.Column("kid", sa.Text(), nullable=False),
        sa.Column("algorithm", sa.Text(), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("public_jwk", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True),
                  server_default=sa.text("clock_timestamp()"), nullable=False),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_credential_key")),
        schema=SCHEMA,
    )
    op.create_table(
        "credential",
        sa.Column("placement_id", sa.UUID(), nullable=False),
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("programme_id", sa.UUID(), nullable=False),
        sa.Column("status_index", sa.BigInteger(), sa.Identity(always=False, start=0, minvalue=0),
                  nullable=False),
        sa.Column("kid", sa.Text(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Text(), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.ForeignKeyConstraint(["kid"], [f"{SCHEMA}.credential_key.kid"],
                                name=op.f("fk_credential_kid_credential_key")),
        sa.ForeignKeyConstraint(["placement_id"], [f"{SCHEMA}.placement.id"],
                                name=op.f("fk_credential_placement_id_placement"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential")),
        sa.UniqueConstraint("placement_id", name=op.f("uq_credential_placement_id")),
        sa.UniqueConstraint("status_index", name=op.f("uq_credential_status_index")),
        schema=SCHEMA,
    )
    op.create_index(op.f("ix_placements_credential_candidate_id"), "credential", ["candidate_id"],
                    unique=False, schema=SCHEMA)


def downgrade() -> None:
    """Drop the credentials and their keys."""
    op.drop_index(op.f("ix_placements_credential_candidate_id"), table_name="credential", schema=SCHEMA)
    op.drop_table("credential", schema=SCHEMA)
    op.drop_table("credential_key", schema=SCHEMA)

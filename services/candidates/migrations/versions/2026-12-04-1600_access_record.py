"""The access record: who read or changed whose personal data (shared.access_record).

One append-only, hash-chained entry per person's data read, changed or exported; a trigger
refuses UPDATE, DELETE and TRUNCATE on it.

Revision ID: cand0009
Revises: cand0008
Create Date: 2026-12-04 16:00:00

"""

from collections.abc import Sequence

from alembic import op

from shared import access_record

revision: str = "cand0009"
down_revision: str | Sequence[str] | None = "cand0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the access_record table and its append-only triggers."""
    access_record.install(op.get_bind(), "candidates")


def downgrade() -> None:
    """Drop the access_record table and its trigger function."""
    access_record.uninstall(op.get_bind(), "candidates")

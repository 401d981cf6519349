"""An account's saved language, carried in its tokens as ``locale``.

``account.language`` is ``en``, ``fr`` or ``ar`` (shared.i18n.LANGUAGES), or null: no saved
language (English, or what each request asks for).

Revision ID: gate0005
Revises: gate0004
Create Date: 2026-12-05 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gate0005"
down_revision: str | Sequence[str] | None = "gate0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``account.language``."""
    op.add_column("account", sa.Column("language", sa.Text()), schema="gateway")
    op.create_check_constraint(op.f("ck_account_language_known"), "account",
                               "language IN ('en', 'fr', 'ar')", schema="gateway")


def downgrade() -> None:
    """Drop it."""
    op.drop_constraint(op.f("ck_account_language_known"), "account", schema="gateway")
    op.drop_column("account", "language", schema="gateway")

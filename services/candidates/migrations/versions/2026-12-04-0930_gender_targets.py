"""Programmes target a group: shares of women (or men) up to 1, and an exact gender split.

``gender_balance_min_share`` may now reach 1 (a women-only programme reserves every seat for
women); ``gender_targets`` holds exact seats per gender, e.g. ``{"female": 24, "male": 26}``.

Revision ID: cand0006
Revises: cand0005
Create Date: 2026-12-04 09:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "cand0006"
down_revision: str | Sequence[str] | None = "cand0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _share_range(maximum: str) -> None:
    op.drop_constraint(op.f("ck_programme_gender_share_range"), "programme",
                       schema="candidates", type_="check")
    op.create_check_constraint(
        op.f("ck_programme_gender_share_range"), "programme",
        "gender_balance_min_share IS NULL OR "
        f"(gender_balance_min_share >= 0 AND gender_balance_min_share <= {maximum})",
        schema="candidates")


def upgrade() -> None:
    """Allow shares up to 1 and add the exact split."""
    _share_range("1")
    op.add_column("programme",
                  sa.Column("gender_targets", postgresql.JSONB(astext_type=sa.Text()),
                            nullable=True),
                  schema="candidates")


def downgrade() -> None:
    """Drop the split and cap shares at 0.5 again (shares above it become 0.5)."""
    op.drop_column("programme", "gender_targets", schema="candidates")
    op.execute("UPDATE candidates.programme SET gender_balance_min_share = 0.5 "
               "WHERE gender_balance_min_share > 0.5")
    _share_range("0.5")

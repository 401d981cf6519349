"""Applications follow their placement: statuses placed and returned.

Revision ID: cand0003
Revises: cand0002
Create Date: 2026-11-23 20:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "cand0003"
down_revision: str | Sequence[str] | None = "cand0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("draft", "submitted", "eligible", "ineligible", "shortlisted", "selected",
          "waitlisted", "rejected", "withdrawn")
AFTER = (*BEFORE, "placed", "returned")


def _known(statuses: tuple[str, ...]) -> None:
    # op.f(): the name as written, not run through the metadata's naming convention again.
    op.drop_constraint(op.f("ck_application_status_known"), "application", schema="candidates")
    op.create_check_constraint(op.f("ck_application_status_known"), "application",
                               f"status IN {statuses}", schema="candidates")


def upgrade() -> None:
    """Admit the two statuses placements events lead to."""
    _known(AFTER)


def downgrade() -> None:
    """Back to the selection statuses; followed applications fall back to selected."""
    op.execute("UPDATE candidates.application SET status = 'selected' "
               "WHERE status IN ('placed', 'returned')")
    _known(BEFORE)

"""Consent records with ISO/IEC TS 27560's fields: legal basis, expiry, who recorded the event
(subject and role), jurisdiction and method, beside the purpose, notice version, event and time
the record already had.

Existing events keep what they said and get the values they had in fact: the legal basis
``consent``, the person's country of residence as the jurisdiction, no expiry, method
``unrecorded`` and no recorder (who entered them was not kept).

Revision ID: cand0010
Revises: cand0009
Create Date: 2026-12-04 16:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cand0010"
down_revision: str | Sequence[str] | None = "cand0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGAL_BASES = ("consent", "contract", "legal_obligation", "vital_interests", "public_task",
               "legitimate_interests")
METHODS = ("online_form", "paper_form", "import", "unrecorded")
_CHECKS = {
    "legal_basis_known": f"legal_basis IN {LEGAL_BASES}",
    "method_known": f"method IN {METHODS}",
    "expiry_of_given": "expires_at IS NULL OR action = 'given'",
}


def upgrade() -> None:
    """The 27560 columns, filled in for the events already recorded."""
    for column in (
        sa.Column("legal_basis", sa.Text(), server_default=sa.text("'consent'"),
                  nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("given_by_subject", sa.Text(), nullable=True),
        sa.Column("given_by_role", sa.Text(), nullable=True),
        sa.Column("jurisdiction", sa.Text(), nullable=True),
        sa.Column("method", sa.Text(), server_default=sa.text("'unrecorded'"), nullable=False),
    ):
        op.add_column("consent", column, schema="candidates")
    op.execute("UPDATE candidates.consent AS e SET jurisdiction = c.residence_country "
               "FROM candidates.candidate AS c WHERE c.id = e.candidate_id")
    for name, condition in _CHECKS.items():
        op.create_check_constraint(op.f(f"ck_consent_{name}"), "consent", condition,
                                   schema="candidates")


def downgrade() -> None:
    """Back to purpose, notice version, event and time."""
    for name in _CHECKS:
        op.drop_constraint(op.f(f"ck_consent_{name}"), "consent", schema="candidates",
                           type_="check")
    for column in ("method", "jurisdiction", "given_by_role", "given_by_subject", "expires_at",
                   "legal_basis"):
        op.drop_column("consent", column, schema="candidates")

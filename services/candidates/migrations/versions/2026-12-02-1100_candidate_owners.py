"""Candidates record who registered them: their own account, a programme, an institution.

``account_subject`` is the token subject of a candidate account that created its own profile
(one profile per account); ``registered_programme_id`` the programme an officer registered the
person for; ``registered_institution_id`` the institution that registered its student. The scopes of candidates, officers and
institutions read them (services/candidates/access.py).

Revision ID: cand0005
Revises: cand0004
Create Date: 2026-12-02 11:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cand0005"
down_revision: str | Sequence[str] | None = "cand0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the owner columns, their foreign keys and indexes."""
    op.add_column("candidate", sa.Column("account_subject", sa.Text(), nullable=True),
                  schema="candidates")
    op.add_column("candidate", sa.Column("registered_programme_id", sa.UUID(), nullable=True),
                  schema="candidates")
    op.add_column("candidate", sa.Column("registered_institution_id", sa.UUID(), nullable=True),
                  schema="candidates")
    op.create_foreign_key(op.f("fk_candidate_registered_programme_id_programme"), "candidate",
                          "programme", ["registered_programme_id"], ["id"],
                          source_schema="candidates", referent_schema="candidates")
    op.create_foreign_key(op.f("fk_candidate_registered_institution_id_institution"),
                          "candidate", "institution", ["registered_institution_id"], ["id"],
                          source_schema="candidates", referent_schema="candidates")
    op.create_index("ix_candidate_account_subject", "candidate", ["account_subject"],
                    unique=True, schema="candidates")
    op.create_index("ix_candidate_registered_programme_id", "candidate",
                    ["registered_programme_id"], schema="candidates",
                    postgresql_where=sa.text("registered_programme_id IS NOT NULL"))
    op.create_index("ix_candidate_registered_institution_id", "candidate",
                    ["registered_institution_id"], schema="candidates",
                    postgresql_where=sa.text("registered_institution_id IS NOT NULL"))


def downgrade() -> None:
    """Drop them again; who registered whom is forgotten."""
    op.drop_index("ix_candidate_registered_institution_id", "candidate", schema="candidates")
    op.drop_index("ix_candidate_registered_programme_id", "candidate", schema="candidates")
    op.drop_index("ix_candidate_account_subject", "candidate", schema="candidates")
    op.drop_constraint(op.f("fk_candidate_registered_institution_id_institution"), "candidate",
                       schema="candidates", type_="foreignkey")
    op.drop_constraint(op.f("fk_candidate_registered_programme_id_programme"), "candidate",
                       schema="candidates", type_="foreignkey")
    for column in ("registered_institution_id", "registered_programme_id", "account_subject"):
        op.drop_column("candidate", column, schema="candidates")

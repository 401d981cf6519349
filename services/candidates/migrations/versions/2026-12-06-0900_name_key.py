"""The name key of candidates: the skeletons of their names, what an import looks its people's
likely duplicates up by.

Revision ID: cand0015
Revises: cand0014
Create Date: 2026-12-06 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.candidates.duplicates.matching import name_key

revision: str = "cand0015"
down_revision: str | Sequence[str] | None = "cand0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000


def upgrade() -> None:
    """Add ``candidate.name_key``, computed for every record not erased, and its index."""
    op.add_column("candidate", sa.Column("name_key", sa.Text(), nullable=True),
                  schema="candidates")
    connection = op.get_bind()
    # The skeleton is Python's (duplicates.names): read the names, write the keys, in batches.
    after = None
    while True:
        rows = connection.execute(sa.text(
            "SELECT id, given_name, family_name FROM candidates.candidate "
            "WHERE (CAST(:after AS uuid) IS NULL OR id > CAST(:after AS uuid)) "
            "AND NOT EXISTS (SELECT 1 FROM candidates.candidate_erasure AS e "
            "WHERE e.candidate_id = candidate.id) ORDER BY id LIMIT :size"),
            {"after": after, "size": _BATCH}).all()
        if not rows:
            break
        keys = [{"id": row.id, "key": key} for row in rows
                if (key := name_key(row.given_name, row.family_name)) is not None]
        if keys:
            connection.execute(sa.text(
                "UPDATE candidates.candidate SET name_key = :key WHERE id = :id"), keys)
        after = rows[-1].id
    op.create_index(op.f("ix_candidate_name_key_born"), "candidate",
                    ["name_key", "date_of_birth"], schema="candidates",
                    postgresql_where=sa.text("name_key IS NOT NULL"))


def downgrade() -> None:
    """Drop the name key and its index."""
    op.drop_index(op.f("ix_candidate_name_key_born"), table_name="candidate",
                  schema="candidates", postgresql_where=sa.text("name_key IS NOT NULL"))
    op.drop_column("candidate", "name_key", schema="candidates")

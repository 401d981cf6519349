"""Candidates' e-mails unique by a keyed digest, not by the address.

``email_digest`` is the HMAC-SHA256 of the normalised (trimmed, lower-cased) address under
``DIGEST_KEY`` (shared.sealing); its unique index replaces the one on ``lower(email)``, so a
clash the database logs names a digest, never an address. Existing profiles get their digest
here (this needs ``DIGEST_KEY`` when there are any); erased ones, whose address is a
placeholder, get none.

Revision ID: cand0011
Revises: cand0010
Create Date: 2026-12-04 16:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared import sealing

revision: str = "cand0011"
down_revision: str | Sequence[str] | None = "cand0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ERASED = "%@erased.invalid"  # the placeholder address of an erased profile
_BATCH = 5000


def upgrade() -> None:
    """Add ``candidate.email_digest``, fill it, index it unique; drop the ``lower(email)`` one."""
    op.add_column("candidate", sa.Column("email_digest", sa.Text()), schema="candidates")
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, email FROM candidates.candidate "
                                "WHERE email NOT LIKE :erased"), {"erased": _ERASED}).all()
    if rows:
        digests = sealing.load_digest_key()
        update = sa.text("UPDATE candidates.candidate SET email_digest = :digest WHERE id = :id")
        for start in range(0, len(rows), _BATCH):
            bind.execute(update, [{"id": row.id, "digest": digests.email(row.email)}
                                  for row in rows[start:start + _BATCH]])
    op.create_index("ix_candidate_email_digest", "candidate", ["email_digest"], unique=True,
                    schema="candidates")
    op.drop_index("ix_candidate_email_lower", table_name="candidate", schema="candidates")


def downgrade() -> None:
    """Unique on ``lower(email)`` again; the digests go."""
    op.create_index("ix_candidate_email_lower", "candidate", [sa.text("lower(email)")],
                    unique=True, schema="candidates")
    op.drop_index("ix_candidate_email_digest", table_name="candidate", schema="candidates")
    op.drop_column("candidate", "email_digest", schema="candidates")

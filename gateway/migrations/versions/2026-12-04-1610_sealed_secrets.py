"""Accounts unique by a keyed digest of their e-mail; signing keys' private PEM sealed.

An account's e-mail stays (it is how the person is contacted) but is no longer unique itself:
``email_digest``, the HMAC-SHA256 of the normalised address under ``DIGEST_KEY``
(shared.sealing), is. A clash then puts a digest in the database's log, never an address.
Existing accounts get their digest here, so this needs ``DIGEST_KEY`` when there are any.

Signing keys keep their column: new keys are stored sealed, and ``pathways db prepare`` (and
``pathways reseal``) seal the ones stored before. The downgrade opens them again, as the code
before this revision reads plain PEM (it needs ``SEALING_KEYS`` when some are sealed).

Revision ID: gate0004
Revises: gate0003
Create Date: 2026-12-04 16:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared import sealing

revision: str = "gate0004"
down_revision: str | Sequence[str] | None = "gate0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``account.email_digest``, fill it, make it the unique one."""
    op.add_column("account", sa.Column("email_digest", sa.Text()), schema="gateway")
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, email FROM gateway.account")).all()
    if rows:
        digests = sealing.load_digest_key()
        bind.execute(sa.text("UPDATE gateway.account SET email_digest = :digest WHERE id = :id"),
                     [{"id": row.id, "digest": digests.email(row.email)} for row in rows])
    op.alter_column("account", "email_digest", nullable=False, schema="gateway")
    op.create_unique_constraint("uq_account_email_digest", "account", ["email_digest"],
                                schema="gateway")
    op.drop_constraint("uq_account_email", "account", type_="unique", schema="gateway")


def downgrade() -> None:
    """E-mails unique again, digests gone, sealed private keys opened."""
    op.create_unique_constraint("uq_account_email", "account", ["email"], schema="gateway")
    op.drop_constraint("uq_account_email_digest", "account", type_="unique", schema="gateway")
    op.drop_column("account", "email_digest", schema="gateway")
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT kid, private_pem FROM gateway.signing_key")).all()
    sealed = [row for row in rows if sealing.is_sealed(row.private_pem)]
    if sealed:
        keyring = sealing.load_keyring()
        bind.execute(sa.text("UPDATE gateway.signing_key SET private_pem = :pem WHERE kid = :kid"),
                     [{"kid": row.kid, "pem": keyring.unseal(row.private_pem)} for row in sealed])

"""Partners and agreements: institutions may be municipalities, regions and ministries; a
programme has a consortium (lead, partners, associates); partners record the agreements they
signed (two or more parties each).

Revision ID: cand0008
Revises: cand0007
Create Date: 2026-12-04 14:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cand0008"
down_revision: str | Sequence[str] | None = "cand0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = ("university", "employment_agency", "training_centre", "other")
KINDS_AFTER = ("university", "employment_agency", "training_centre", "municipality", "region",
               "ministry", "other")


def _kinds(kinds: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_institution_kind_known"), "institution", schema="candidates",
                       type_="check")
    op.create_check_constraint(op.f("ck_institution_kind_known"), "institution",
                               f"kind IN {kinds}", schema="candidates")


def upgrade() -> None:
    """The new kinds of institution, the consortium and the agreements with their parties."""
    _kinds(KINDS_AFTER)
    op.create_table(
        "consortium_member",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("programme_id", sa.UUID(), nullable=False),
        sa.Column("institution_id", sa.UUID(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("role IN ('lead', 'partner', 'associate')",
                           name=op.f("ck_consortium_member_role_known")),
        sa.ForeignKeyConstraint(["institution_id"], ["candidates.institution.id"],
                                name=op.f("fk_consortium_member_institution_id_institution")),
        sa.ForeignKeyConstraint(["programme_id"], ["candidates.programme.id"],
                                name=op.f("fk_consortium_member_programme_id_programme")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consortium_member")),
        sa.UniqueConstraint("programme_id", "institution_id",
                            name=op.f("uq_consortium_member_programme_id_institution_id")),
        schema="candidates",
    )
    op.create_index(op.f("ix_candidates_consortium_member_institution_id"),
                    "consortium_member", ["institution_id"], unique=False, schema="candidates")
    op.create_table(
        "agreement",
        sa.Column("programme_id", sa.UUID(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("document_reference", sa.Text(), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("ends_on IS NULL OR ends_on > starts_on",
                           name=op.f("ck_agreement_ends_after_start")),
        sa.ForeignKeyConstraint(["programme_id"], ["candidates.programme.id"],
                                name=op.f("fk_agreement_programme_id_programme")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement")),
        schema="candidates",
    )
    op.create_index(op.f("ix_candidates_agreement_created_at"), "agreement", ["created_at"],
                    unique=False, schema="candidates")
    op.create_index(op.f("ix_candidates_agreement_programme_id"), "agreement",
                    ["programme_id"], unique=False, schema="candidates")
    op.create_table(
        "agreement_party",
        sa.Column("agreement_id", sa.UUID(), nullable=False),
        sa.Column("institution_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["candidates.agreement.id"],
                                name=op.f("fk_agreement_party_agreement_id_agreement")),
        sa.ForeignKeyConstraint(["institution_id"], ["candidates.institution.id"],
                                name=op.f("fk_agreement_party_institution_id_institution")),
        sa.PrimaryKeyConstraint("agreement_id", "institution_id",
                                name=op.f("pk_agreement_party")),
        schema="candidates",
    )
    op.create_index(op.f("ix_candidates_agreement_party_institution_id"), "agreement_party",
                    ["institution_id"], unique=False, schema="candidates")


def downgrade() -> None:
    """Drop agreements and the consortium; institutions of the new kinds become ``other``."""
    op.drop_index(op.f("ix_candidates_agreement_party_institution_id"),
                  table_name="agreement_party", schema="candidates")
    op.drop_table("agreement_party", schema="candidates")
    op.drop_index(op.f("ix_candidates_agreement_programme_id"), table_name="agreement",
                  schema="candidates")
    op.drop_index(op.f("ix_candidates_agreement_created_at"), table_name="agreement",
                  schema="candidates")
    op.drop_table("agreement", schema="candidates")
    op.drop_index(op.f("ix_candidates_consortium_member_institution_id"),
                  table_name="consortium_member", schema="candidates")
    op.drop_table("consortium_member", schema="candidates")
    op.execute("UPDATE candidates.institution SET kind = 'other' "
               f"WHERE kind NOT IN {KINDS_BEFORE}")
    _kinds(KINDS_BEFORE)

"""Matching runs and their proposals; a placement's gender and sector for the indicators.

Revision ID: plac0004
Revises: plac0003
Create Date: 2026-11-23 21:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "plac0004"
down_revision: str | Sequence[str] | None = "plac0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENDERS = "('female', 'male', 'other', 'undisclosed')"


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('matching_run',
    sa.Column('programme_id', sa.UUID(), nullable=False),
    sa.Column('algorithm', sa.Text(), nullable=False),
    sa.Column('parameters', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.Text(), server_default='queued', nullable=False),
    sa.Column('requested_by', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failure_reason', sa.Text(), nullable=True),
    sa.Column('failure_detail', sa.Text(), nullable=True),
    sa.Column('summary', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by', sa.Text(), nullable=True),
    sa.Column('confirmation', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("algorithm IN ('optimal', 'stable')", name=op.f('ck_matching_run_algorithm_known')),
    sa.CheckConstraint("status IN ('queued', 'running', 'completed', 'failed', 'confirmed')", name=op.f('ck_matching_run_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_run')),
    schema='placements'
    )
    op.create_index('ix_matching_run_created_id', 'matching_run', ['created_at', 'id'], unique=False, schema='placements')
    op.create_index('ix_matching_run_programme_created', 'matching_run', ['programme_id', 'created_at', 'id'], unique=False, schema='placements')
    op.create_index('uq_matching_run_unfinished_programme', 'matching_run', ['programme_id'], unique=True, schema='placements', postgresql_where=sa.text("status IN ('queued', 'running')"))
    op.create_table('matching_proposal',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('run_id', sa.UUID(), nullable=False),
    sa.Column('candidate_id', sa.UUID(), nullable=False),
    sa.Column('vacancy_id', sa.UUID(), nullable=False),
    sa.Column('employer_id', sa.UUID(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('status', sa.Text(), server_default='proposed', nullable=False),
    sa.Column('explanation', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('profile', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('gender', sa.Text(), nullable=True),
    sa.Column('nationality', sa.Text(), nullable=True),
    sa.Column('placement_id', sa.UUID(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint(f"gender IS NULL OR gender IN {GENDERS}", name=op.f('ck_matching_proposal_gender_known')),
    sa.CheckConstraint("status IN ('proposed', 'rejected', 'confirmed', 'refused')", name=op.f('ck_matching_proposal_status_known')),
    sa.ForeignKeyConstraint(['run_id'], ['placements.matching_run.id'], name=op.f('fk_matching_proposal_run_id_matching_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_proposal')),
    sa.UniqueConstraint('run_id', 'candidate_id', name=op.f('uq_matching_proposal_run_id_candidate_id')),
    schema='placements'
    )
    op.create_index(op.f('ix_placements_matching_proposal_candidate_id'), 'matching_proposal', ['candidate_id'], unique=False, schema='placements')
    op.create_index('ix_matching_proposal_run_created_id', 'matching_proposal', ['run_id', 'created_at', 'id'], unique=False, schema='placements')
    op.create_index('ix_matching_proposal_run_employer', 'matching_proposal', ['run_id', 'employer_id'], unique=False, schema='placements')
    op.add_column('placement', sa.Column('gender', sa.Text(), nullable=True), schema='placements')
    op.add_column('placement', sa.Column('sector', sa.Text(), nullable=True), schema='placements')
    op.create_check_constraint(op.f('ck_placement_gender_known'), 'placement', f"gender IS NULL OR gender IN {GENDERS}", schema='placements')
    # Placements made before this revision: their vacancy's sector is known.
    op.execute("UPDATE placements.placement AS p SET sector = v.sector "
               "FROM placements.vacancy AS v WHERE v.id = p.vacancy_id")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_constraint(op.f('ck_placement_gender_known'), 'placement', schema='placements', type_='check')
    op.drop_column('placement', 'sector', schema='placements')
    op.drop_column('placement', 'gender', schema='placements')
    op.drop_index('ix_matching_proposal_run_employer', table_name='matching_proposal', schema='placements')
    op.drop_index('ix_matching_proposal_run_created_id', table_name='matching_proposal', schema='placements')
    op.drop_index(op.f('ix_placements_matching_proposal_candidate_id'), table_name='matching_proposal', schema='placements')
    op.drop_table('matching_proposal', schema='placements')
    op.drop_index('uq_matching_run_unfinished_programme', table_name='matching_run', schema='placements', postgresql_where=sa.text("status IN ('queued', 'running')"))
    op.drop_index('ix_matching_run_programme_created', table_name='matching_run', schema='placements')
    op.drop_index('ix_matching_run_created_id', table_name='matching_run', schema='placements')
    op.drop_table('matching_run', schema='placements')

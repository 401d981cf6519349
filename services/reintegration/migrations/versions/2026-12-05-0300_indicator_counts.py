"""The indicators' counts, kept by the writes (services.reintegration.indicators.counts).

Five tables of counts per programme and group of returnees (and per point, currency, stage and
kind), the instant the scheduled follow-ups are counted as of (``indicator_clock``), triggers
on cases, stays, follow-ups and support measures that change the counts in each writing
statement's transaction, and the counts of the rows there are. A partial index finds the
scheduled follow-ups by due date: those falling due after the clock's instant are counted
again at the hour the indicators are read.

Revision ID: rein0007
Revises: rein0006
Create Date: 2026-12-05 03:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.reintegration.indicators import counts

revision: str = "rein0007"
down_revision: str | Sequence[str] | None = "rein0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "reintegration"


def upgrade() -> None:
    """Create the tables, the index and the triggers; count the rows there are."""
    op.create_table('indicator_returnees',
    sa.Column('programme_id', sa.UUID(), nullable=False),
    sa.Column('gender', sa.Text(), nullable=False),
    sa.Column('origin_country', sa.Text(), nullable=False),
    sa.Column('sector', sa.Text(), nullable=False),
    sa.Column('destination_country', sa.Text(), nullable=False),
    sa.Column('people', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('stays', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('businesses_created', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('programme_id', 'gender', 'origin_country', 'sector', 'destination_country'),
    schema=S)
    op.create_table('indicator_point',
    sa.Column('programme_id', sa.UUID(), nullable=False),
    sa.Column('gender', sa.Text(), nullable=False),
    sa.Column('origin_country', sa.Text(), nullable=False),
    sa.Column('sector', sa.Text(), nullable=False),
    sa.Column('destination_country', sa.Text(), nullable=False),
    sa.Column('point_months', sa.Integer(), nullable=False),
    sa.Column('completed', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('overdue', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('scheduled', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('waiting_started', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('waiting_open', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('waiting_missed', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('unreachable', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('working', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('host_company', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('abroad', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('programme_id', 'gender', 'origin_country', 'sector', 'destination_country', 'point_months'),
    schema=S)
    op.create_table('indicator_spend',
    sa.Column('programme_id', sa.UUID(), nullable=False),
    sa.Column('gender', sa.Text(), nullable=False),
    sa.Column('origin_country', sa.Text(), nullable=False),
    sa.Column('sector', sa.Text(), nullable=False),
    sa.Column('destination_country', sa.Text(), nullable=False),
    sa.Column('currency', sa.Text(), nullable=False),
    sa.Column('amount', sa.Numeric(), server_default='0', nullable=False),
    sa.Column('measures', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('people', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('programme_id', 'gender', 'origin_country', 'sector', 'destination_country', 'currency'),
    schema=S)
    op.create_table('indicator_support',
    sa.Column('programme_id', sa.UUID(), nullable=False),
    sa.Column('stage', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('recorded', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('measures', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('people', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('programme_id', 'stage', 'kind'),
    schema=S)
    op.create_table('indicator_support_money',
    sa.Column('programme_id', sa.UUID(), nullable=False),
    sa.Column('stage', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('currency', sa.Text(), nullable=False),
    sa.Column('amount', sa.Numeric(), server_default='0', nullable=False),
    sa.Column('disbursed', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('programme_id', 'stage', 'kind', 'currency'),
    schema=S)
    op.create_table('indicator_clock',
    sa.Column('id', sa.SmallInteger(), server_default='1', nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_indicator_clock_one_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_clock')),
    schema=S)
    op.create_index('ix_follow_up_scheduled_due', 'follow_up', ['due_date'], unique=False,
                    schema=S,
                    postgresql_include=['programme_id', 'window_closes_at', 'case_id',
                                        'point_months'],
                    postgresql_where=sa.text("status = 'scheduled'"))
    counts.install(op.get_bind())


def downgrade() -> None:
    """Drop the triggers, the index and the tables."""
    counts.uninstall(op.get_bind())
    op.drop_index('ix_follow_up_scheduled_due', table_name='follow_up', schema=S,
                  postgresql_where=sa.text("status = 'scheduled'"))
    for table in ('indicator_clock', 'indicator_support_money', 'indicator_support', 'indicator_spend',
                  'indicator_point', 'indicator_returnees'):
        op.drop_table(table, schema=S)
